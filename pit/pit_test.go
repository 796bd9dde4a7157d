package pit

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/featuregate/featuregate"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// columns lists every feature of views under its own name.
func columns(views ...View) []Column {
	var cols []Column
	for _, v := range views {
		for _, f := range v.Features {
			cols = append(cols, Column{View: v.Name, Feature: f.Name, As: f.Name})
		}
	}
	return cols
}

func subsView(indexed bool) View {
	return View{
		Name: "subs_profile_fv", Keys: []string{"user_id"}, Indexed: indexed,
		Source:   Source{From: "subscriptions_profile_snapshots", TS: "as_of"},
		Features: []Feature{{Name: "months_active", Type: "bigint", As: "months_active"}, {Name: "monthly_fee", Type: "real", As: "monthly_fee"}},
	}
}

func usageView(indexed bool) View {
	return View{
		Name: "usage", Keys: []string{"user_id"}, Indexed: indexed, TTL: "30 days",
		Source:   Source{From: `(SELECT * FROM "Usage")`, TS: "as_of", Created: "loaded_at"},
		Features: []Feature{{Name: "watch_hours_30d", Type: "double precision", As: "watch_hours_30d"}},
		Checks:   []string{"watch_hours_30d >= 0", "watch_hours_30d < 1000"},
	}
}

// naiveView is a view of (user_id, item_id) whose source has a
// timestamp without time zone and a date as created column, and a TTL in
// postgres style.
func naiveView(indexed bool) View {
	return View{
		Name: "pair", Keys: []string{"user_id", "item_id"}, Indexed: indexed, TTL: "1 day -00:30:00",
		Source:   Source{From: "pairs", TS: "at", TSType: Timestamp, Created: "loaded", CreatedType: Date},
		Features: []Feature{{Name: "clicks", Type: "bigint", As: "clicks"}},
	}
}

// TestGolden renders each form of query and compares it with its golden
// file; go test ./pit -update rewrites them.
func TestGolden(t *testing.T) {
	cases := map[string]func() (string, error){
		"join_indexed": func() (string, error) {
			views := []View{subsView(true), usageView(true)}
			j := Join{Keys: []Key{{Name: "user_id", Expr: "user_id"}}, Time: `s.as_of`, Views: views, Columns: columns(views...)}
			return j.SQL()
		},
		"join_window_inner_extra": func() (string, error) {
			views := []View{subsView(false), usageView(false)}
			cols := append(columns(views...), Column{View: "usage", Feature: "watch_hours_30d", As: "usage__watch_hours_30d"})
			j := Join{Keys: []Key{{Name: "user_id", Expr: `"s"."user_id"`}}, Time: `$1`, Views: views, Inner: true, Columns: cols}
			return j.SQL()
		},
		"attime": func() (string, error) {
			views := []View{subsView(true), usageView(false)}
			a := AtTime{Keys: []string{"user_id"}, Time: `TIMESTAMPTZ '2024-01-31'`, Views: views, Columns: columns(views...)}
			return a.SQL()
		},
		"latest": func() (string, error) { v := usageView(true); return v.Latest(), nil },
		"latest_naive": func() (string, error) {
			v := naiveView(true)
			return v.Latest(), nil
		},
		"join_naive_using_two_entities": func() (string, error) {
			views := []View{subsView(true), naiveView(true), naiveView(false)}
			views[2].Name = "pair_window"
			j := Join{Keys: []Key{{Name: "user_id", Expr: `"user_id"`}, {Name: "item_id", Expr: `"item_id"`}},
				Time: `$1`, Views: views, Columns: columns(views...), Using: true}
			return j.SQL()
		},
	}
	for name, render := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := render()
			if err != nil {
				t.Fatal(err)
			}
			got = strings.ReplaceAll(got, " FROM ", "\nFROM ") + "\n"
			path := filepath.Join("testdata", name+".sql")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("%s differs from its golden file:\n%s", name, got)
			}
		})
	}
}

func TestJoinNeedsEveryKey(t *testing.T) {
	j := Join{Keys: []Key{{Name: "item_id", Expr: "item_id"}}, Time: "t", Views: []View{subsView(true)}}
	if _, err := j.SQL(); err == nil || !strings.Contains(err.Error(), "user_id") {
		t.Fatalf("err = %v, want one naming the missing key user_id", err)
	}
}

func TestAtTimeNeedsOneEntity(t *testing.T) {
	other := subsView(true)
	other.Keys = []string{"item_id"}
	a := AtTime{Keys: []string{"user_id"}, Time: "now()", Views: []View{subsView(true), other}}
	if _, err := a.SQL(); err == nil {
		t.Fatal("views of different entities in one AtTime were accepted")
	}
}

func TestIdent(t *testing.T) {
	for in, want := range map[string]string{"user": `"user"`, `a"b`: `"a""b"`, "Fee": `"Fee"`} {
		if got := Ident(in); got != want {
			t.Errorf("Ident(%q) = %s, want %s", in, got, want)
		}
	}
	if got := Literal("it's"); got != `'it''s'` {
		t.Errorf("Literal = %s", got)
	}
}

// TestBadTTL: a TTL ParseTTL refuses makes the query an error of its
// kind, never SQL with the TTL as written.
func TestBadTTL(t *testing.T) {
	v := usageView(true)
	v.TTL = "300 years"
	j := Join{Keys: []Key{{Name: "user_id", Expr: "user_id"}}, Time: "s.t", Views: []View{v}}
	if _, err := j.SQL(); err == nil || featuregate.KindOf(err) != featuregate.KindInvalid {
		t.Fatalf("err = %v, want a KindInvalid error", err)
	}
}
