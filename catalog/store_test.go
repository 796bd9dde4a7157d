package catalog

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/featuregate/featuregate"
)

var dbCount atomic.Int64

// newDB creates a database of its own for the test and returns its DSN.
func newDB(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("t%d_%s", dbCount.Add(1),
		strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "_")))
	dsn, err := pg.CreateDB(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

func execSQL(t *testing.T, dsn, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatal(err)
	}
}

func openStore(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// streamFlowTables are the StreamFlow lab's snapshot tables.
const streamFlowTables = `
CREATE TABLE subscriptions_profile_snapshots (
	user_id text, as_of timestamptz, months_active bigint, monthly_fee real,
	paperless_billing boolean, plan_stream_tv boolean, plan_stream_movies boolean, net_service text);
CREATE TABLE usage_agg_30d_snapshots (
	user_id text, as_of date, loaded_at timestamptz, watch_hours_30d real, avg_session_mins_7d real,
	unique_devices_30d bigint, skips_7d bigint, rebuffer_events_7d bigint);
CREATE TABLE payments_agg_90d_snapshots (user_id text, as_of timestamptz, failed_payments_90d bigint);
CREATE TABLE support_agg_90d_snapshots (
	user_id text, as_of date, support_tickets_90d bigint, ticket_avg_resolution_hrs_90d real);
`

// streamFlowDB returns a database holding the StreamFlow tables.
func streamFlowDB(t *testing.T) string {
	t.Helper()
	dsn := newDB(t)
	execSQL(t, dsn, streamFlowTables)
	return dsn
}

// streamFlow returns the StreamFlow definitions, in an order that applies.
func streamFlow() []Object {
	return []Object{
		&Entity{Name: "user", Keys: []Column{{"user_id", "text"}}, Comment: "StreamFlow customer"},
		&Source{Name: "subs_profile_source", TimestampColumn: "as_of",
			Query: "SELECT user_id, as_of, months_active, monthly_fee, paperless_billing,\n" +
				"       plan_stream_tv, plan_stream_movies, net_service\n" +
				"FROM subscriptions_profile_snapshots;\n"},
		&Source{Name: "usage_src", TimestampColumn: "as_of", CreatedColumn: "loaded_at",
			Table: "usage_agg_30d_snapshots"},
		&Source{Name: "payments_src", TimestampColumn: "as_of", Table: `public."payments_agg_90d_snapshots"`},
		&Source{Name: "support_src", TimestampColumn: "as_of",
			Query: "SELECT * FROM support_agg_90d_snapshots -- every ticket aggregate"},
		&FeatureView{Name: "subs_profile_fv", Entity: "user", Source: "subs_profile_source", Online: true,
			Features: []Feature{
				{Name: "months_active", Type: "bigint"},
				{Name: "monthly_fee", Type: "real", Check: "monthly_fee >= 0"},
				{Name: "paperless_billing", Type: "boolean"},
				{Name: "plan_stream_tv", Type: "boolean"},
				{Name: "plan_stream_movies", Type: "boolean"},
				{Name: "net_service", Type: "text"},
			},
			Tags: []Tag{{"owner", "mlops-course"}}, Comment: "subscription profile"},
		&FeatureView{Name: "usage_agg_30d_fv", Entity: "user", Source: "usage_src", Online: true, TTL: "30 days",
			Features: []Feature{
				{Name: "watch_hours_30d", Type: "real"},
				{Name: "avg_session_mins_7d", Type: "real"},
				{Name: "unique_devices_30d", Type: "bigint"},
				{Name: "skips_7d", Type: "bigint"},
				{Name: "rebuffer_events_7d", Type: "bigint"},
			}},
		&FeatureView{Name: "payments_agg_90d_fv", Entity: "user", Source: "payments_src", Online: true,
			TTL: "90 days", Features: []Feature{{Name: "failed_payments_90d", Type: "bigint"}}},
		&FeatureView{Name: "support_agg_90d_fv", Entity: "user", Source: "support_src",
			Features: []Feature{
				{Name: "support_tickets_90d", Type: "bigint"},
				{Name: "ticket_avg_resolution_hrs_90d", Type: "real"},
			}},
		&FeatureService{Name: "churn_v1", Features: []FeatureRef{
			{"subs_profile_fv", "*"}, {"usage_agg_30d_fv", "watch_hours_30d"},
			{"payments_agg_90d_fv", "failed_payments_90d"},
		}, Comment: "churn model v1"},
	}
}

func creates(op Op, objs ...Object) []Change {
	var cs []Change
	for _, o := range objs {
		cs = append(cs, Change{Op: op, Object: o})
	}
	return cs
}

func mustApply(t *testing.T, s *Store, project string, changes ...Change) int64 {
	t.Helper()
	v, err := s.Apply(context.Background(), project, "tester", "test", changes)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustSnapshot(t *testing.T, s *Store, project string) *Snapshot {
	t.Helper()
	snap, err := s.Snapshot(context.Background(), project)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// wantSnapshot builds the Snapshot that holds objs.
func wantSnapshot(project string, version int64, objs ...Object) *Snapshot {
	snap := &Snapshot{Project: project, Version: version}
	for _, o := range objs {
		switch o := o.(type) {
		case *Entity:
			snap.Entities = append(snap.Entities, o)
		case *Source:
			snap.Sources = append(snap.Sources, o)
		case *FeatureView:
			snap.Views = append(snap.Views, o)
		case *FeatureService:
			snap.Services = append(snap.Services, o)
		}
	}
	sortByName(snap.Entities)
	sortByName(snap.Sources)
	sortByName(snap.Views)
	sortByName(snap.Services)
	return snap
}

func TestApplyStreamFlow(t *testing.T) {
	ctx := context.Background()
	dsn := streamFlowDB(t)
	s := openStore(t, dsn)
	const stmt = "CREATE ENTITY user (user_id TEXT); CREATE SOURCE …"
	v, err := s.Apply(ctx, "streamflow", "alice", stmt, creates(OpCreate, streamFlow()...))
	if err != nil {
		t.Fatal(err)
	}
	if v != 1 {
		t.Fatalf("version = %d, want 1", v)
	}
	got := mustSnapshot(t, s, "streamflow")
	want := wantSnapshot("streamflow", 1, streamFlow()...)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("snapshot:\n got %s\nwant %s", dump(got), dump(want))
	}
	if names := []string{got.Views[0].Name, got.Views[1].Name, got.Views[2].Name, got.Views[3].Name}; !slices.IsSorted(names) {
		t.Fatalf("views not sorted: %v", names)
	}
	h, err := s.History(ctx, "streamflow")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 1 || h[0].Version != 1 || h[0].Who != "alice" || h[0].Statement != stmt || h[0].At.IsZero() {
		t.Fatalf("history = %+v", h)
	}
	if v, err := s.Version(ctx, "streamflow"); err != nil || v != 1 {
		t.Fatalf("Version = %d, %v", v, err)
	}
	if p, err := s.Projects(ctx); err != nil || !reflect.DeepEqual(p, []string{"streamflow"}) {
		t.Fatalf("Projects = %v, %v", p, err)
	}

	// The stored form is JSON with stable field names.
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var def string
	if err := conn.QueryRow(ctx, `SELECT definition->>'source' FROM featuregate_registry.objects
		WHERE project = 'streamflow' AND kind = 'FEATURE VIEW' AND name = 'usage_agg_30d_fv'`).Scan(&def); err != nil || def != "usage_src" {
		t.Fatalf("stored definition: %q, %v", def, err)
	}
}

func dump(s *Snapshot) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s@%d", s.Project, s.Version)
	for _, o := range s.Entities {
		fmt.Fprintf(&b, "\n  %+v", *o)
	}
	for _, o := range s.Sources {
		fmt.Fprintf(&b, "\n  %+v", *o)
	}
	for _, o := range s.Views {
		fmt.Fprintf(&b, "\n  %+v", *o)
	}
	for _, o := range s.Services {
		fmt.Fprintf(&b, "\n  %+v", *o)
	}
	return b.String()
}

func findObj[T Object](objs []Object, name string) T {
	for _, o := range objs {
		if t, ok := o.(T); ok && o.ObjectName() == name {
			return t
		}
	}
	panic("no object " + name)
}

func strPtr(s string) *string { return &s }

// TestInvalid applies each invalid change set to the StreamFlow project: the
// error must be exactly the expected one, and the registry unchanged.
func TestInvalid(t *testing.T) {
	ctx := context.Background()
	dsn := streamFlowDB(t)
	execSQL(t, dsn, `CREATE TABLE numbered (user_num bigint, as_of timestamptz, score real)`)
	s := openStore(t, dsn)
	const project = "streamflow"
	base := streamFlow()
	mustApply(t, s, project, creates(OpCreate, base...)...)

	subsFV := findObj[*FeatureView](base, "subs_profile_fv")
	view := func(edit func(v *FeatureView)) *FeatureView {
		v := *subsFV
		v.Name = "v2"
		v.Features = slices.Clone(v.Features)
		edit(&v)
		return &v
	}
	usageNoWatch := *findObj[*FeatureView](base, "usage_agg_30d_fv")
	usageNoWatch.Features = usageNoWatch.Features[1:]
	subsSrcNoNet := *findObj[*Source](base, "subs_profile_source")
	subsSrcNoNet.Query = "SELECT user_id, as_of, months_active FROM subscriptions_profile_snapshots"

	type tc struct {
		name    string
		changes []Change
		kind    featuregate.Kind
		msg     string
		hint    string // checked when not empty
		pgCode  string // the wrapped PostgreSQL error, when not empty
	}
	cases := []tc{
		{name: "duplicate entity",
			changes: creates(OpCreate, &Entity{Name: "user", Keys: []Column{{"user_id", "text"}}}),
			kind:    featuregate.KindDuplicate, msg: `entity "user" already exists`,
			hint: "Use CREATE OR REPLACE ENTITY to change it."},
		{name: "duplicate view",
			changes: creates(OpCreate, subsFV),
			kind:    featuregate.KindDuplicate, msg: `feature view "subs_profile_fv" already exists`,
			hint: "Use CREATE OR REPLACE FEATURE VIEW to change it."},
		{name: "service named as a view",
			changes: creates(OpCreate, &FeatureService{Name: "subs_profile_fv", Features: []FeatureRef{{"subs_profile_fv", "*"}}}),
			kind:    featuregate.KindDuplicate, msg: `feature view "subs_profile_fv" already exists`},
		{name: "view replacing a service",
			changes: creates(OpCreateOrReplace, view(func(v *FeatureView) { v.Name = "churn_v1" })),
			kind:    featuregate.KindDuplicate, msg: `feature service "churn_v1" already exists`},
		{name: "drop missing",
			changes: []Change{{Op: OpDrop, Kind: KindFeatureView, Name: "nope"}},
			kind:    featuregate.KindUndefined, msg: `feature view "nope" does not exist`},
		{name: "drop wrong kind",
			changes: []Change{{Op: OpDropIfExists, Kind: KindFeatureView, Name: "churn_v1"}},
			kind:    featuregate.KindInvalid, msg: `"churn_v1" is a feature service, not a feature view`,
			hint: "Use DROP FEATURE SERVICE."},
		{name: "comment on missing",
			changes: []Change{{Op: OpComment, Kind: KindSource, Name: "nope", Comment: strPtr("x")}},
			kind:    featuregate.KindUndefined, msg: `source "nope" does not exist`},
		{name: "drop entity used by views",
			changes: []Change{{Op: OpDrop, Kind: KindEntity, Name: "user"}},
			kind:    featuregate.KindInvalid,
			msg: `cannot drop entity "user" because feature views "payments_agg_90d_fv", "subs_profile_fv", ` +
				`"support_agg_90d_fv", "usage_agg_30d_fv" depend on it`},
		{name: "drop source used by a view",
			changes: []Change{{Op: OpDrop, Kind: KindSource, Name: "subs_profile_source"}},
			kind:    featuregate.KindInvalid,
			msg:     `cannot drop source "subs_profile_source" because feature view "subs_profile_fv" depends on it`,
			hint:    `Drop the feature view "subs_profile_fv" first.`},
		{name: "drop view used by a service",
			changes: []Change{{Op: OpDropIfExists, Kind: KindFeatureView, Name: "usage_agg_30d_fv"}},
			kind:    featuregate.KindInvalid,
			msg:     `cannot drop feature view "usage_agg_30d_fv" because feature service "churn_v1" depends on it`},
		{name: "view of unknown entity",
			changes: creates(OpCreate, view(func(v *FeatureView) { v.Entity = "driver" })),
			kind:    featuregate.KindUndefined, msg: `feature view "v2": entity "driver" does not exist`},
		{name: "view of unknown source",
			changes: creates(OpCreate, view(func(v *FeatureView) { v.Source = "nosrc" })),
			kind:    featuregate.KindUndefined, msg: `feature view "v2": source "nosrc" does not exist`},
		{name: "view with no features",
			changes: creates(OpCreate, view(func(v *FeatureView) { v.Features = nil })),
			kind:    featuregate.KindInvalid, msg: `feature view "v2" must have at least one feature`},
		{name: "duplicate feature",
			changes: creates(OpCreate, view(func(v *FeatureView) { v.Features[1].Name = "months_active" })),
			kind:    featuregate.KindDuplicate, msg: `feature view "v2": feature "months_active" is defined more than once`},
		{name: "feature named as a key",
			changes: creates(OpCreate, view(func(v *FeatureView) { v.Features[5] = Feature{Name: "user_id", Type: "text"} })),
			kind:    featuregate.KindDuplicate, msg: `feature view "v2": feature "user_id" has the name of a key of entity "user"`},
		{name: "feature named event_timestamp",
			changes: creates(OpCreate, view(func(v *FeatureView) { v.Features[5] = Feature{Name: "event_timestamp", Type: "text"} })),
			kind:    featuregate.KindDuplicate, msg: `feature view "v2": feature "event_timestamp" has the name of the view's event timestamp column`},
		{name: "unsupported feature type",
			changes: creates(OpCreate, view(func(v *FeatureView) { v.Features[1].Type = "money" })),
			kind:    featuregate.KindUnsupported, msg: `feature view "v2": feature "monthly_fee" has type "money", which featuregate does not support`},
		{name: "missing column",
			changes: creates(OpCreate, view(func(v *FeatureView) { v.Features[0].Name = "tenure" })),
			kind:    featuregate.KindUndefined, msg: `feature view "v2": column "tenure" does not exist in source "subs_profile_source"`,
			hint: "The source's columns are: user_id, as_of, months_active, monthly_fee, paperless_billing, " +
				"plan_stream_tv, plan_stream_movies, net_service."},
		{name: "wrong feature type",
			changes: creates(OpCreate, view(func(v *FeatureView) { v.Features[5].Type = "BIGINT" })),
			kind:    featuregate.KindDatatypeMismatch,
			msg:     `feature view "v2": feature "net_service" is declared bigint, but column "net_service" of source "subs_profile_source" has type text`},
		{name: "narrowing",
			changes: creates(OpCreate, view(func(v *FeatureView) { v.Features[0].Type = "integer" })),
			kind:    featuregate.KindDatatypeMismatch,
			msg:     `feature view "v2": feature "months_active" is declared integer, but column "months_active" of source "subs_profile_source" has type bigint`},
		{name: "wrong key type",
			changes: append(creates(OpCreate, &Entity{Name: "user_num", Keys: []Column{{"user_id", "bigint"}}}),
				creates(OpCreate, view(func(v *FeatureView) { v.Entity = "user_num" }))...),
			kind: featuregate.KindDatatypeMismatch,
			msg:  `feature view "v2": key "user_id" of entity "user_num" is declared bigint, but column "user_id" of source "subs_profile_source" has type text`},
		{name: "key missing from source",
			changes: append(creates(OpCreate, &Entity{Name: "n", Keys: []Column{{"user_num", "bigint"}}}),
				creates(OpCreate, view(func(v *FeatureView) { v.Entity = "n" }))...),
			kind: featuregate.KindUndefined, msg: `feature view "v2": column "user_num" does not exist in source "subs_profile_source"`},
		{name: "invalid TTL",
			changes: creates(OpCreate, view(func(v *FeatureView) { v.TTL = "a fortnight" })),
			kind:    featuregate.KindInvalid, msg: `feature view "v2": invalid TTL "a fortnight"`, pgCode: "22007"},
		{name: "negative TTL",
			changes: creates(OpCreate, view(func(v *FeatureView) { v.TTL = "-1 day" })),
			kind:    featuregate.KindInvalid, msg: `feature view "v2": TTL "-1 day" is not positive`},
		{name: "invalid CHECK",
			changes: creates(OpCreate, view(func(v *FeatureView) { v.Features[1].Check = "monthly_fee >= nothing" })),
			kind:    featuregate.KindInvalid, msg: `feature view "v2": invalid CHECK on feature "monthly_fee"`, pgCode: "42703"},
		{name: "CHECK not boolean",
			changes: creates(OpCreate, view(func(v *FeatureView) { v.Features[1].Check = "monthly_fee * 2" })),
			kind:    featuregate.KindDatatypeMismatch, msg: `feature view "v2": CHECK on feature "monthly_fee" must be boolean, not double precision`},
		{name: "source of a missing table",
			changes: creates(OpCreate, &Source{Name: "bad", TimestampColumn: "as_of", Table: "no_such_table"}),
			kind:    featuregate.KindInvalid, msg: `source "bad" cannot be read on the offline store`, pgCode: "42P01"},
		{name: "source with a bad query",
			changes: creates(OpCreate, &Source{Name: "bad", TimestampColumn: "as_of", Query: "SELECT user_id, as_of FROM subscriptions_profile_snapshots WHERE"}),
			kind:    featuregate.KindInvalid, msg: `source "bad" cannot be read on the offline store`, pgCode: "42601"},
		{name: "source that writes",
			changes: creates(OpCreate, &Source{Name: "bad", TimestampColumn: "as_of", Query: "DELETE FROM numbered RETURNING *"}),
			kind:    featuregate.KindInvalid, msg: `source "bad" cannot be read on the offline store`, pgCode: "42601"},
		{name: "source with a parameter",
			changes: creates(OpCreate, &Source{Name: "bad", TimestampColumn: "as_of", Query: "SELECT * FROM numbered WHERE user_num = $1::bigint"}),
			kind:    featuregate.KindInvalid, msg: `source "bad": its query must not have parameters`},
		{name: "source with query and table",
			changes: creates(OpCreate, &Source{Name: "bad", TimestampColumn: "as_of", Query: "SELECT 1", Table: "numbered"}),
			kind:    featuregate.KindInvalid, msg: `source "bad" must be defined either AS a query or AS TABLE`},
		{name: "source without timestamp column",
			changes: creates(OpCreate, &Source{Name: "bad", Table: "numbered"}),
			kind:    featuregate.KindInvalid, msg: `source "bad" must have a TIMESTAMP COLUMN`},
		{name: "source missing its timestamp column",
			changes: creates(OpCreate, &Source{Name: "bad", TimestampColumn: "ts", Table: "numbered"}),
			kind:    featuregate.KindUndefined, msg: `source "bad": timestamp column "ts" does not exist in its result`,
			hint: "The source's columns are: user_num, as_of, score."},
		{name: "source missing its created column",
			changes: creates(OpCreate, &Source{Name: "bad", TimestampColumn: "as_of", CreatedColumn: "loaded_at", Table: "numbered"}),
			kind:    featuregate.KindUndefined, msg: `source "bad": created column "loaded_at" does not exist in its result`},
		{name: "timestamp column not a timestamp",
			changes: creates(OpCreate, &Source{Name: "bad", TimestampColumn: "user_num", Table: "numbered"}),
			kind:    featuregate.KindDatatypeMismatch,
			msg:     `source "bad": timestamp column "user_num" has type bigint, but it must be date, timestamp or timestamptz`},
		{name: "ambiguous column",
			changes: append(creates(OpCreate, &Source{Name: "twice", TimestampColumn: "as_of",
				Query: "SELECT user_id, as_of, 1::bigint AS x, 2::bigint AS x FROM payments_agg_90d_snapshots"}),
				creates(OpCreate, view(func(v *FeatureView) { v.Source = "twice"; v.Features = []Feature{{Name: "x", Type: "bigint"}} }))...),
			kind: featuregate.KindAmbiguous, msg: `source "twice": column "x" appears 2 times in its result`},
		{name: "entity without keys",
			changes: creates(OpCreate, &Entity{Name: "nobody"}),
			kind:    featuregate.KindInvalid, msg: `entity "nobody" must have at least one key`},
		{name: "entity with a duplicate key",
			changes: creates(OpCreate, &Entity{Name: "trip", Keys: []Column{{"id", "bigint"}, {"id", "bigint"}}}),
			kind:    featuregate.KindDuplicate, msg: `entity "trip": key "id" is defined more than once`},
		{name: "service of unknown view",
			changes: creates(OpCreate, &FeatureService{Name: "s2", Features: []FeatureRef{{"subs_profile_fv", "*"}, {"nope_fv", "*"}}}),
			kind:    featuregate.KindUndefined, msg: `feature service "s2": feature view "nope_fv" does not exist`},
		{name: "service of unknown feature",
			changes: creates(OpCreate, &FeatureService{Name: "s2", Features: []FeatureRef{{"subs_profile_fv", "tenure"}}}),
			kind:    featuregate.KindUndefined, msg: `feature service "s2": feature "tenure" does not exist in feature view "subs_profile_fv"`},
		{name: "service of a service",
			changes: creates(OpCreate, &FeatureService{Name: "s2", Features: []FeatureRef{{"churn_v1", "*"}}}),
			kind:    featuregate.KindUndefined, msg: `feature service "s2": feature view "churn_v1" does not exist`},
		{name: "replace view dropping a served feature",
			changes: creates(OpCreateOrReplace, &usageNoWatch),
			kind:    featuregate.KindInvalid,
			msg:     `cannot replace feature view "usage_agg_30d_fv" because feature service "churn_v1" depends on it`,
			hint:    `Change or drop feature service "churn_v1" first.`},
		{name: "replace source dropping a column",
			changes: creates(OpCreateOrReplace, &subsSrcNoNet),
			kind:    featuregate.KindInvalid,
			msg:     `cannot replace source "subs_profile_source" because feature view "subs_profile_fv" depends on it`},
		{name: "replace entity with another key type",
			changes: creates(OpCreateOrReplace, &Entity{Name: "user", Keys: []Column{{"user_id", "bigint"}}}),
			kind:    featuregate.KindInvalid,
			msg:     `cannot replace entity "user" because feature view "payments_agg_90d_fv" depends on it`},
		{name: "all or nothing",
			changes: append(creates(OpCreate, &Entity{Name: "driver", Keys: []Column{{"driver_id", "bigint"}}}),
				Change{Op: OpComment, Kind: KindEntity, Name: "user", Comment: nil},
				Change{Op: OpDrop, Kind: KindFeatureService, Name: "churn_v1"},
				Change{Op: OpDrop, Kind: KindFeatureService, Name: "churn_v1"}),
			kind: featuregate.KindUndefined, msg: `feature service "churn_v1" does not exist`},
		{name: "zero op",
			changes: []Change{{Kind: KindEntity, Name: "user"}},
			kind:    featuregate.KindInternal, msg: `registry: invalid change operation Op(0)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := mustSnapshot(t, s, project)
			for _, check := range []bool{true, false} {
				var err error
				if check {
					err = s.Check(ctx, project, c.changes)
				} else {
					_, err = s.Apply(ctx, project, "mallory", c.name, c.changes)
				}
				var fe *featuregate.Error
				if !errors.As(err, &fe) {
					t.Fatalf("check=%v: error %v is not a *featuregate.Error", check, err)
				}
				if fe.Kind != c.kind || fe.Message != c.msg {
					t.Fatalf("check=%v: got kind %d %q (%v), want kind %d %q", check, fe.Kind, fe.Message, err, c.kind, c.msg)
				}
				if c.hint != "" && fe.Hint != c.hint {
					t.Errorf("hint %q, want %q", fe.Hint, c.hint)
				}
				if c.pgCode != "" {
					var pe *pgconn.PgError
					if !errors.As(err, &pe) || pe.Code != c.pgCode {
						t.Errorf("wrapped error %v, want SQLSTATE %s", fe.Err, c.pgCode)
					}
				}
				after := mustSnapshot(t, s, project)
				if !reflect.DeepEqual(before, after) {
					t.Fatalf("registry changed:\n before %s\n after %s", dump(before), dump(after))
				}
			}
		})
	}
	h, err := s.History(ctx, project)
	if err != nil || len(h) != 1 {
		t.Fatalf("history = %v, %v", h, err)
	}
}

func TestChangesInOneApply(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, streamFlowDB(t))
	const p = "streamflow"
	base := streamFlow()
	mustApply(t, s, p, creates(OpCreate, base...)...)

	// Replacing a view keeps what its service uses; comments come and go.
	subs := *findObj[*FeatureView](base, "subs_profile_fv")
	subs.Features = subs.Features[:2]
	subs.TTL = "1 year"
	v := mustApply(t, s, p,
		Change{Op: OpCreateOrReplace, Object: &subs},
		Change{Op: OpComment, Kind: KindFeatureService, Name: "churn_v1", Comment: nil},
		Change{Op: OpComment, Kind: KindSource, Name: "usage_src", Comment: strPtr("usage, daily")},
	)
	if v != 2 {
		t.Fatalf("version %d, want 2", v)
	}
	snap := mustSnapshot(t, s, p)
	if !reflect.DeepEqual(snap.Views[1], &subs) {
		t.Fatalf("replaced view = %+v", *snap.Views[1])
	}
	if snap.Services[0].Comment != "" || snap.Sources[3].Name != "usage_src" || snap.Sources[3].Comment != "usage, daily" {
		t.Fatalf("comments: %+v %+v", *snap.Services[0], *snap.Sources[3])
	}

	// DROP IF EXISTS of nothing records nothing.
	if v := mustApply(t, s, p, Change{Op: OpDropIfExists, Kind: KindEntity, Name: "ghost"}); v != 2 {
		t.Fatalf("no-op apply gave version %d", v)
	}
	if v := mustApply(t, s, p); v != 2 {
		t.Fatalf("empty apply gave version %d", v)
	}

	// A view's name freed by DROP can go to a service in the same Apply.
	v = mustApply(t, s, p,
		Change{Op: OpDrop, Kind: KindFeatureService, Name: "churn_v1"},
		Change{Op: OpDrop, Kind: KindFeatureView, Name: "support_agg_90d_fv"},
		Change{Op: OpCreate, Object: &FeatureService{Name: "support_agg_90d_fv",
			Features: []FeatureRef{{"payments_agg_90d_fv", "*"}}}},
	)
	if v != 3 {
		t.Fatalf("version %d, want 3", v)
	}
	snap = mustSnapshot(t, s, p)
	if len(snap.Views) != 3 || len(snap.Services) != 1 || snap.Services[0].Name != "support_agg_90d_fv" {
		t.Fatalf("snapshot %s", dump(snap))
	}

	// Everything dropped, dependents first, in one Apply.
	var drops []Change
	drops = append(drops, Change{Op: OpDrop, Kind: KindFeatureService, Name: "support_agg_90d_fv"})
	for _, fv := range snap.Views {
		drops = append(drops, Change{Op: OpDrop, Kind: KindFeatureView, Name: fv.Name})
	}
	for _, src := range snap.Sources {
		drops = append(drops, Change{Op: OpDrop, Kind: KindSource, Name: src.Name})
	}
	drops = append(drops, Change{Op: OpDrop, Kind: KindEntity, Name: "user"})
	if v := mustApply(t, s, p, drops...); v != 4 {
		t.Fatalf("version %d, want 4", v)
	}
	if snap := mustSnapshot(t, s, p); !reflect.DeepEqual(snap, &Snapshot{Project: p, Version: 4}) {
		t.Fatalf("after dropping everything: %s", dump(snap))
	}
	h, err := s.History(ctx, p)
	if err != nil || len(h) != 4 {
		t.Fatalf("history %v, %v", h, err)
	}
	for i, e := range h {
		if e.Version != int64(i+1) || (i > 0 && e.At.Before(h[i-1].At)) {
			t.Fatalf("history %+v", h)
		}
	}
}

func TestStoreDoesNotShareObjects(t *testing.T) {
	s := openStore(t, streamFlowDB(t))
	e := &Entity{Name: "user", Keys: []Column{{"user_id", "text"}}}
	mustApply(t, s, "p", Change{Op: OpCreate, Object: e})
	e.Keys[0].Name = "changed"
	snap := mustSnapshot(t, s, "p")
	if snap.Entities[0].Keys[0].Name != "user_id" {
		t.Fatal("the registry shares the caller's object")
	}
	snap.Entities[0].Comment = "x"
	if mustSnapshot(t, s, "p").Entities[0].Comment != "" {
		t.Fatal("snapshots share objects")
	}
}

func TestProjectsIsolated(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, streamFlowDB(t))
	mustApply(t, s, "alpha", creates(OpCreate, streamFlow()...)...)
	if snap := mustSnapshot(t, s, "beta"); !reflect.DeepEqual(snap, &Snapshot{Project: "beta"}) {
		t.Fatalf("beta sees %s", dump(snap))
	}
	// beta can define names that alpha uses, and cannot see alpha's objects.
	if v := mustApply(t, s, "beta", creates(OpCreate, streamFlow()[:2]...)...); v != 1 {
		t.Fatalf("beta version %d", v)
	}
	_, err := s.Apply(ctx, "beta", "bob", "", creates(OpCreate, streamFlow()[6]))
	if featuregate.KindOf(err) != featuregate.KindUndefined {
		t.Fatalf("beta sees alpha's source: %v", err)
	}
	mustApply(t, s, "beta", Change{Op: OpDrop, Kind: KindEntity, Name: "user"})
	if len(mustSnapshot(t, s, "alpha").Entities) != 1 {
		t.Fatal("dropping in beta dropped in alpha")
	}
	if v, _ := s.Version(ctx, "alpha"); v != 1 {
		t.Fatalf("alpha version %d", v)
	}
	if p, err := s.Projects(ctx); err != nil || !reflect.DeepEqual(p, []string{"alpha", "beta"}) {
		t.Fatalf("Projects = %v, %v", p, err)
	}
	if _, err := s.Apply(ctx, "", "bob", "", creates(OpCreate, streamFlow()[0])); featuregate.KindOf(err) != featuregate.KindInvalid {
		t.Fatalf("empty project: %v", err)
	}
}

func TestSecondGatewaySeesChanges(t *testing.T) {
	ctx := context.Background()
	dsn := streamFlowDB(t)
	a, b := openStore(t, dsn), openStore(t, dsn)
	if v, err := b.Version(ctx, "streamflow"); err != nil || v != 0 {
		t.Fatalf("b version %d, %v", v, err)
	}
	mustApply(t, a, "streamflow", creates(OpCreate, streamFlow()...)...)
	if v, err := b.Version(ctx, "streamflow"); err != nil || v != 1 {
		t.Fatalf("b version %d, %v", v, err)
	}
	if !reflect.DeepEqual(mustSnapshot(t, b, "streamflow"), mustSnapshot(t, a, "streamflow")) {
		t.Fatal("b's snapshot differs from a's")
	}
	mustApply(t, b, "streamflow", Change{Op: OpComment, Kind: KindEntity, Name: "user", Comment: strPtr("customer")})
	if v, _ := a.Version(ctx, "streamflow"); v != 2 {
		t.Fatalf("a version %d", v)
	}
	if c := mustSnapshot(t, a, "streamflow").Entities[0].Comment; c != "customer" {
		t.Fatalf("a sees comment %q", c)
	}
}

// TestConcurrentApply has two gateways apply to one project at once: no
// update is lost and versions strictly increase.
func TestConcurrentApply(t *testing.T) {
	ctx := context.Background()
	dsn := streamFlowDB(t)
	stores := []*Store{openStore(t, dsn), openStore(t, dsn)}
	const n = 20
	mustApply(t, stores[0], "p", Change{Op: OpCreate, Object: &Entity{Name: "shared", Keys: []Column{{"id", "text"}}}})
	var wg sync.WaitGroup
	versions := make([][]int64, len(stores))
	errs := make(chan error, len(stores)*n)
	for g, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				name := fmt.Sprintf("e_%d_%d", g, i)
				v, err := s.Apply(ctx, "p", fmt.Sprintf("gateway%d", g), "create "+name, []Change{
					{Op: OpCreate, Object: &Entity{Name: name, Keys: []Column{{"id", "bigint"}}}},
					{Op: OpComment, Kind: KindEntity, Name: "shared", Comment: strPtr(name)},
				})
				if err != nil {
					errs <- err
					return
				}
				versions[g] = append(versions[g], v)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var all []int64
	for g, vs := range versions {
		if !slices.IsSorted(vs) || len(slices.Compact(slices.Clone(vs))) != n {
			t.Fatalf("gateway %d versions not strictly increasing: %v", g, vs)
		}
		all = append(all, vs...)
	}
	slices.Sort(all)
	for i, v := range all {
		if v != int64(i+2) {
			t.Fatalf("versions %v, want 2..%d once each", all, 2*n+1)
		}
	}
	snap := mustSnapshot(t, stores[1], "p")
	if len(snap.Entities) != 2*n+1 || snap.Version != 2*n+1 {
		t.Fatalf("%d entities at version %d", len(snap.Entities), snap.Version)
	}
	h, err := stores[0].History(ctx, "p")
	if err != nil || len(h) != 2*n+1 {
		t.Fatalf("history: %d entries, %v", len(h), err)
	}
	// The last applied comment is the shared entity's comment.
	last := h[len(h)-1].Statement
	if c := snap.Entities[slices.IndexFunc(snap.Entities, func(e *Entity) bool { return e.Name == "shared" })].Comment; "create "+c != last {
		t.Fatalf("shared comment %q, last statement %q", c, last)
	}
}

func TestOpenConcurrently(t *testing.T) {
	ctx := context.Background()
	dsn := newDB(t)
	const n = 8
	var wg sync.WaitGroup
	stores := make([]*Store, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = Open(ctx, dsn)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		defer stores[i].Close()
	}
	for i, s := range stores {
		v, err := s.Apply(ctx, "p", "x", "", []Change{{Op: OpCreate,
			Object: &Entity{Name: fmt.Sprintf("e%d", i), Keys: []Column{{"id", "text"}}}}})
		if err != nil || v != int64(i+1) {
			t.Fatalf("apply %d: %d, %v", i, v, err)
		}
	}
	// Opening again finds the schema in place.
	openStore(t, dsn)
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(ctx, "postgres://nobody@127.0.0.1:1/x?connect_timeout=2"); featuregate.KindOf(err) != featuregate.KindUnavailable {
		t.Fatalf("unreachable store: %v", err)
	}
	if _, err := Open(ctx, "host=%%%zz port=nope"); featuregate.KindOf(err) != featuregate.KindInvalid {
		t.Fatalf("bad DSN: %v", err)
	}
	dsn := newDB(t)
	openStore(t, dsn)
	execSQL(t, dsn, `UPDATE featuregate_registry.meta SET value = '99' WHERE key = 'schema_version'`)
	if _, err := Open(ctx, dsn); featuregate.KindOf(err) != featuregate.KindUnsupported {
		t.Fatalf("newer layout: %v", err)
	}
}
