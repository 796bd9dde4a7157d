package ddl

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	featuregate "github.com/featuregate/featuregate"
)

// FuzzParseDDL checks that Parse never panics, that its errors are
// *featuregate.Error with a position inside the statement, and that what
// it parses renders to SQL that parses back to an equal statement.
func FuzzParseDDL(f *testing.F) {
	for _, seed := range ddlSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		stmt, ok, err := Parse(sql)
		if err != nil {
			checkDDLError(t, sql, ok, err)
			return
		}
		if !ok {
			return
		}
		rendered := stmt.SQL()
		again, ok, err := Parse(rendered)
		if err != nil || !ok || !reflect.DeepEqual(stmt, again) {
			t.Fatalf("round trip of %q\nrendered %q\nok=%v err=%v\nwant %#v\ngot  %#v", sql, rendered, ok, err, stmt, again)
		}
		if again.SQL() != rendered {
			t.Fatalf("rendering of %q is not stable: %q then %q", sql, rendered, again.SQL())
		}
	})
}

func checkDDLError(t *testing.T, sql string, ok bool, err error) {
	t.Helper()
	var fe *featuregate.Error
	if !ok || !errors.As(err, &fe) {
		t.Fatalf("Parse(%q): ok=%v err=%#v", sql, ok, err)
	}
	if fe.Position < 1 || fe.Position > utf8.RuneCountInString(sql)+1 {
		t.Fatalf("Parse(%q): position %d out of range: %v", sql, fe.Position, err)
	}
}

// ddlSeeds are the inputs of the golden files, and a few more.
func ddlSeeds(f *testing.F) []string {
	seeds := []string{
		"CREATE ENTITY user (user_id TEXT) COMMENT 'StreamFlow customer';",
		"CREATE FEATURE VIEW v (a int[] CHECK (a[1] > 0)) ENTITY e SOURCE s TTL '1 day' TAGS (k = E'\\n')",
		"CREATE SOURCE s TIMESTAMP COLUMN t AS SELECT $$;$$ -- x\n;",
		"SHOW FEATURES IN U&\"\\0061\"",
	}
	files, err := filepath.Glob("testdata/ddl/*")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, goldenInputs(string(data))...)
	}
	return seeds
}

// goldenInputs extracts the inputs of a datadriven file's "parse" cases.
func goldenInputs(data string) []string {
	var inputs []string
	for _, block := range strings.Split("\n"+data, "\nparse\n")[1:] {
		if input, _, ok := strings.Cut(block, "\n----\n"); ok {
			inputs = append(inputs, input)
		}
	}
	return inputs
}
