package catalog

import (
	"context"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

func TestRelationSchema(t *testing.T) {
	long := strings.Repeat("p", 60)
	tests := []struct {
		project   string
		want      string // "": any shortened name
		shortened bool
	}{
		{project: "quickstart", want: "fg_quickstart"},
		{project: "Mixed Case-name", want: "fg_Mixed Case-name"},
		{project: long, want: "fg_" + long},
		{project: strings.Repeat("é", 30), want: "fg_" + strings.Repeat("é", 30)}, // 63 bytes exactly
		{project: "p$0123456789ABCDEF", want: "fg_p$0123456789ABCDEF"},            // upper-case digits: not a shortened name
		{project: "p$0123456789abcde", want: "fg_p$0123456789abcde"},              // 15 digits
		{project: "p_0123456789abcdef", want: "fg_p_0123456789abcdef"},
		// A shortened name keeps 43 bytes of the project's; the hash is
		// pinned, as the schemas of existing projects carry it.
		{project: long + "a", want: "fg_" + strings.Repeat("p", 43) + "$df3f0b1b4c53889f", shortened: true},
		{project: long + "b", shortened: true},
		{project: strings.Repeat("é", 30) + "x", shortened: true},                 // 64 bytes
		{project: "aa" + strings.Repeat("é", 40), shortened: true},                // cut inside a character
		{project: "p$0123456789abcdef", shortened: true},                          // ends as a shortened name does
		{project: strings.Repeat("x", 46) + "$0123456789abcdef", shortened: true}, // the same, 63 bytes
		{project: strings.Repeat("q", 200), shortened: true},
	}
	seen := map[string]string{}
	for _, tc := range tests {
		got := RelationSchema(tc.project)
		if tc.want != "" && got != tc.want {
			t.Errorf("RelationSchema(%q) = %q, want %q", tc.project, got, tc.want)
		}
		if tc.shortened {
			// Shortened: at most 63 bytes of whole characters, the start of
			// the project's name, and no project's unshortened name.
			if len(got) > 63 || !utf8.ValidString(got) || !strings.HasPrefix(got, "fg_") {
				t.Errorf("RelationSchema(%q) = %q (%d bytes)", tc.project, got, len(got))
			}
			if head := got[len("fg_") : len(got)-17]; !strings.HasPrefix(tc.project, head) || len(head) < 40 && head != tc.project {
				t.Errorf("RelationSchema(%q) = %q keeps %q of the name", tc.project, got, head)
			}
			if other := got[len("fg_"):]; RelationSchema(other) == got {
				t.Errorf("projects %q and %q share schema %q", tc.project, other, got)
			}
		}
		if p, dup := seen[got]; dup {
			t.Errorf("projects %q and %q share schema %q", p, tc.project, got)
		}
		seen[got] = tc.project
	}
}

// TestLongProjectNames applies to two projects whose names share their
// first 60 characters, and to the project named like the first one's
// schema: each keeps its own relations.
func TestLongProjectNames(t *testing.T) {
	dsn := streamFlowDB(t)
	s := openStore(t, dsn)
	sf := streamFlow()
	a := strings.Repeat("p", 60) + "a"
	b := strings.Repeat("p", 60) + "b"
	c := strings.TrimPrefix(RelationSchema(a), "fg_")
	mustApply(t, s, a, creates(OpCreate, sf[0], sf[1], sf[5])...)
	mustApply(t, s, b, creates(OpCreate, sf[0], sf[2], sf[6])...)
	mustApply(t, s, c, creates(OpCreate, sf[0], sf[3], sf[7])...)
	want := map[string][]string{
		a: {"features", "subs_profile_fv"},
		b: {"features", "usage_agg_30d_fv"},
		c: {"features", "payments_agg_90d_fv"},
	}
	ctx := context.Background()
	conn := connectAs(t, dsn, "")
	for p, views := range want {
		rows, err := conn.Query(ctx, `SELECT viewname::text FROM pg_views WHERE schemaname = $1 ORDER BY 1`, RelationSchema(p))
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, views) {
			t.Errorf("project %q: schema %q holds %v, want %v", p, RelationSchema(p), got, views)
		}
	}
	// Dropping b's view leaves a's in place.
	mustApply(t, s, b, Change{Op: OpDrop, Kind: KindFeatureView, Name: "usage_agg_30d_fv"})
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_views WHERE schemaname = $1`, RelationSchema(a)).Scan(&n); err != nil || n != 2 {
		t.Fatalf("a's schema holds %d views after b's change, %v", n, err)
	}
}
