package catalog

import (
	"strings"
	"testing"
)

func TestFileTable(t *testing.T) {
	long := strings.Repeat("p", 62)
	for _, c := range []struct{ project, source, want string }{
		{"biometrics", "biometric_source", "biometrics.biometric_source"},
		{"a.b", "c", "a.b.c$"},
		{"a", "b.c", "a.b.c$"},
		{long, "s", long[:46] + "$"},
	} {
		got := FileTable(c.project, c.source)
		if !strings.HasPrefix(got, c.want) || len(got) > maxIdentifier {
			t.Errorf("FileTable(%q, %q) = %q, want %q…", c.project, c.source, got, c.want)
		}
	}
	if FileTable("a.b", "c") == FileTable("a", "b.c") {
		t.Error("two sources of two projects share a table")
	}
	if FileTable(long, "s1") == FileTable(long, "s2") {
		t.Error("two long names share a table")
	}
}
