package filesource_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog/filesource"
)

// TestOpenUnder checks that a path sent over the wire reads under the
// gateway's root only.
func TestOpenUnder(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	outside := filepath.Join(base, "secret.csv")
	writeFile(t, outside, "ts,v\n2024-01-01,1\n")
	writeFile(t, filepath.Join(root, "data", "ok.csv"), "ts,v\n2024-01-01,1\n")
	writeFile(t, filepath.Join(root, "parts", "a.parquet"), "not read")
	for _, link := range []struct{ at, to string }{
		{filepath.Join(root, "link.csv"), outside},
		{filepath.Join(root, "up"), base},
		{filepath.Join(root, "parts", "b.parquet"), filepath.Join(base, "b.parquet")},
		{filepath.Join(root, "data", "inside.csv"), filepath.Join(root, "data", "ok.csv")},
	} {
		if err := os.Symlink(link.to, link.at); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(base, "b.parquet"), "not read")
	ctx := t.Context()
	for _, path := range []string{"data/ok.csv", "./data/ok.csv", "data/inside.csv", "up/root/data/ok.csv"} {
		if _, err := filesource.OpenUnder(ctx, root, path); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
	for _, path := range []string{
		"../secret.csv", "data/../../secret.csv", "/etc/passwd", outside, "data/..", `..\secret.csv`,
		"link.csv", "up/secret.csv", "parts", "parts/*.parquet", "up/*.csv",
	} {
		t.Run(path, func(t *testing.T) {
			_, err := filesource.OpenUnder(ctx, root, path)
			wantKind(t, err, featuregate.KindPermission, "files.root")
		})
	}
	_, err := filesource.OpenUnder(ctx, "", "data/ok.csv")
	wantKind(t, err, featuregate.KindPermission, "reads no files")
	_, err = filesource.OpenUnder(ctx, root, "data/missing.csv")
	wantKind(t, err, featuregate.KindUndefined, `file "data/missing.csv" cannot be read`, "no such file")
	if strings.Contains(err.Error(), base) {
		t.Errorf("the error names the gateway's directory: %v", err)
	}
}
