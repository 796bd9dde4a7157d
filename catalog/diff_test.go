package catalog

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// diffFixture is a small registry: entity e, sources s1 and s2, views v1
// (on s1) and v2 (on s2), service svc over v1.
func diffFixture() []Object {
	return []Object{
		&Entity{Name: "e", Keys: []Column{{"id", "text"}}},
		&Source{Name: "s1", TimestampColumn: "ts", Table: "t1"},
		&Source{Name: "s2", TimestampColumn: "ts", Table: "t2"},
		&FeatureView{Name: "v1", Entity: "e", Source: "s1", Online: true, Features: []Feature{{"a", "bigint", ""}, {"b", "real", ""}}},
		&FeatureView{Name: "v2", Entity: "e", Source: "s2", Online: true, Features: []Feature{{"c", "text", ""}}},
		&FeatureService{Name: "svc", Features: []FeatureRef{{"v1", "a"}}},
	}
}

// snapshotOf puts objs in a Snapshot, each list sorted by name.
func snapshotOf(objs []Object) *Snapshot {
	sn := &Snapshot{Project: "p", Version: 1}
	for _, o := range objs {
		switch o := o.(type) {
		case *Entity:
			sn.Entities = append(sn.Entities, o)
		case *Source:
			sn.Sources = append(sn.Sources, o)
		case *FeatureView:
			sn.Views = append(sn.Views, o)
		case *FeatureService:
			sn.Services = append(sn.Services, o)
		}
	}
	sortByName(sn.Entities)
	sortByName(sn.Sources)
	sortByName(sn.Views)
	sortByName(sn.Services)
	return sn
}

// edit returns a copy of objs without the objects named in drop, with the
// objects of with replacing those of their kind and name or added.
func edit(objs []Object, drop []string, with ...Object) []Object {
	var out []Object
	for _, o := range objs {
		if slices.Contains(drop, o.ObjectName()) {
			continue
		}
		if i := slices.IndexFunc(with, func(w Object) bool { return keyOf(w) == keyOf(o) }); i >= 0 {
			out = append(out, with[i])
			with = slices.Delete(slices.Clone(with), i, i+1)
			continue
		}
		out = append(out, o)
	}
	return append(out, with...)
}

func changeString(c Change) string {
	if c.Object != nil {
		return c.Op.String() + " " + string(c.Object.Kind()) + " " + c.Object.ObjectName()
	}
	return c.Op.String() + " " + string(c.Kind) + " " + c.Name
}

