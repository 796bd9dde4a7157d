package catalog

import "testing"

func TestQuoteIdent(t *testing.T) {
	for name, want := range map[string]string{
		"user_id":  "user_id",
		"_x$1":     "_x$1",
		"user":     `"user"`, // reserved
		"select":   `"select"`,
		"int":      `"int"`,   // a column name keyword
		"comment":  "comment", // unreserved keywords need no quotes
		"source":   "source",
		"User":     `"User"`,
		"1a":       `"1a"`,
		"$a":       `"$a"`,
		"a b":      `"a b"`,
		`a"b`:      `"a""b"`,
		"été":      `"été"`,
		"":         `""`,
		"a-b":      `"a-b"`,
		"a;drop":   `"a;drop"`,
		"entities": "entities",
	} {
		if got := QuoteIdent(name); got != want {
			t.Errorf("QuoteIdent(%q) = %s, want %s", name, got, want)
		}
	}
}

func TestQuoteLiteral(t *testing.T) {
	for s, want := range map[string]string{
		"":       "''",
		"it's":   "'it''s'",
		`a\b`:    `'a\b'`,
		"''":     "''''''",
		"line\n": "'line\n'",
	} {
		if got := QuoteLiteral(s); got != want {
			t.Errorf("QuoteLiteral(%q) = %s, want %s", s, got, want)
		}
	}
}

func TestSQL(t *testing.T) {
	for _, c := range []struct {
		obj  Object
		want string
	}{
		{&Entity{Name: "user", Keys: []Column{{"user_id", "text"}}, Comment: "StreamFlow customer"},
			`CREATE ENTITY "user" (user_id text) COMMENT 'StreamFlow customer'`},
		{&Source{Name: "s", TimestampColumn: "as_of", Query: "SELECT 1"},
			`CREATE SOURCE s TIMESTAMP COLUMN as_of AS SELECT 1`},
		{&Source{Name: "s", TimestampColumn: "as_of", CreatedColumn: "Loaded", Table: `public."T"`, Comment: "c"},
			`CREATE SOURCE s TIMESTAMP COLUMN as_of CREATED COLUMN "Loaded" COMMENT 'c' AS TABLE public."T"`},
		{&FeatureView{Name: "subs_profile_fv", Entity: "user", Source: "subs_profile_source",
			Features: []Feature{{"months_active", "bigint", ""}, {"monthly_fee", "real", "monthly_fee >= 0"}},
			TTL:      "90 days", Online: true, Tags: []Tag{{"owner", "mlops-course"}}, Comment: "subscription profile"},
			`CREATE FEATURE VIEW subs_profile_fv (months_active bigint, monthly_fee real CHECK (monthly_fee >= 0)) ` +
				`ENTITY "user" SOURCE subs_profile_source TTL INTERVAL '90 days' ONLINE TAGS (owner = 'mlops-course') ` +
				`COMMENT 'subscription profile'`},
		{&FeatureView{Name: "v", Entity: "e", Source: "s", Features: []Feature{{"a", "text[]", ""}}},
			`CREATE FEATURE VIEW v (a text[]) ENTITY e SOURCE s OFFLINE`},
		{&FeatureService{Name: "churn_v1", Features: []FeatureRef{{"fv", "*"}, {"fv", "user"}}, Comment: "it's"},
			`CREATE FEATURE SERVICE churn_v1 AS fv.*, fv."user" COMMENT 'it''s'`},
	} {
		if got := c.obj.SQL(); got != c.want {
			t.Errorf("%s SQL:\ngot  %s\nwant %s", c.obj.Kind(), got, c.want)
		}
	}
}
