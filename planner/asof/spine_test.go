package asof

import (
	"strings"
	"testing"

	"github.com/featuregate/featuregate/planner/internal/plantest"
)

// TestSpineOrder checks which spines are read in (keys, time) order: a
// table of the query named by the time's qualifier, whose columns include
// the keys and the time; never a CTE, a subquery, or a table lacking them.
func TestSpineOrder(t *testing.T) {
	cv := plantest.Catalog(t)
	columns := func(table string) []string {
		switch table {
		case `"spine"`, `"public"."spine"`:
			return []string{"user_id", "t", "label"}
		case `"nokey"`:
			return []string{"t"}
		}
		return nil
	}
	for _, c := range []struct{ sql, want string }{
		{"SELECT f.months_active FROM spine s LEFT JOIN features AS OF s.t f USING (user_id)",
			`FROM (SELECT * FROM "spine" ORDER BY "user_id", "t") AS "s" LEFT JOIN LATERAL`},
		{"SELECT f.months_active FROM public.spine AS s JOIN subs_profile_fv AS OF s.t f ON f.user_id = s.user_id",
			`FROM (SELECT * FROM "public"."spine" ORDER BY "user_id", "t") AS "s" JOIN LATERAL`},
		{"SELECT f.months_active FROM spine LEFT JOIN features AS OF spine.t f USING (user_id)",
			`FROM (SELECT * FROM "spine" ORDER BY "user_id", "t") AS "spine" LEFT JOIN LATERAL`},
		{"SELECT f.months_active FROM nokey s LEFT JOIN features AS OF s.t f USING (user_id)",
			"FROM nokey s LEFT JOIN LATERAL"},
		{"WITH spine AS (SELECT 'a' AS user_id, now() AS t) SELECT f.months_active FROM spine s LEFT JOIN features AS OF s.t f USING (user_id)",
			"FROM spine s LEFT JOIN LATERAL"},
		{"SELECT f.months_active FROM (SELECT * FROM spine) s LEFT JOIN features AS OF s.t f USING (user_id)",
			"FROM (SELECT * FROM spine) s LEFT JOIN LATERAL"},
		{"SELECT f.months_active FROM spine s LEFT JOIN features AS OF s.t + interval '1 day' f USING (user_id)",
			"FROM spine s LEFT JOIN LATERAL"},
		{"SELECT f.months_active FROM spine s JOIN subs_profile_fv AS OF s.t f ON f.user_id = other.user_id, other",
			"FROM spine s JOIN LATERAL"},
	} {
		res, found, err := Rewrite(cv, c.sql, columns)
		out := res.SQL
		if err != nil || !found {
			t.Errorf("%s: found=%v err=%v", c.sql, found, err)
			continue
		}
		if !strings.Contains(out, c.want) {
			t.Errorf("%s:\nwant %s in\n%s", c.sql, c.want, out)
		}
	}
}
