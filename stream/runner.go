package stream

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/planner/exec"
)

// Tuning of a runner.
const (
	batchRows     = 8192                   // committed rows that make a batch write at once
	batchWait     = 20 * time.Millisecond  // how long committed rows wait for more before they are written
	statusEvery   = time.Second            // standby status (and lag) updates while idle
	backoffFirst  = 200 * time.Millisecond // first wait before reconnecting
	backoffMax    = 10 * time.Second
	standbyRetry  = 2 * time.Second // how often a standby follower tries the lock
	dropSlotTries = 50              // × 200ms: how long a stopped stream waits for its slot to be free
)

// errStandby ends a session of a shared online store's follower that did
// not get the lock: another gateway follows the source.
var errStandby = errors.New("another gateway follows this source for the shared online store")

// runner follows one streaming source.
type runner struct {
	f       *Follower
	project string
	source  string
	table   string // as the registry holds it
	pub     string
	slot    string
	cancel  func()
	done    chan struct{}

	mu       sync.Mutex
	state    string
	err      string
	lagBytes int64
	pending  time.Time // commit time of the oldest transaction received and not yet durable online; zero: none
	caughtUp time.Time // the last time everything received was durable online
	written  int64
	rejected int64
}

// status is the runner's state as SHOW STREAMS shows it.
func (r *runner) status(now time.Time) exec.StreamStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := exec.StreamStatus{Source: r.source, Table: r.table, Publication: r.pub, Slot: r.slot, State: r.state,
		Error: r.err, LagBytes: r.lagBytes, Written: r.written, Rejected: r.rejected}
	switch {
	case !r.pending.IsZero():
		st.LagSeconds = max(0, now.Sub(r.pending).Seconds())
	case r.state != "streaming" && r.state != "gap" && !r.caughtUp.IsZero():
		st.LagSeconds = now.Sub(r.caughtUp).Seconds()
	}
	return st
}

func (r *runner) setState(state string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.state, r.err = state, ""
	if err != nil {
		r.err = err.Error()
		var fe *featuregate.Error
		if errors.As(err, &fe) && fe.Hint != "" {
			r.err += " (hint: " + fe.Hint + ")"
		}
	}
}

