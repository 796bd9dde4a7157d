package offline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/catalog"
)

// The privileges of each role on the relations of the schemas it uses.
var (
	readerTablePrivs = []string{"SELECT"}
	writerTablePrivs = []string{"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"}
	readerSeqPrivs   = []string{"SELECT"}
	writerSeqPrivs   = []string{"USAGE", "SELECT", "UPDATE"}
)

// grantAll gives the roles what they may do on the database: CONNECT and
// TEMPORARY, the schemas to use (o.ReadSchemas and the schemas of table
// sources), nothing on featuregate's own schemas.
func grantAll(ctx context.Context, tx pgx.Tx, w owner, o Options) error {
	r, wr := ident(o.Roles.Reader), ident(o.Roles.Writer)
	db := ident(w.db)
	err := execAll(ctx, tx,
		"GRANT CONNECT, TEMPORARY ON DATABASE "+db+" TO "+r+", "+wr,
		"REVOKE CREATE ON DATABASE "+db+" FROM "+r+", "+wr,
		"REVOKE ALL ON SCHEMA featuregate_registry FROM "+r+", "+wr,
		"REVOKE ALL ON ALL TABLES IN SCHEMA featuregate_registry FROM "+r+", "+wr)
	if err != nil {
		return err
	}
	schemas, err := sourceSchemas(ctx, tx, w)
	if err != nil {
		return err
	}
	for _, s := range o.ReadSchemas {
		if !slices.Contains(schemas, s) {
			schemas = append(schemas, s)
		}
	}
	for _, s := range schemas {
		if err := grantSchema(ctx, tx, w, o, s); err != nil {
			return fmt.Errorf("grant schema %s: %w", s, err)
		}
	}
	if err := grantFileSchema(ctx, tx, o); err != nil {
		return fmt.Errorf("grant schema %s: %w", catalog.FileSchema, err)
	}
	if err := grantDatasetSchemas(ctx, tx, o); err != nil {
		return fmt.Errorf("grant the schemas of saved datasets: %w", err)
	}
	return grantRelationSchemas(ctx, tx)
}