func TestDiff(t *testing.T) {
	base := diffFixture()
	v1Narrow := &FeatureView{Name: "v1", Entity: "e", Source: "s1", Online: true, Features: []Feature{{"a", "bigint", ""}}}
	tests := []struct {
		name             string
		current, desired []Object
		want             []string
	}{
		{"empty to empty", nil, nil, nil},
		{"empty registry", nil, base, []string{
			"CREATE ENTITY e", "CREATE SOURCE s1", "CREATE SOURCE s2",
			"CREATE FEATURE VIEW v1", "CREATE FEATURE VIEW v2", "CREATE FEATURE SERVICE svc"}},
		{"unchanged", base, diffFixture(), nil},
		{"everything removed", base, nil, []string{
			"DROP FEATURE SERVICE svc", "DROP FEATURE VIEW v1", "DROP FEATURE VIEW v2",
			"DROP SOURCE s1", "DROP SOURCE s2", "DROP ENTITY e"}},
		{"view replaced", base, edit(base, nil, v1Narrow), []string{"CREATE OR REPLACE FEATURE VIEW v1"}},
		{"comment only", base, edit(base, nil, &Entity{Name: "e", Keys: []Column{{"id", "text"}}, Comment: "new"}),
			[]string{"CREATE OR REPLACE ENTITY e"}},
		{"source comment with its view changed: no re-creation", base,
			edit(base, nil, &Source{Name: "s1", TimestampColumn: "ts", Table: "t1", Comment: "x"}, v1Narrow),
			[]string{"CREATE OR REPLACE SOURCE s1", "CREATE OR REPLACE FEATURE VIEW v1"}},
		{"source and its view changed: the view and its service are re-created", base,
			edit(base, nil, &Source{Name: "s1", TimestampColumn: "ts", Table: "t1b"}, v1Narrow),
			[]string{"DROP FEATURE SERVICE svc", "DROP FEATURE VIEW v1",
				"CREATE OR REPLACE SOURCE s1", "CREATE FEATURE VIEW v1", "CREATE FEATURE SERVICE svc"}},
		{"view and its service changed: the service is re-created", base,
			edit(base, nil, v1Narrow, &FeatureService{Name: "svc", Features: []FeatureRef{{"v1", "*"}}}),
			[]string{"DROP FEATURE SERVICE svc", "CREATE OR REPLACE FEATURE VIEW v1", "CREATE FEATURE SERVICE svc"}},
		{"view moved to a new source, the old one removed", base,
			edit(base, []string{"s2"}, &Source{Name: "s3", TimestampColumn: "ts", Table: "t2"},
				&FeatureView{Name: "v2", Entity: "e", Source: "s3", Online: true, Features: []Feature{{"c", "text", ""}}}),
			[]string{"CREATE SOURCE s3", "CREATE OR REPLACE FEATURE VIEW v2", "DROP SOURCE s2"}},
		{"a view becomes a service of its name", base,
			edit(base, []string{"v2"}, &FeatureService{Name: "v2", Features: []FeatureRef{{"v1", "b"}}}),
			[]string{"DROP FEATURE VIEW v2", "CREATE FEATURE SERVICE v2"}},
		{"service re-pointed off a removed view", base,
			edit(base, []string{"v1", "s1"}, &FeatureService{Name: "svc", Features: []FeatureRef{{"v2", "c"}}}),
			[]string{"DROP FEATURE SERVICE svc", "DROP FEATURE VIEW v1", "CREATE FEATURE SERVICE svc", "DROP SOURCE s1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cur *Snapshot
			if tt.current != nil {
				cur = snapshotOf(tt.current)
			}
			var got []string
			for _, c := range Diff(cur, tt.desired) {
				got = append(got, changeString(c))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Diff:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestDiffApplies applies, on a real registry, the Diff between StreamFlow
// and edited versions of it, checking that Apply accepts each change set,
// that the result is the desired state, and that a second Diff is empty.
func TestDiffApplies(t *testing.T) {
	ctx := context.Background()
	dsn := streamFlowDB(t)
	execSQL(t, dsn, `CREATE TABLE payments_v2 (user_id text, as_of timestamptz, failed_payments_90d bigint)`)
	s := openStore(t, dsn)
	base := streamFlow()
	find := func(name string) Object {
		return base[slices.IndexFunc(base, func(o Object) bool { return o.ObjectName() == name })]
	}
	usage := *find("usage_agg_30d_fv").(*FeatureView)
	usage.Features = usage.Features[1:] // without watch_hours_30d, which churn_v1 reads
	support := *find("support_agg_90d_fv").(*FeatureView)
	support.Features = support.Features[:1]
	payments := *find("payments_agg_90d_fv").(*FeatureView)
	payments.Source = "payments_v2_src"
	steps := []struct {
		name    string
		desired []Object
	}{
		{"create", base},
		{"service follows a narrowed view", edit(base, nil, &usage, &FeatureService{Name: "churn_v1",
			Features: []FeatureRef{{"subs_profile_fv", "*"}, {"usage_agg_30d_fv", "skips_7d"}}})},
		{"source narrowed with its view", edit(base, nil, &support, &Source{Name: "support_src", TimestampColumn: "as_of",
			Query: "SELECT user_id, as_of, support_tickets_90d FROM support_agg_90d_snapshots"})},
		{"view moved off a removed source", edit(base, []string{"payments_src"}, &payments,
			&Source{Name: "payments_v2_src", TimestampColumn: "as_of", Table: "payments_v2"})},
		{"view replaced by a service of its name", edit(base, []string{"support_agg_90d_fv", "support_src"},
			&FeatureService{Name: "support_agg_90d_fv", Features: []FeatureRef{{"subs_profile_fv", "months_active"}}})},
		{"back to StreamFlow", base},
		{"empty", nil},
	}
	for i, step := range steps {
		sn, err := s.Snapshot(ctx, "p")
		if err != nil {
			t.Fatal(err)
		}
		changes := Diff(sn, step.desired)
		if _, err := s.Apply(ctx, "p", "test", step.name, changes); err != nil {
			t.Fatalf("step %d (%s): Apply(%s): %v", i, step.name, changesText(changes), err)
		}
		after, err := s.Snapshot(ctx, "p")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := objectSQL(after.Objects()), objectSQL(step.desired); !slices.Equal(got, want) {
			t.Errorf("step %d (%s): registry\n%s\nwant\n%s", i, step.name, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if again := Diff(after, step.desired); len(again) != 0 {
			t.Errorf("step %d (%s): second Diff is not empty: %s", i, step.name, changesText(again))
		}
	}
}

func objectSQL(objs []Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = fmt.Sprint(o.Kind(), ": ", o.SQL())
	}
	slices.Sort(out)
	return out
}

func changesText(changes []Change) string {
	var s []string
	for _, c := range changes {
		s = append(s, changeString(c))
	}
	return strings.Join(s, "; ")
}
