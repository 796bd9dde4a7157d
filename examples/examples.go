// Package examples holds the example feature repos, embedded so that the
// featuregate binary can set them up anywhere: `featuregate demo` loads
// StreamFlow, and `featuregate init --template NAME` copies one.
//
// Each example NAME has NAME/data.sql, which creates and fills its tables
// on the offline PostgreSQL, NAME/repo/*.sql, the feature repo of
// definitions that `featuregate apply` takes, and NAME/README.md, the steps
// to run it; its scripts (*.py, quickstart/tour.sql) are embedded too.
//
//   - quickstart: the smallest project, Feast's template (driver statistics).
//   - streamflow: the churn project of the course lab (seed 004); its
//     data.sql is written by StreamFlowSQL.
//   - biometrics: seed 000's health model, with CHECK rules on features; its
//     readings are a parquet file, data/user_biometrics.parquet.
//   - local: Feast's default template, whose data is a parquet file
//     (data/driver_stats.parquet, the quickstart's rows).
package examples

import (
	"embed"
	"io/fs"
	"path"
)

// FS holds the examples: NAME/data.sql, NAME/repo/*.sql, NAME/README.md,
// the scripts, and the data files of file sources, NAME/repo/data/*.parquet
// (written by WriteData), for each example NAME.
//
//go:embed */data.sql */repo/*.sql */README.md */*.py quickstart/tour.sql */repo/data/*.parquet
var FS embed.FS

// Names lists the examples, in order: the directories of FS that hold a
// data.sql.
func Names() []string {
	matches, err := fs.Glob(FS, "*/data.sql")
	if err != nil {
		panic(err) // the pattern is valid
	}
	names := make([]string, len(matches))
	for i, m := range matches {
		names[i] = path.Dir(m)
	}
	return names
}
