package offline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
)

// Registry is the registry as the gateway's sessions change it. Before a
// change is applied, each source it defines is planned (EXPLAIN, which
// checks privileges and runs nothing) as the read-only role: a definition
// cannot name what that role may not read, so no session widens what
// materialization reads.
type Registry struct {
	*catalog.Store
	Reader *Pool
}

// Apply checks the sources of changes, then applies them.
func (r *Registry) Apply(ctx context.Context, project, who, statement string, changes []catalog.Change) (int64, error) {
	for _, c := range changes {
		if src, ok := c.Object.(*catalog.Source); ok && src.File == nil { // a file source's table is featuregate's
			if err := r.Reader.checkSource(ctx, src); err != nil {
				return 0, err
			}
		}
	}
	return r.Store.Apply(ctx, project, who, statement, changes)
}

// checkSource refuses a source the pool's role may not read. Any other
// error is left to the registry's own validation, which reports it.
func (p *Pool) checkSource(ctx context.Context, src *catalog.Source) error {
	rows, err := p.Query(ctx, "EXPLAIN "+sourceSQL(src))
	if err == nil {
		rows.Close()
		err = rows.Err()
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42501" {
		return nil
	}
	return &featuregate.Error{Kind: featuregate.KindPermission,
		Message: fmt.Sprintf("source %q reads what %s, the role featuregate reads sources as, may not read", src.Name, p.Role()),
		Hint:    "an administrator can add the schema of its tables to offline.read_schemas in featuregate.yaml", Err: err}
}

// sourceSQL reads every row of src, as the registry's validation does.
func sourceSQL(src *catalog.Source) string {
	if src.Query == "" {
		return "SELECT * FROM " + src.Table
	}
	q := strings.TrimSpace(src.Query)
	for strings.HasSuffix(q, ";") {
		q = strings.TrimSpace(strings.TrimSuffix(q, ";"))
	}
	return "SELECT * FROM (\n" + q + "\n) AS src"
}