// grantDatasetSchemas lets both roles, and no other, read the saved
// datasets of every project (catalog.DatasetSchema): a release before
// this one granted them to PUBLIC, which this takes back. Schemas the
// gateway may not grant are skipped.
func grantDatasetSchemas(ctx context.Context, tx pgx.Tx, o Options) error {
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT to_regclass('featuregate_registry.datasets') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT project FROM featuregate_registry.datasets`)
	if err != nil {
		return err
	}
	projects, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	r, wr := ident(o.Roles.Reader), ident(o.Roles.Writer)
	for _, p := range projects {
		name := catalog.DatasetSchema(p)
		var ok bool
		err := tx.QueryRow(ctx, `SELECT coalesce((SELECT has_schema_privilege(current_user, oid, 'USAGE WITH GRANT OPTION')
			FROM pg_namespace WHERE nspname = $1), false)`, name).Scan(&ok)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		sch := ident(name)
		if err := execAll(ctx, tx,
			"REVOKE ALL ON SCHEMA "+sch+" FROM PUBLIC",
			"REVOKE ALL ON ALL TABLES IN SCHEMA "+sch+" FROM PUBLIC",
			"GRANT USAGE ON SCHEMA "+sch+" TO "+r+", "+wr,
			"GRANT SELECT ON ALL TABLES IN SCHEMA "+sch+" TO "+r+", "+wr); err != nil {
			return err
		}
	}
	return nil
}

// grantFileSchema lets both roles read the tables of file sources, in the
// schema featuregate owns for them (catalog.FileSchema), creating it if
// missing. The registry grants SELECT on each table it loads to the roles
// that may use the schema, so a file source created later is readable at
// once; neither role may change those tables.
func grantFileSchema(ctx context.Context, tx pgx.Tx, o Options) error {
	var ok bool
	err := tx.QueryRow(ctx, `SELECT coalesce((SELECT has_schema_privilege(current_user, oid, 'USAGE WITH GRANT OPTION')
		FROM pg_namespace WHERE nspname = $1), true)`, catalog.FileSchema).Scan(&ok)
	if err != nil || !ok {
		if err == nil {
			o.Logger.Warn("offline store: the schema of file sources is not the gateway's to grant: skipped", "schema", catalog.FileSchema)
		}
		return err
	}
	sch, r, wr := ident(catalog.FileSchema), ident(o.Roles.Reader), ident(o.Roles.Writer)
	return execAll(ctx, tx,
		"CREATE SCHEMA IF NOT EXISTS "+sch,
		"GRANT USAGE ON SCHEMA "+sch+" TO "+r+", "+wr,
		"GRANT SELECT ON ALL TABLES IN SCHEMA "+sch+" TO "+r+", "+wr)
}

// sourceSchemas are the schemas of the registry's table sources, resolved
// on the search path read-only sessions have ("$user", public), except
// those that may not be granted.
func sourceSchemas(ctx context.Context, tx pgx.Tx, w owner) ([]string, error) {
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT to_regclass('featuregate_registry.objects') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return nil, err
	}
	if err := execAll(ctx, tx, `SET LOCAL search_path = public`); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT n.nspname FROM featuregate_registry.objects o
		JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(o.definition->>'table')
		JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE o.kind = 'SOURCE' AND o.definition->>'table' IS NOT NULL ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	all, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	if err := execAll(ctx, tx, `SET LOCAL search_path = pg_catalog`); err != nil {
		return nil, err
	}
	var out []string
	for _, s := range all {
		if forbiddenSchema(s) == "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// grantSchema lets both roles use schema s: USAGE, the writer CREATE, the
// relations there now, and by default privileges those the owner or the
// writer create later. Relations the owner may not grant are left out.
func grantSchema(ctx context.Context, tx pgx.Tx, w owner, o Options, s string) error {
	var ok, publicCreate bool
	err := tx.QueryRow(ctx, `SELECT has_schema_privilege(current_user, oid, 'USAGE WITH GRANT OPTION')
			AND has_schema_privilege(current_user, oid, 'CREATE WITH GRANT OPTION'),
		has_schema_privilege('public', oid, 'CREATE')
		FROM pg_namespace WHERE nspname = $1`, s).Scan(&ok, &publicCreate)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !ok) {
		o.Logger.Warn("offline store: a schema to read is missing, or not the gateway's to grant: skipped", "schema", s)
		return nil
	}
	if err != nil {
		return err
	}
	if publicCreate {
		o.Logger.Warn("offline store: every role may create objects in this schema, read-only sessions too; "+
			"an administrator can run REVOKE CREATE ON SCHEMA … FROM PUBLIC", "schema", s)
	}
	sch, r, wr := ident(s), ident(o.Roles.Reader), ident(o.Roles.Writer)
	err = execAll(ctx, tx,
		"GRANT USAGE ON SCHEMA "+sch+" TO "+r+", "+wr,
		"GRANT CREATE ON SCHEMA "+sch+" TO "+wr)
	if err != nil {
		return err
	}
	for _, g := range []struct {
		role    string
		kinds   string
		privs   []string
		objects string
	}{
		{o.Roles.Reader, "'r','p','v','m','f'", readerTablePrivs, "TABLE"},
		{o.Roles.Writer, "'r','p','v','m','f'", writerTablePrivs, "TABLE"},
		{o.Roles.Reader, "'S'", readerSeqPrivs, "SEQUENCE"},
		{o.Roles.Writer, "'S'", writerSeqPrivs, "SEQUENCE"},
	} {
		if err := grantRelations(ctx, tx, s, g.role, g.kinds, g.objects, g.privs); err != nil {
			return err
		}
	}
	return defaultPrivileges(ctx, tx, w, o, s)
}

// grantRelations grants privs on the relations of schema s of the given
// kinds that role lacks, in one statement.
func grantRelations(ctx context.Context, tx pgx.Tx, s, role, kinds, objects string, privs []string) error {
	fn := "has_table_privilege"
	if objects == "SEQUENCE" {
		fn = "has_sequence_privilege"
	}
	var can, has []string
	for _, p := range privs {
		can = append(can, fmt.Sprintf("%s(current_user, c.oid, '%s WITH GRANT OPTION')", fn, p))
		has = append(has, fmt.Sprintf("%s($2, c.oid, '%s')", fn, p))
	}
	// The privilege functions run on the schema's relations of those kinds
	// alone (they fail on others), hence the materialized CTE.
	rows, err := tx.Query(ctx, fmt.Sprintf(`WITH c AS MATERIALIZED (
			SELECT c.oid, format('%%I.%%I', n.nspname, c.relname) AS name
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = $1 AND c.relkind IN (%s))
		SELECT name FROM c WHERE %s AND NOT (%s)`,
		kinds, strings.Join(can, " AND "), strings.Join(has, " AND ")), s, role)
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(names) == 0 {
		return err
	}
	return execAll(ctx, tx, fmt.Sprintf("GRANT %s ON %s %s TO %s",
		strings.Join(privs, ", "), objects, strings.Join(names, ", "), ident(role)))
}

// defaultPrivileges makes the relations that the owner and the writer
// create in schema s later readable by the reader (and writable by the
// writer, for the owner's). Default privileges for the writer's objects
// need membership in it, which a non-superuser owner holds only for the
// length of the statement.
func defaultPrivileges(ctx context.Context, tx pgx.Tx, w owner, o Options, s string) error {
	sch, r, wr := ident(s), ident(o.Roles.Reader), ident(o.Roles.Writer)
	in := "ALTER DEFAULT PRIVILEGES IN SCHEMA " + sch + " "
	err := execAll(ctx, tx,
		in+"GRANT "+strings.Join(readerTablePrivs, ", ")+" ON TABLES TO "+r,
		in+"GRANT "+strings.Join(readerSeqPrivs, ", ")+" ON SEQUENCES TO "+r,
		in+"GRANT "+strings.Join(writerTablePrivs, ", ")+" ON TABLES TO "+wr,
		in+"GRANT "+strings.Join(writerSeqPrivs, ", ")+" ON SEQUENCES TO "+wr)
	if err != nil {
		return err
	}
	var done bool
	err = tx.QueryRow(ctx, `SELECT count(*) = 2 FROM pg_default_acl d, aclexplode(d.defaclacl) a
		WHERE d.defaclrole = $1::text::regrole AND d.defaclnamespace = $2::text::regnamespace
		AND d.defaclobjtype IN ('r', 'S') AND a.grantee = $3::text::regrole AND a.privilege_type = 'SELECT'`,
		wr, sch, r).Scan(&done)
	if err != nil || done {
		return err
	}
	stmts := []string{
		"ALTER DEFAULT PRIVILEGES FOR ROLE " + wr + " IN SCHEMA " + sch + " GRANT SELECT ON TABLES TO " + r,
		"ALTER DEFAULT PRIVILEGES FOR ROLE " + wr + " IN SCHEMA " + sch + " GRANT SELECT ON SEQUENCES TO " + r,
	}
	if !w.super {
		me := ident(w.name)
		stmts = append(append([]string{"GRANT " + wr + " TO " + me}, stmts...), "REVOKE "+wr+" FROM "+me)
	}
	return execAll(ctx, tx, stmts...)
}

// grantRelationSchemas lets every role use the schemas of feature
// relations (fg_<project>) of the registry's projects: they hold only views
// that say how to read features through the gateway, and psql's \d, JDBC
// metadata and SQLAlchemy's inspector list them. The registry grants the
// same whenever it rebuilds a schema; this catches schemas an older
// featuregate built.
func grantRelationSchemas(ctx context.Context, tx pgx.Tx) error {
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT to_regclass('featuregate_registry.objects') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT n.nspname FROM featuregate_registry.objects o
		JOIN pg_namespace n ON n.nspname = 'fg_' || o.project
		WHERE has_schema_privilege(current_user, n.oid, 'USAGE WITH GRANT OPTION')
		AND NOT has_schema_privilege('public', n.oid, 'USAGE')`)
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, s := range names {
		if err := execAll(ctx, tx, "GRANT USAGE ON SCHEMA "+ident(s)+" TO PUBLIC",
			"GRANT SELECT ON ALL TABLES IN SCHEMA "+ident(s)+" TO PUBLIC"); err != nil {
			return err
		}
	}
	return nil
}
