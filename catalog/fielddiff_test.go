package catalog

import (
	"reflect"
	"testing"
)

func TestFieldChanges(t *testing.T) {
	was := &FeatureView{Name: "v", Entity: "user", Source: "s", TTL: "1 day", Online: true,
		Features: []Feature{{Name: "a", Type: "bigint"}, {Name: "b", Type: "real"}, {Name: "c", Type: "text"}},
		Tags:     []Tag{{Key: "team", Value: "x"}}}
	now := &FeatureView{Name: "v", Entity: "user", Source: "s2", TTL: "", Online: false,
		Features: []Feature{{Name: "a", Type: "bigint"}, {Name: "b", Type: "double precision", Check: "b > 0"}, {Name: "d", Type: "bigint"}},
		Tags:     []Tag{{Key: "team", Value: "x"}}, Comment: "new"}
	want := []string{
		"~ feature b real -> b double precision CHECK (b > 0)",
		"+ feature d bigint",
		"- feature c text",
		"source: s -> s2",
		"ttl: 1 day -> (none)",
		"online: true -> false",
		"comment: (none) -> new",
	}
	if got := FieldChanges(was, now); !reflect.DeepEqual(got, want) {
		t.Errorf("FieldChanges:\n%q\nwant\n%q", got, want)
	}
	ws := &FeatureService{Name: "svc", Features: []FeatureRef{{View: "v", Feature: "*"}, {View: "w", Feature: "x"}}}
	ns := &FeatureService{Name: "svc", Features: []FeatureRef{{View: "v", Feature: "*"}, {View: "w", Feature: "y"}}}
	if got := FieldChanges(ws, ns); !reflect.DeepEqual(got, []string{"+ w.y", "- w.x"}) {
		t.Errorf("service changes: %q", got)
	}
	e1, e2 := &Entity{Name: "user", Keys: []Column{{Name: "id", Type: "text"}}}, &Entity{Name: "user", Keys: []Column{{Name: "id", Type: "bigint"}}}
	if got := FieldChanges(e1, e2); len(got) != 2 || got[0] != "was: "+e1.SQL() || got[1] != "now: "+e2.SQL() {
		t.Errorf("entity changes: %q", got)
	}
}
