package stream

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/planner/catalogview"
	"github.com/featuregate/featuregate/planner/exec"
)

// Config is what a Follower works with.
type Config struct {
	// DSN is the offline store's URL as the gateway's own role (the
	// owner, offline.dsn): it creates publications and slots and
	// replicates, so it needs REPLICATION (or superuser) and to own the
	// streamed tables. Sessions' roles never replicate.
	DSN string
	// Env is the write path: its Registry (read), Online (values and the
	// stream markers) and Offline (the read-only pool that evaluates each
	// batch as materialization does).
	Env *exec.Env
	// Identity names this gateway's slots: DataDirIdentity for a Pebble
	// online store, SharedIdentity for a shared PostgreSQL one.
	Identity string
	// Shared says the online store is shared by the gateways: one of them
	// follows each source at a time, under an advisory lock.
	Shared bool
	Log    *slog.Logger  // nil: no logs
	Poll   time.Duration // how often the registry is read again; 0: 2s
}

// Follower follows every streaming source of the registry into the
// online store. It implements exec.Streams.
type Follower struct {
	cfg     Config
	log     *slog.Logger
	changed chan struct{}

	mu      sync.Mutex
	runners map[string]*runner // by project \x00 source
	defsOf  map[string]*defs   // by project
}

// New returns a Follower; Run starts it.
func New(cfg Config) *Follower {
	if cfg.Poll <= 0 {
		cfg.Poll = 2 * time.Second
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Follower{cfg: cfg, log: log, changed: make(chan struct{}, 1),
		runners: map[string]*runner{}, defsOf: map[string]*defs{}}
}

// Run follows the streaming sources until ctx is done; then it stops
// every runner (their slots stay, for the next start to resume from).
func (f *Follower) Run(ctx context.Context) {
	tick := time.NewTicker(f.cfg.Poll)
	defer tick.Stop()
	for {
		f.reconcile(ctx)
		select {
		case <-ctx.Done():
			f.stopAll()
			return
		case <-tick.C:
		case <-f.changed:
		}
	}
}

// Changed implements exec.Streams.
func (f *Follower) Changed(string) {
	select {
	case f.changed <- struct{}{}:
	default:
	}
}

// Status implements exec.Streams.
func (f *Follower) Status(project string) []exec.StreamStatus {
	now := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []exec.StreamStatus
	for _, r := range f.runners {
		if r.project == project {
			out = append(out, r.status(now))
		}
	}
	return out
}

// ProjectStatus is the status of one followed source and its project.
type ProjectStatus struct {
	Project string
	exec.StreamStatus
}

// All returns the status of every source followed, sorted, for /metrics.
func (f *Follower) All() []ProjectStatus {
	now := time.Now()
	f.mu.Lock()
	var out []ProjectStatus
	for _, r := range f.runners {
		out = append(out, ProjectStatus{Project: r.project, StreamStatus: r.status(now)})
	}
	f.mu.Unlock()
	slices.SortFunc(out, func(a, b ProjectStatus) int {
		if a.Project != b.Project {
			return compare(a.Project, b.Project)
		}
		return compare(a.Source, b.Source)
	})
	return out
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// defs returns project's definitions as last read.
func (f *Follower) defs(project string) *defs {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.defsOf[project]
}

// onlineName is the online name of view v.
func onlineName(d *defs, v *catalog.FeatureView) string { return catalogview.OnlineName(d.snap, v) }

// reconcile reads the registry, starts a runner for each streaming
// source that has none, stops (and drops the slot of) each runner whose
// source no longer streams, and drops this gateway's idle slots that no
// source uses. When the registry cannot be read it changes nothing.
func (f *Follower) reconcile(ctx context.Context) {
	want, err := f.read(ctx)
	if err != nil {
		if ctx.Err() == nil {
			f.log.Warn("stream: read the registry", "err", err)
		}
		return
	}
	f.mu.Lock()
	var stop []*runner
	for k, r := range f.runners {
		if w, ok := want[k]; !ok || w.slot != r.slot {
			stop = append(stop, r)
			delete(f.runners, k)
		}
	}
	for k, w := range want {
		if _, ok := f.runners[k]; !ok {
			f.start(ctx, k, w)
		}
	}
	f.mu.Unlock()
	for _, r := range stop {
		f.retire(ctx, r)
	}
	f.dropIdleSlots(ctx, want)
}

// read returns the runners the registry asks for, by project \x00 source
// (not started), and keeps each project's definitions.
func (f *Follower) read(ctx context.Context) (map[string]*runner, error) {
	reg := f.cfg.Env.Registry
	projects, err := reg.Projects(ctx)
	if err != nil {
		return nil, err
	}
	want := map[string]*runner{}
	all := map[string]*defs{}
	for _, p := range projects {
		snap, err := reg.Snapshot(ctx, p)
		if err != nil {
			return nil, err
		}
		d := &defs{snap: snap}
		for _, src := range snap.Sources {
			if !src.Streaming || src.Table == "" {
				continue
			}
			want[p+"\x00"+src.Name] = &runner{f: f, project: p, source: src.Name, table: src.Table,
				pub: PublicationName(p, src.Name, src.Table), slot: SlotName(f.cfg.Identity, p, src.Name, src.Table)}
		}
		if old := f.defs(p); old != nil && old.snap.Version == snap.Version {
			d.times = old.times
		} else if d.times, err = reg.SourceTimeTypes(ctx, snap); err != nil {
			return nil, err
		}
		all[p] = d
	}
	f.mu.Lock()
	f.defsOf = all
	f.mu.Unlock()
	return want, nil
}

// start runs r; f.mu is held.
func (f *Follower) start(ctx context.Context, key string, r *runner) {
	rctx, cancel := context.WithCancel(ctx)
	r.cancel, r.done, r.state = cancel, make(chan struct{}), "starting"
	f.runners[key] = r
	go r.run(rctx)
}

// stopAll stops every runner and waits for them.
func (f *Follower) stopAll() {
	f.mu.Lock()
	rs := f.runners
	f.runners = map[string]*runner{}
	f.mu.Unlock()
	for _, r := range rs {
		r.cancel()
		<-r.done
	}
}

// retire stops r, whose source no longer streams, and drops its slot,
// its publication and its markers.
func (f *Follower) retire(ctx context.Context, r *runner) {
	r.cancel()
	<-r.done
	admin, err := f.connectAdmin(ctx)
	if err != nil {
		f.log.Warn("stream: drop the slot of a source that no longer streams", "slot", r.slot, "err", err)
		return
	}
	defer admin.Close(context.WithoutCancel(ctx))
	for i := 0; ; i++ {
		err = dropSlot(ctx, admin, r.slot)
		if err == nil || i == dropSlotTries || ctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond) // its WAL sender is ending
	}
	if err != nil {
		f.log.Warn("stream: drop the slot of a source that no longer streams", "slot", r.slot, "err", err)
		return
	}
	if err := dropPublication(ctx, admin, r.pub); err != nil {
		f.log.Warn("stream: drop the publication of a source that no longer streams", "publication", r.pub, "err", err)
	}
	store := f.cfg.Env.Online
	for _, n := range []string{markerName(r.slot), gapName(r.slot)} {
		if err := store.DropView(ctx, r.project, n); err != nil {
			f.log.Warn("stream: forget a stream", "slot", r.slot, "err", err)
		}
	}
	f.log.Info("stream: stopped following", "project", r.project, "source", r.source, "slot", r.slot)
}

// dropIdleSlots drops the slots of this gateway that no streaming source
// uses (sources dropped or turned off while it was down).
func (f *Follower) dropIdleSlots(ctx context.Context, want map[string]*runner) {
	admin, err := f.connectAdmin(ctx)
	if err != nil {
		return
	}
	defer admin.Close(context.WithoutCancel(ctx))
	slots, err := ownSlots(ctx, admin, f.cfg.Identity)
	if err != nil {
		return
	}
	used := map[string]bool{}
	for _, r := range want {
		used[r.slot] = true
	}
	for _, s := range slots {
		if !used[s] {
			if err := dropSlot(ctx, admin, s); err == nil {
				f.log.Info("stream: dropped a replication slot no source uses", "slot", s)
			}
		}
	}
}

// connectAdmin connects as the owner.
func (f *Follower) connectAdmin(ctx context.Context) (*pgx.Conn, error) {
	cc, err := pgx.ParseConfig(f.cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("offline.dsn: %w", err)
	}
	cc.RuntimeParams["application_name"] = "featuregate stream"
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return nil, unavailable("connect to the offline store", err)
	}
	return conn, nil
}

// connectReplication opens a logical replication connection as the
// owner, whose text output is unambiguous (ISO dates, UTC, exact floats).
func (f *Follower) connectReplication(ctx context.Context) (*pgconn.PgConn, error) {
	cc, err := pgconn.ParseConfig(f.cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("offline.dsn: %w", err)
	}
	for k, v := range map[string]string{"replication": "database", "application_name": "featuregate stream",
		"DateStyle": "ISO", "IntervalStyle": "postgres", "TimeZone": "UTC", "extra_float_digits": "3"} {
		cc.RuntimeParams[k] = v
	}
	conn, err := pgconn.ConnectConfig(ctx, cc)
	if err != nil {
		return nil, privilege(err, "connect to the offline store for replication")
	}
	return conn, nil
}