// run follows the source until ctx is done, reconnecting with backoff.
func (r *runner) run(ctx context.Context) {
	defer close(r.done)
	wait := backoffFirst
	for ctx.Err() == nil {
		started := time.Now()
		err := r.session(ctx)
		if ctx.Err() != nil {
			return
		}
		switch {
		case errors.Is(err, errStandby):
			r.setState("standby", nil)
			wait = standbyRetry
		default:
			state := "reconnecting"
			var fe *featuregate.Error
			if errors.As(err, &fe) && fe.Kind != featuregate.KindUnavailable {
				state = "error"
			}
			r.setState(state, err)
			r.f.log.Warn("stream: following a source failed; retrying", "project", r.project, "source", r.source,
				"slot", r.slot, "err", err, "retry_in", wait)
			if time.Since(started) > 10*backoffMax {
				wait = backoffFirst
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if !errors.Is(err, errStandby) {
			wait = min(2*wait, backoffMax)
		}
	}
}

// session connects, makes sure the publication and the slot exist, and
// replicates until an error or ctx's end.
func (r *runner) session(ctx context.Context) error {
	admin, err := r.f.connectAdmin(ctx)
	if err != nil {
		return err
	}
	defer admin.Close(context.WithoutCancel(ctx))
	if err := checkWALLevel(ctx, admin); err != nil {
		return err
	}
	if r.f.cfg.Shared {
		ok, err := tryLock(ctx, admin, r.slot)
		if err != nil {
			return err
		}
		if !ok {
			return errStandby
		}
	}
	table, err := resolveTable(ctx, admin, r.table)
	if err != nil {
		return err
	}
	if created, err := ensurePublication(ctx, admin, r.pub, table); err != nil {
		return err
	} else if created {
		r.f.log.Info("stream: publication created", "project", r.project, "source", r.source, "publication", r.pub, "table", table)
	}
	if err := r.ensureSlot(ctx, admin); err != nil {
		return err
	}
	conn, err := r.f.connectReplication(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	err = pglogrepl.StartReplication(ctx, conn, r.slot, 0, pglogrepl.StartReplicationOptions{
		PluginArgs: []string{"proto_version '1'", "publication_names '" + r.pub + "'"}})
	if err != nil {
		return privilege(err, "start replication from slot "+r.slot)
	}
	r.setState("streaming", nil)
	if err := r.checkGap(ctx); err != nil {
		return err
	}
	r.f.log.Info("stream: following", "project", r.project, "source", r.source, "slot", r.slot, "publication", r.pub)
	return r.replicate(ctx, admin, conn, table)
}

// ensureSlot creates the slot when it is missing. A slot this online
// store followed before (its marker is there) that is missing was lost:
// it is made again, and the gap since is recorded until MATERIALIZE
// fills it.
func (r *runner) ensureSlot(ctx context.Context, admin *pgx.Conn) error {
	exists, _, err := slotExists(ctx, admin, r.slot)
	if err != nil {
		return err
	}
	store := r.f.cfg.Env.Online
	_, followed, err := store.Watermark(ctx, r.project, markerName(r.slot))
	if err != nil {
		return err
	}
	if exists {
		if !followed {
			return store.SetWatermark(ctx, r.project, markerName(r.slot), time.Now().UTC())
		}
		return nil
	}
	now := time.Now().UTC()
	if followed {
		r.f.log.Error("stream: the replication slot was lost: rows committed while it was missing are not online until MATERIALIZE runs",
			"project", r.project, "source", r.source, "slot", r.slot)
		if err := store.SetWatermark(ctx, r.project, gapName(r.slot), now); err != nil {
			return err
		}
	}
	if err := createSlot(ctx, admin, r.slot); err != nil {
		return err
	}
	r.f.log.Info("stream: replication slot created", "project", r.project, "source", r.source, "slot", r.slot)
	return store.SetWatermark(ctx, r.project, markerName(r.slot), now)
}

// checkGap reports a gap left by a lost slot until every online view of
// the source was materialized up to a time after the slot was made
// again; then it forgets the gap.
func (r *runner) checkGap(ctx context.Context) error {
	store := r.f.cfg.Env.Online
	since, gap, err := store.Watermark(ctx, r.project, gapName(r.slot))
	if err != nil || !gap {
		return err
	}
	d := r.f.defs(r.project)
	if d != nil {
		filled := true
		for _, v := range d.views(r.source) {
			wm, ok, err := store.Watermark(ctx, r.project, onlineName(d, v))
			if err != nil {
				return err
			}
			filled = filled && ok && !wm.Before(since)
		}
		if filled {
			r.f.log.Info("stream: the gap of a lost slot was filled by MATERIALIZE", "project", r.project, "source", r.source)
			r.setState("streaming", nil)
			return store.DropView(ctx, r.project, gapName(r.slot))
		}
	}
	r.setState("gap", fmt.Errorf("replication slot %s was lost and made again at %s: rows committed before then may be missing online",
		r.slot, since.Format(time.RFC3339)))
	r.mu.Lock()
	r.err += " (hint: run MATERIALIZE INCREMENTAL TO now(), or MATERIALIZE the views over " + r.source + " up to now(), to catch up)"
	r.mu.Unlock()
	return nil
}

// replicate receives the slot's changes, writes each batch of committed
// transactions durably, then confirms their end to the slot.
func (r *runner) replicate(ctx context.Context, admin *pgx.Conn, conn *pgconn.PgConn, table string) error {
	dec := &decoder{rels: map[uint32]*pglogrepl.RelationMessage{}}
	var (
		batch      []committed
		rows       int
		firstAt    time.Time     // when the batch's first transaction arrived
		confirmed  pglogrepl.LSN // what the slot was told is durable
		nextStatus = time.Now()
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := r.write(ctx, table, batch); err != nil {
			return err
		}
		confirmed = max(confirmed, batch[len(batch)-1].end)
		batch, rows = batch[:0], 0
		r.mu.Lock()
		r.pending = time.Time{}
		if dec.txn == nil {
			r.caughtUp = time.Now()
		}
		r.mu.Unlock()
		return r.confirm(ctx, admin, conn, confirmed, false)
	}
	for {
		if len(batch) > 0 && (rows >= batchRows || time.Since(firstAt) >= batchWait) {
			if err := flush(); err != nil {
				return err
			}
		}
		if time.Now().After(nextStatus) {
			if len(batch) == 0 && dec.txn == nil {
				r.markCaughtUp()
			}
			if err := r.confirm(ctx, admin, conn, confirmed, true); err != nil {
				return err
			}
			if err := r.checkGap(ctx); err != nil {
				return err
			}
			nextStatus = time.Now().Add(statusEvery)
		}
		deadline := nextStatus
		if len(batch) > 0 {
			deadline = firstAt.Add(batchWait)
		}
		rctx, cancel := context.WithDeadline(ctx, deadline)
		msg, err := conn.ReceiveMessage(rctx)
		cancel()
		if err != nil {
			if pgconn.Timeout(err) && ctx.Err() == nil {
				continue
			}
			return unavailable("receive from the replication slot "+r.slot, err)
		}
		c, serverEnd, err := r.handle(dec, msg)
		if err != nil {
			return err
		}
		if c != nil {
			if len(batch) == 0 {
				firstAt = time.Now()
				r.mu.Lock()
				r.pending = c.commitTime
				r.mu.Unlock()
			}
			batch = append(batch, *c)
			rows += len(c.rows)
		}
		if serverEnd > confirmed && len(batch) == 0 && dec.txn == nil {
			confirmed = serverEnd // everything before was received, and none of it is pending
		}
	}
}

// handle reads one message of the replication stream: a transaction it
// completes, and, from a keepalive, the position the server has sent up to.
func (r *runner) handle(dec *decoder, msg pgproto3.BackendMessage) (*committed, pglogrepl.LSN, error) {
	switch m := msg.(type) {
	case *pgproto3.ErrorResponse:
		return nil, 0, privilege(pgconn.ErrorResponseToPgError(m), "replicate from slot "+r.slot)
	case *pgproto3.CopyData:
		if len(m.Data) == 0 {
			return nil, 0, nil
		}
		switch m.Data[0] {
		case pglogrepl.PrimaryKeepaliveMessageByteID:
			ka, err := pglogrepl.ParsePrimaryKeepaliveMessage(m.Data[1:])
			if err != nil {
				return nil, 0, err
			}
			return nil, ka.ServerWALEnd, nil
		case pglogrepl.XLogDataByteID:
			xld, err := pglogrepl.ParseXLogData(m.Data[1:])
			if err != nil {
				return nil, 0, err
			}
			c, err := dec.message(xld.WALData)
			if dec.txn != nil {
				r.mu.Lock()
				if r.pending.IsZero() {
					r.pending = dec.txn.commitTime
				}
				r.mu.Unlock()
			}
			return c, 0, err
		}
	}
	return nil, 0, nil
}

// write applies a batch of transactions to the online store, durably.
func (r *runner) write(ctx context.Context, table string, batch []committed) error {
	d := r.f.defs(r.project)
	if d == nil {
		return fmt.Errorf("the definitions of project %s are not read yet", r.project)
	}
	var rows int
	var unchanged int
	for _, c := range batch {
		rows += len(c.rows)
		unchanged += c.unchanged
	}
	all := make([]jsonRow, 0, rows)
	for _, c := range batch {
		all = append(all, c.rows...)
	}
	out, err := apply(ctx, r.f.cfg.Env, d, r.source, table, all)
	if err != nil {
		return err
	}
	if unchanged > 0 {
		r.f.log.Warn("stream: updated rows whose unchanged TOASTed values PostgreSQL did not send were not applied; MATERIALIZE applies them",
			"project", r.project, "source", r.source, "rows", unchanged)
	}
	r.mu.Lock()
	r.written += out.written
	r.rejected += out.rejected
	r.mu.Unlock()
	return nil
}

// markCaughtUp records that nothing received is waiting.
func (r *runner) markCaughtUp() {
	r.mu.Lock()
	r.pending, r.caughtUp = time.Time{}, time.Now()
	r.mu.Unlock()
}

// confirm tells the slot that everything up to lsn is durable online,
// and reads its lag.
func (r *runner) confirm(ctx context.Context, admin *pgx.Conn, conn *pgconn.PgConn, lsn pglogrepl.LSN, reply bool) error {
	if lsn > 0 {
		err := pglogrepl.SendStandbyStatusUpdate(ctx, conn, pglogrepl.StandbyStatusUpdate{
			WALWritePosition: lsn, ReplyRequested: reply})
		if err != nil {
			return unavailable("confirm to the replication slot "+r.slot, err)
		}
	}
	if !reply {
		return nil
	}
	lag, err := slotLag(ctx, admin, r.slot)
	if err != nil {
		return unavailable("read the lag of slot "+r.slot, err)
	}
	r.mu.Lock()
	r.lagBytes = lag
	r.mu.Unlock()
	return nil
}
