package pit

import (
	"slices"
	"testing"
)

func TestUntyped(t *testing.T) {
	for expr, want := range map[string]bool{
		"$1": true, " ( $2 ) ": true, "'2024-01-01'": true, "E'it''s'": true, "'a''b'": true,
		"$$2024-01-01$$": true, "$x$2024$x$": true,
		"s.t": false, "$1::timestamp": false, "'a' || 'b'": false, "now()": false, "TIMESTAMPTZ '2024-01-01'": false,
		"$1 + interval '1 day'": false, "$x$a$y$": false, "('a')::date": false,
	} {
		if got := untyped(expr); got != want {
			t.Errorf("untyped(%q) = %v, want %v", expr, got, want)
		}
	}
}

func TestTimeTypes(t *testing.T) {
	for name, want := range map[string]TimeType{
		"timestamp with time zone": Timestamptz, "timestamptz": Timestamptz, "timestamp(3) with time zone": Timestamptz,
		"timestamp without time zone": Timestamp, "TIMESTAMP": Timestamp, "timestamp (6) without time zone": Timestamp,
		"date": Date,
	} {
		if got, err := ParseTimeType(name); err != nil || got != want {
			t.Errorf("ParseTimeType(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
	for _, bad := range []string{"text", "time", "interval", ""} {
		if _, err := ParseTimeType(bad); err == nil {
			t.Errorf("ParseTimeType(%q) accepted", bad)
		}
	}
	for oid, want := range map[uint32]TimeType{1184: Timestamptz, 1114: Timestamp, 1082: Date} {
		if got, err := TimeTypeOf(oid); err != nil || got != want {
			t.Errorf("TimeTypeOf(%d) = %v, %v", oid, got, err)
		}
	}
	if _, err := TimeTypeOf(25); err == nil {
		t.Error("TimeTypeOf(25) accepted text")
	}
}

func TestSharedKeys(t *testing.T) {
	user := subsView(true)
	pair := naiveView(true)
	item := View{Name: "item", Keys: []string{"item_id"}}
	keys := []Key{{Name: "user_id"}, {Name: "item_id"}}
	for _, c := range []struct {
		views           []View
		shared, partial []string
		cond            string
	}{
		{[]View{user, pair}, []string{"user_id"}, []string{"item_id"}, `USING ("user_id")`},
		{[]View{user, item}, nil, []string{"user_id", "item_id"}, "ON true"},
		{[]View{pair}, []string{"user_id", "item_id"}, nil, `USING ("user_id", "item_id")`},
	} {
		j := Join{Keys: keys, Views: c.views}
		shared, partial := j.SharedKeys()
		if !slices.Equal(shared, c.shared) || !slices.Equal(partial, c.partial) || j.UsingCondition() != c.cond {
			t.Errorf("%d views: shared %v partial %v %s, want %v %v %s",
				len(c.views), shared, partial, j.UsingCondition(), c.shared, c.partial, c.cond)
		}
	}
}
