package ddl

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	featuregate "github.com/featuregate/featuregate"
)

// TestDDL runs the golden files of testdata/ddl. Each "parse" case shows
// the statement's tree and rendering, "not ddl", or the error. Run with
// -rewrite to update them.
func TestDDL(t *testing.T) {
	datadriven.Walk(t, "testdata/ddl", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			if d.Cmd != "parse" {
				t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
			}
			return parseCase(t, d.Input)
		})
	})
}

func parseCase(t *testing.T, sql string) string {
	stmt, ok, err := Parse(sql)
	switch {
	case err != nil:
		return describeError(err)
	case !ok:
		return "not ddl"
	}
	checkRoundTrip(t, stmt)
	var b strings.Builder
	dump(&b, reflect.ValueOf(stmt), "")
	return b.String() + "sql: " + stmt.SQL()
}

// checkRoundTrip asserts that parsing stmt's rendering gives stmt again.
func checkRoundTrip(t *testing.T, stmt Statement) {
	t.Helper()
	sql := stmt.SQL()
	again, ok, err := Parse(sql)
	if err != nil || !ok || !reflect.DeepEqual(stmt, again) {
		t.Errorf("round trip of %s: ok=%v err=%v\nwant %#v\ngot  %#v", sql, ok, err, stmt, again)
	}
}

var kindNames = map[featuregate.Kind]string{
	featuregate.KindSyntax:      "syntax",
	featuregate.KindInvalid:     "invalid",
	featuregate.KindUnsupported: "unsupported",
	featuregate.KindDuplicate:   "duplicate",
	featuregate.KindUndefined:   "undefined",
}

func describeError(err error) string {
	var fe *featuregate.Error
	if !errors.As(err, &fe) {
		return "error (not a *featuregate.Error): " + err.Error()
	}
	kind, ok := kindNames[fe.Kind]
	if !ok {
		kind = fmt.Sprint(int(fe.Kind))
	}
	s := fmt.Sprintf("error %s at %d: %s", kind, fe.Position, fe.Message)
	if fe.Hint != "" {
		s += " (hint: " + fe.Hint + ")"
	}
	return s
}

// dump writes v as an indented tree: one line per struct, with its scalar
// fields (empty strings left out), then its nested structs.
func dump(b *strings.Builder, v reflect.Value, indent string) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		v = v.Elem()
	}
	b.WriteString(indent + v.Type().Name())
	var nested []reflect.Value
	for i := 0; i < v.NumField(); i++ {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch {
		case f.Kind() == reflect.Interface:
			nested = append(nested, f)
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Struct:
			for j := 0; j < f.Len(); j++ {
				nested = append(nested, f.Index(j))
			}
		case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.Struct:
			if !f.IsNil() {
				nested = append(nested, f) // a nil one is left out, as an empty string
			}
		case f.Kind() == reflect.Pointer && f.IsNil():
			fmt.Fprintf(b, " %s=nil", name)
		case f.Kind() == reflect.Pointer:
			fmt.Fprintf(b, " %s=%q", name, f.Elem().Interface())
		case f.Kind() == reflect.String && f.String() == "":
		case f.Kind() == reflect.Bool:
			fmt.Fprintf(b, " %s=%v", name, f.Bool())
		case f.Kind() == reflect.Slice:
			fmt.Fprintf(b, " %s=%q", name, f.Interface())
		default:
			fmt.Fprintf(b, " %s=%q", name, fmt.Sprint(f.Interface()))
		}
	}
	b.WriteString("\n")
	for _, n := range nested {
		dump(b, n, indent+"  ")
	}
}

func TestMayBeDDL(t *testing.T) {
	for sql, want := range map[string]bool{
		"SHOW ENTITIES":                   true,
		"-- comment\r\nshow entities":     true,
		"-- comment\rcreate entity":       true,
		"/* a /* b */ c */\f\vDrop x":     true,
		"\t\n comment on":                 true,
		"-- create":                       false,
		"/* create":                       false,
		"/* /* */ create":                 false,
		"SELECT 1":                        false,
		"":                                false,
		"showx":                           true, // only a quick test
		"(CREATE ENTITY e (k text))":      false,
		"/* unterminated */ */ create":    false,
		"/**/create/**/entity e (k text)": true,
	} {
		if got := mayBeDDL(sql); got != want {
			t.Errorf("mayBeDDL(%q) = %v, want %v", sql, got, want)
		}
	}
	stmt, ok, err := Parse("-- comment\rSHOW ENTITIES")
	if !ok || err != nil || stmt.SQL() != "SHOW ENTITIES" {
		t.Errorf("Parse after a comment ending in CR: %v %v %v", stmt, ok, err)
	}
}
