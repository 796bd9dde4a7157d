package catalog

import (
	"context"
	"testing"

	"github.com/featuregate/featuregate"
)

func TestCanonicalType(t *testing.T) {
	for in, want := range map[string]string{
		"BIGINT": "bigint", "int8": "bigint", "int": "integer", "Double  Precision": "double precision",
		"float8": "double precision", "timestamptz": "timestamp with time zone", "TIMESTAMP": "timestamp without time zone",
		"text[]": "text[]", "INT4 []": "integer[]", "bool": "boolean", "jsonb": "jsonb", "money": "", "json": "",
		"character varying": "", "": "",
	} {
		if got := canonicalType(in); got != want {
			t.Errorf("canonicalType(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCanRead(t *testing.T) {
	for _, c := range []struct {
		src, decl string
		ok        bool
	}{
		{"text", "text", true},
		{"smallint", "integer", true},
		{"smallint", "bigint", true},
		{"integer", "bigint", true},
		{"bigint", "numeric", true},
		{"integer", "double precision", true},
		{"bigint", "real", true},
		{"real", "double precision", true},
		{"date", "timestamp with time zone", true},
		{"date", "timestamp without time zone", true},
		{"timestamp without time zone", "timestamp with time zone", true},
		{"character varying", "text", true},
		{"character", "text", true},
		{"name", "text", true},
		{"json", "jsonb", true},
		{"integer[]", "bigint[]", true},
		{"bigint", "integer", false},
		{"numeric", "double precision", false},
		{"double precision", "real", false},
		{"timestamp with time zone", "timestamp without time zone", false},
		{"timestamp with time zone", "date", false},
		{"text", "character varying", false},
		{"integer", "text", false},
		{"boolean", "integer", false},
		{"integer[]", "integer", false},
		{"integer", "integer[]", false},
		{"jsonb", "json", false},
	} {
		if got := canRead(c.src, c.decl); got != c.ok {
			t.Errorf("canRead(%q, %q) = %v, want %v", c.src, c.decl, got, c.ok)
		}
	}
}

// TestSourceTypes declares features over columns of many types on a real
// table and checks which declarations apply.
func TestSourceTypes(t *testing.T) {
	ctx := context.Background()
	dsn := newDB(t)
	execSQL(t, dsn, `
		CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
		CREATE DOMAIN score AS positive_int;
		CREATE DOMAIN moment AS timestamptz;
		CREATE TABLE typed (
			id text, ts timestamp, created moment,
			c_smallint smallint, c_integer integer, c_bigint bigint, c_numeric numeric(10,2),
			c_real real, c_double double precision, c_bool boolean, c_text text,
			c_varchar varchar(10), c_char char(3), c_name name, c_bytea bytea,
			c_date date, c_ts timestamp(3), c_tstz timestamptz, c_json json, c_jsonb jsonb,
			c_int_array integer[], c_text_array text[], c_domain positive_int, c_domain2 score,
			c_interval interval, c_uuid uuid)`)
	s := openStore(t, dsn)
	mustApply(t, s, "p",
		Change{Op: OpCreate, Object: &Entity{Name: "thing", Keys: []Column{{"id", "text"}}}},
		Change{Op: OpCreate, Object: &Source{Name: "typed_src", TimestampColumn: "ts", CreatedColumn: "created", Table: "typed"}},
	)
	for _, c := range []struct {
		col, decl, srcType string // srcType: the column's type in the mismatch message; "" when decl fits
	}{
		{"c_smallint", "smallint", ""},
		{"c_smallint", "bigint", ""},
		{"c_integer", "real", ""},
		{"c_integer", "smallint", "integer"},
		{"c_bigint", "bigint", ""},
		{"c_bigint", "numeric", ""},
		{"c_bigint", "integer", "bigint"},
		{"c_numeric", "numeric", ""},
		{"c_numeric", "double precision", "numeric"},
		{"c_real", "double precision", ""},
		{"c_double", "real", "double precision"},
		{"c_bool", "boolean", ""},
		{"c_bool", "text", "boolean"},
		{"c_text", "text", ""},
		{"c_varchar", "text", ""},
		{"c_char", "text", ""},
		{"c_name", "text", ""},
		{"c_bytea", "bytea", ""},
		{"c_date", "date", ""},
		{"c_date", "timestamp with time zone", ""},
		{"c_ts", "timestamp without time zone", ""},
		{"c_ts", "timestamptz", ""},
		{"c_tstz", "timestamp with time zone", ""},
		{"c_tstz", "date", "timestamp with time zone"},
		{"c_json", "jsonb", ""},
		{"c_jsonb", "jsonb", ""},
		{"c_int_array", "bigint[]", ""},
		{"c_int_array", "bigint", "integer[]"},
		{"c_text_array", "text[]", ""},
		{"c_domain", "integer", ""},
		{"c_domain", "bigint", ""},
		{"c_domain2", "bigint", ""},
		{"c_domain2", "smallint", "integer"},
		{"c_interval", "text", "interval"},
		{"c_uuid", "text", "uuid"},
	} {
		fv := &FeatureView{Name: "fv", Entity: "thing", Source: "typed_src",
			Features: []Feature{{Name: c.col, Type: c.decl}}}
		err := s.Check(ctx, "p", []Change{{Op: OpCreate, Object: fv}})
		if c.srcType == "" {
			if err != nil {
				t.Errorf("%s as %s: %v", c.col, c.decl, err)
			}
			continue
		}
		want := `feature view "fv": feature "` + c.col + `" is declared ` + canonicalType(c.decl) +
			`, but column "` + c.col + `" of source "typed_src" has type ` + c.srcType
		if featuregate.KindOf(err) != featuregate.KindDatatypeMismatch || err.(*featuregate.Error).Message != want {
			t.Errorf("%s as %s: %v, want %s", c.col, c.decl, err, want)
		}
	}
	if v, _ := s.Version(ctx, "p"); v != 1 {
		t.Fatalf("Check changed the version to %d", v)
	}

	// A CHECK sees the features with their declared types.
	fv := &FeatureView{Name: "fv", Entity: "thing", Source: "typed_src", Features: []Feature{
		{Name: "c_integer", Type: "bigint", Check: "c_integer BETWEEN 0 AND 10 AND pg_typeof(c_integer) = 'bigint'::regtype"},
		{Name: "c_domain", Type: "integer", Check: "c_domain > c_integer"},
	}}
	if err := s.Check(ctx, "p", []Change{{Op: OpCreate, Object: fv}}); err != nil {
		t.Fatal(err)
	}

	// A domain over a timestamp is a timestamp; an interval is not.
	for _, c := range []struct {
		ts   string
		kind featuregate.Kind
	}{{"c_date", -1}, {"c_tstz", -1}, {"created", -1}, {"c_interval", featuregate.KindDatatypeMismatch}, {"c_text", featuregate.KindDatatypeMismatch}} {
		err := s.Check(ctx, "p", []Change{{Op: OpCreate, Object: &Source{Name: "s2", TimestampColumn: c.ts, Table: "typed"}}})
		if (c.kind == -1) != (err == nil) || (err != nil && featuregate.KindOf(err) != c.kind) {
			t.Errorf("timestamp column %s: %v", c.ts, err)
		}
	}
}

// TestSourceChangedUnderneath checks that a view is validated against the
// source table as it is now, not as it was when the source was created.
func TestSourceChangedUnderneath(t *testing.T) {
	ctx := context.Background()
	dsn := newDB(t)
	execSQL(t, dsn, `CREATE TABLE facts (id text, ts timestamptz, a bigint, b text)`)
	s := openStore(t, dsn)
	mustApply(t, s, "p",
		Change{Op: OpCreate, Object: &Entity{Name: "e", Keys: []Column{{"id", "text"}}}},
		Change{Op: OpCreate, Object: &Source{Name: "facts_src", TimestampColumn: "ts", Table: "facts"}},
	)
	execSQL(t, dsn, `ALTER TABLE facts DROP COLUMN b`)
	_, err := s.Apply(ctx, "p", "x", "", []Change{{Op: OpCreate, Object: &FeatureView{Name: "fv", Entity: "e",
		Source: "facts_src", Features: []Feature{{Name: "a", Type: "bigint"}, {Name: "b", Type: "text"}}}}})
	if featuregate.KindOf(err) != featuregate.KindUndefined {
		t.Fatalf("view over a dropped column: %v", err)
	}
	execSQL(t, dsn, `ALTER TABLE facts ALTER COLUMN ts TYPE text`)
	_, err = s.Apply(ctx, "p", "x", "", []Change{{Op: OpCreate, Object: &FeatureView{Name: "fv", Entity: "e",
		Source: "facts_src", Features: []Feature{{Name: "a", Type: "bigint"}}}}})
	if featuregate.KindOf(err) != featuregate.KindDatatypeMismatch {
		t.Fatalf("view over a source whose timestamp became text: %v", err)
	}
}
