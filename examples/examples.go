// Package examples holds the example feature repos, embedded so that the
// featuregate binary can set them up anywhere: `featuregate demo` loads
// StreamFlow, the churn project of the course lab (seed 004).
//
// Each example has data.sql, which creates and fills its tables on the
// offline PostgreSQL, and repo/, the feature repo of *.sql definitions that
// `featuregate apply` takes.
package examples

import "embed"

// FS holds the examples: streamflow/data.sql and streamflow/repo/*.sql.
//
//go:embed streamflow
var FS embed.FS
