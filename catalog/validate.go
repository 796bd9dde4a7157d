package catalog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/featuregate/featuregate"
)

// supportedTypes are the types a key or a feature may be declared with,
// each also as an array.
var supportedTypes = []string{
	"smallint", "integer", "bigint", "real", "double precision", "numeric",
	"boolean", "text", "bytea", "date", "timestamp without time zone",
	"timestamp with time zone", "jsonb",
}

// typeAliases maps other spellings of the supported types to their
// canonical names.
var typeAliases = map[string]string{
	"int2": "smallint", "int": "integer", "int4": "integer", "int8": "bigint",
	"float4": "real", "float8": "double precision", "double": "double precision",
	"float": "double precision", "decimal": "numeric", "bool": "boolean",
	"timestamp": "timestamp without time zone", "timestamptz": "timestamp with time zone",
}

// canonicalType returns the canonical name of a declared type, or "" when
// featuregate does not support it.
func canonicalType(t string) string {
	t = strings.Join(strings.Fields(strings.ToLower(t)), " ")
	elem, array := strings.CutSuffix(t, "[]")
	elem = strings.TrimSpace(elem)
	if a, ok := typeAliases[elem]; ok {
		elem = a
	}
	if !slices.Contains(supportedTypes, elem) {
		return ""
	}
	if array {
		return elem + "[]"
	}
	return elem
}

// widenings lists, for a source column type, the other declared types its
// values can be read as without loss of meaning.
var widenings = map[string][]string{
	"smallint":                    {"integer", "bigint", "numeric", "real", "double precision"},
	"integer":                     {"bigint", "numeric", "real", "double precision"},
	"bigint":                      {"numeric", "real", "double precision"},
	"real":                        {"double precision"},
	"timestamp without time zone": {"timestamp with time zone"},
	"date":                        {"timestamp without time zone", "timestamp with time zone"},
	"character varying":           {"text"},
	"character":                   {"text"},
	"name":                        {"text"},
	"json":                        {"jsonb"},
}

// canRead reports whether a source column of type src (as format_type
// spells it) can be read as the declared type decl (canonical): the same
// type, or a safe widening, element by element for arrays.
func canRead(src, decl string) bool {
	if src == decl {
		return true
	}
	se, sa := strings.CutSuffix(src, "[]")
	de, da := strings.CutSuffix(decl, "[]")
	if sa != da {
		return false
	}
	return slices.Contains(widenings[se], de)
}

// isTimestampType reports whether a column of type t can be a source's
// timestamp or created column.
func isTimestampType(t string) bool {
	switch t {
	case "date", "timestamp without time zone", "timestamp with time zone":
		return true
	}
	return false
}

// builtinTypes names the common built-in types by OID, saving a catalog
// query; other types are looked up in pg_type.
var builtinTypes = map[uint32]string{
	16: "boolean", 17: "bytea", 19: "name", 20: "bigint", 21: "smallint", 23: "integer",
	25: "text", 114: "json", 700: "real", 701: "double precision", 1042: "character",
	1043: "character varying", 1082: "date", 1114: "timestamp without time zone",
	1184: "timestamp with time zone", 1700: "numeric", 3802: "jsonb",
	1000: "boolean[]", 1001: "bytea[]", 1005: "smallint[]", 1007: "integer[]", 1016: "bigint[]",
	1009: "text[]", 1021: "real[]", 1022: "double precision[]", 1231: "numeric[]",
	1182: "date[]", 1115: "timestamp without time zone[]", 1185: "timestamp with time zone[]",
	3807: "jsonb[]",
}

// validator checks definitions against the offline store, inside the
// registry transaction, and remembers what it learnt for the rest of it.
type validator struct {
	tx     pgx.Tx
	types  map[uint32]string
	shapes map[*Source]*shape
}

func newValidator(tx pgx.Tx) *validator {
	return &validator{tx: tx, types: map[uint32]string{}, shapes: map[*Source]*shape{}}
}

// shape is the columns of a source's result.
type shape struct {
	sql  string // the statement that reads the source
	cols []column
}

type column struct {
	name string
	typ  string // as format_type spells it, domains resolved to their base type
}

// find returns the column named name; ok is false when there is none, and
// err is set when there are several.
func (sh *shape) find(src *Source, name string) (c column, ok bool, err error) {
	n := 0
	for _, col := range sh.cols {
		if col.name == name {
			c, n = col, n+1
		}
	}
	if n > 1 {
		return c, true, featuregate.Errorf(featuregate.KindAmbiguous,
			"source %q: column %q appears %d times in its result", src.Name, name, n).
			WithHint("Give the columns of the source's query distinct names.")
	}
	return c, n == 1, nil
}

func (sh *shape) names() string {
	names := make([]string, len(sh.cols))
	for i, c := range sh.cols {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}

// sourceSQL is the statement that reads every row of src.
func sourceSQL(src *Source) string {
	if src.Query != "" {
		q := strings.TrimSpace(src.Query)
		for strings.HasSuffix(q, ";") {
			q = strings.TrimSpace(strings.TrimSuffix(q, ";"))
		}
		// The newlines keep a trailing -- comment from hiding the parenthesis.
		return "SELECT * FROM (\n" + q + "\n) AS src"
	}
	return "SELECT * FROM " + src.Table
}

// savepoint runs f inside a savepoint, so that an error from PostgreSQL
// does not abort the registry transaction.
func (v *validator) savepoint(ctx context.Context, f func() error) error {
	if _, err := v.tx.Exec(ctx, "SAVEPOINT featuregate_check"); err != nil {
		return dbError(err, "registry: savepoint")
	}
	if ferr := f(); ferr != nil {
		if _, err := v.tx.Exec(ctx, "ROLLBACK TO SAVEPOINT featuregate_check"); err != nil {
			return dbError(errors.Join(ferr, err), "registry: rollback to savepoint")
		}
		return ferr
	}
	if _, err := v.tx.Exec(ctx, "RELEASE SAVEPOINT featuregate_check"); err != nil {
		return dbError(err, "registry: release savepoint")
	}
	return nil
}

// prepare describes sql on the offline store without running it.
func (v *validator) prepare(ctx context.Context, sql string) (*pgconn.StatementDescription, error) {
	var sd *pgconn.StatementDescription
	err := v.savepoint(ctx, func() error {
		var err error
		sd, err = v.tx.Conn().PgConn().Prepare(ctx, "", sql, nil)
		return err
	})
	return sd, err
}

// isPgError reports whether err is an error PostgreSQL returned for the
// statement, as opposed to a failure to reach it.
func isPgError(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe)
}

// typeNames returns the names of the types with the given OIDs.
func (v *validator) typeNames(ctx context.Context, oids []uint32) ([]string, error) {
	var missing []uint32
	for _, oid := range oids {
		if _, ok := builtinTypes[oid]; ok {
			continue
		}
		if _, ok := v.types[oid]; !ok && !slices.Contains(missing, oid) {
			missing = append(missing, oid)
		}
	}
	if len(missing) > 0 {
		// A domain reads as its base type.
		rows, err := v.tx.Query(ctx, `WITH RECURSIVE t (oid, cur) AS (
				SELECT o, o FROM unnest($1::oid[]) AS o
				UNION ALL
				SELECT t.oid, p.typbasetype FROM t JOIN pg_catalog.pg_type AS p ON p.oid = t.cur
				WHERE p.typtype = 'd'
			)
			SELECT t.oid, format_type(t.cur, NULL) FROM t JOIN pg_catalog.pg_type AS p ON p.oid = t.cur
			WHERE p.typtype <> 'd'`, missing)
		if err != nil {
			return nil, dbError(err, "registry: look up column types")
		}
		defer rows.Close()
		for rows.Next() {
			var oid uint32
			var name string
			if err := rows.Scan(&oid, &name); err != nil {
				return nil, dbError(err, "registry: look up column types")
			}
			v.types[oid] = name
		}
		if err := rows.Err(); err != nil {
			return nil, dbError(err, "registry: look up column types")
		}
	}
	names := make([]string, len(oids))
	for i, oid := range oids {
		name, ok := v.typeName(oid)
		if !ok {
			name = fmt.Sprintf("type %d", oid)
		}
		names[i] = name
	}
	return names, nil
}

func (v *validator) typeName(oid uint32) (string, bool) {
	if n, ok := builtinTypes[oid]; ok {
		return n, true
	}
	n, ok := v.types[oid]
	return n, ok
}

// describe returns the columns of src's result, checking that src reads
// on the offline store and has its timestamp and created columns.
func (v *validator) describe(ctx context.Context, src *Source) (*shape, error) {
	if sh, ok := v.shapes[src]; ok {
		return sh, nil
	}
	sql := sourceSQL(src)
	sd, err := v.prepare(ctx, sql)
	if err != nil {
		kind := featuregate.KindInvalid
		if !isPgError(err) {
			kind = featuregate.KindUnavailable
		}
		return nil, &featuregate.Error{Kind: kind,
			Message: fmt.Sprintf("source %q cannot be read on the offline store", src.Name), Err: err}
	}
	if len(sd.ParamOIDs) > 0 {
		return nil, featuregate.Errorf(featuregate.KindInvalid, "source %q: its query must not have parameters", src.Name)
	}
	oids := make([]uint32, len(sd.Fields))
	for i, f := range sd.Fields {
		oids[i] = f.DataTypeOID
	}
	types, err := v.typeNames(ctx, oids)
	if err != nil {
		return nil, err
	}
	sh := &shape{sql: sql}
	for i, f := range sd.Fields {
		sh.cols = append(sh.cols, column{name: f.Name, typ: types[i]})
	}
	for _, tc := range []struct{ what, name string }{
		{"timestamp column", src.TimestampColumn},
		{"created column", src.CreatedColumn},
	} {
		if tc.name == "" {
			continue
		}
		c, ok, err := sh.find(src, tc.name)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, featuregate.Errorf(featuregate.KindUndefined,
				"source %q: %s %q does not exist in its result", src.Name, tc.what, tc.name).
				WithHint("The source's columns are: %s.", sh.names())
		}
		if !isTimestampType(c.typ) {
			return nil, featuregate.Errorf(featuregate.KindDatatypeMismatch,
				"source %q: %s %q has type %s, but it must be date, timestamp or timestamptz",
				src.Name, tc.what, tc.name, c.typ)
		}
	}
	v.shapes[src] = sh
	return sh, nil
}

// validate checks obj against the state and the offline store.
func (st *state) validate(ctx context.Context, obj Object) error {
	switch o := obj.(type) {
	case *Entity:
		return checkEntity(o)
	case *Source:
		return st.checkSource(ctx, o)
	case *FeatureView:
		return st.checkView(ctx, o)
	case *FeatureService:
		return st.checkService(o)
	case *Permission:
		return checkPermission(o)
	}
	return featuregate.Errorf(featuregate.KindInternal, "registry: cannot validate a %T", obj)
}

func checkEntity(e *Entity) error {
	if len(e.Keys) == 0 {
		return featuregate.Errorf(featuregate.KindInvalid, "entity %q must have at least one key", e.Name)
	}
	for i, k := range e.Keys {
		if k.Name == "" {
			return featuregate.Errorf(featuregate.KindInvalid, "entity %q: a key has an empty name", e.Name)
		}
		if slices.ContainsFunc(e.Keys[:i], func(c Column) bool { return c.Name == k.Name }) {
			return featuregate.Errorf(featuregate.KindDuplicate, "entity %q: key %q is defined more than once", e.Name, k.Name)
		}
		if canonicalType(k.Type) == "" {
			return featuregate.Errorf(featuregate.KindUnsupported,
				"entity %q: key %q has type %q, which featuregate does not support", e.Name, k.Name, k.Type)
		}
	}
	return nil
}

func (st *state) checkSource(ctx context.Context, src *Source) error {
	if (src.Query == "") == (src.Table == "") {
		return featuregate.Errorf(featuregate.KindInvalid,
			"source %q must be defined either AS a query or AS TABLE", src.Name)
	}
	if src.TimestampColumn == "" {
		return featuregate.Errorf(featuregate.KindInvalid, "source %q must have a TIMESTAMP COLUMN", src.Name)
	}
	_, err := st.v.describe(ctx, src)
	return err
}

func (st *state) checkView(ctx context.Context, fv *FeatureView) error {
	if len(fv.Features) == 0 {
		return featuregate.Errorf(featuregate.KindInvalid, "feature view %q must have at least one feature", fv.Name)
	}
	for i, f := range fv.Features {
		if f.Name == "" {
			return featuregate.Errorf(featuregate.KindInvalid, "feature view %q: a feature has an empty name", fv.Name)
		}
		if slices.ContainsFunc(fv.Features[:i], func(g Feature) bool { return g.Name == f.Name }) {
			return featuregate.Errorf(featuregate.KindDuplicate,
				"feature view %q: feature %q is defined more than once", fv.Name, f.Name)
		}
		if f.Name == "event_timestamp" {
			return featuregate.Errorf(featuregate.KindDuplicate,
				"feature view %q: feature %q has the name of the view's event timestamp column", fv.Name, f.Name).
				WithHint("Rename the feature.")
		}
		if canonicalType(f.Type) == "" {
			return featuregate.Errorf(featuregate.KindUnsupported,
				"feature view %q: feature %q has type %q, which featuregate does not support", fv.Name, f.Name, f.Type)
		}
	}
	ent, ok := st.entities[fv.Entity]
	if !ok {
		return featuregate.Errorf(featuregate.KindUndefined, "feature view %q: entity %q does not exist", fv.Name, fv.Entity)
	}
	for _, f := range fv.Features {
		if slices.ContainsFunc(ent.Keys, func(k Column) bool { return k.Name == f.Name }) {
			return featuregate.Errorf(featuregate.KindDuplicate,
				"feature view %q: feature %q has the name of a key of entity %q", fv.Name, f.Name, ent.Name).
				WithHint("The entity's keys are columns of the view already; rename the feature.")
		}
	}
	src, ok := st.sources[fv.Source]
	if !ok {
		return featuregate.Errorf(featuregate.KindUndefined, "feature view %q: source %q does not exist", fv.Name, fv.Source)
	}
	if err := st.checkTTL(ctx, fv); err != nil {
		return err
	}
	sh, err := st.v.describe(ctx, src)
	if err != nil {
		return err
	}
	// The columns of the view, as read from the source: keys then features.
	type viewCol struct{ what, name, typ string }
	var cols []viewCol
	for _, k := range ent.Keys {
		cols = append(cols, viewCol{fmt.Sprintf("key %q of entity %q", k.Name, ent.Name), k.Name, canonicalType(k.Type)})
	}
	for _, f := range fv.Features {
		cols = append(cols, viewCol{fmt.Sprintf("feature %q", f.Name), f.Name, canonicalType(f.Type)})
	}
	for _, vc := range cols {
		c, ok, err := sh.find(src, vc.name)
		if err != nil {
			return err
		}
		if !ok {
			return featuregate.Errorf(featuregate.KindUndefined,
				"feature view %q: column %q does not exist in source %q", fv.Name, vc.name, src.Name).
				WithHint("The source's columns are: %s.", sh.names())
		}
		if !canRead(c.typ, vc.typ) {
			return featuregate.Errorf(featuregate.KindDatatypeMismatch,
				"feature view %q: %s is declared %s, but column %q of source %q has type %s",
				fv.Name, vc.what, vc.typ, c.name, src.Name, c.typ).
				WithHint("Declare the type of the source's column, or cast the column in the source's query.")
		}
	}
	for _, f := range fv.Features {
		if f.Check == "" {
			continue
		}
		if err := st.checkCheck(ctx, fv, ent, sh, f); err != nil {
			return err
		}
	}
	return nil
}

// checkTTL checks that the view's TTL is a positive interval.
func (st *state) checkTTL(ctx context.Context, fv *FeatureView) error {
	if fv.TTL == "" {
		return nil
	}
	var positive bool
	err := st.v.savepoint(ctx, func() error {
		return st.v.tx.QueryRow(ctx, `SELECT $1::text::interval > interval '0'`, fv.TTL).Scan(&positive)
	})
	if err != nil {
		if !isPgError(err) {
			return dbError(err, "registry: check the TTL of feature view %q", fv.Name)
		}
		return &featuregate.Error{Kind: featuregate.KindInvalid,
			Message: fmt.Sprintf("feature view %q: invalid TTL %q", fv.Name, fv.TTL), Err: err}
	}
	if !positive {
		return featuregate.Errorf(featuregate.KindInvalid, "feature view %q: TTL %q is not positive", fv.Name, fv.TTL)
	}
	return nil
}

// checkCheck checks that a feature's CHECK is a boolean expression over the
// view's columns, typed as declared.
func (st *state) checkCheck(ctx context.Context, fv *FeatureView, ent *Entity, sh *shape, f Feature) error {
	var sel []string
	for _, k := range ent.Keys {
		id := pgx.Identifier{k.Name}.Sanitize()
		sel = append(sel, fmt.Sprintf("CAST(s.%s AS %s) AS %s", id, canonicalType(k.Type), id))
	}
	for _, g := range fv.Features {
		id := pgx.Identifier{g.Name}.Sanitize()
		sel = append(sel, fmt.Sprintf("CAST(s.%s AS %s) AS %s", id, canonicalType(g.Type), id))
	}
	sql := fmt.Sprintf("SELECT (\n%s\n) FROM (SELECT %s FROM (%s) AS s) AS fv",
		f.Check, strings.Join(sel, ", "), sh.sql)
	sd, err := st.v.prepare(ctx, sql)
	if err != nil {
		if !isPgError(err) {
			return dbError(err, "registry: check the CHECK of feature %q of feature view %q", f.Name, fv.Name)
		}
		return &featuregate.Error{Kind: featuregate.KindInvalid,
			Message: fmt.Sprintf("feature view %q: invalid CHECK on feature %q", fv.Name, f.Name), Err: err}
	}
	if len(sd.Fields) != 1 {
		return featuregate.Errorf(featuregate.KindInvalid,
			"feature view %q: invalid CHECK on feature %q", fv.Name, f.Name)
	}
	if oid := sd.Fields[0].DataTypeOID; oid != 16 {
		names, err := st.v.typeNames(ctx, []uint32{oid})
		if err != nil {
			return err
		}
		if names[0] != "boolean" { // a domain over boolean
			return featuregate.Errorf(featuregate.KindDatatypeMismatch,
				"feature view %q: CHECK on feature %q must be boolean, not %s", fv.Name, f.Name, names[0])
		}
	}
	return nil
}

func (st *state) checkService(fs *FeatureService) error {
	if len(fs.Features) == 0 {
		return featuregate.Errorf(featuregate.KindInvalid, "feature service %q must have at least one feature", fs.Name)
	}
	for _, r := range fs.Features {
		fv, ok := st.views[r.View]
		if !ok {
			return featuregate.Errorf(featuregate.KindUndefined,
				"feature service %q: feature view %q does not exist", fs.Name, r.View)
		}
		if r.Feature == "*" {
			continue
		}
		if !slices.ContainsFunc(fv.Features, func(f Feature) bool { return f.Name == r.Feature }) {
			return featuregate.Errorf(featuregate.KindUndefined,
				"feature service %q: feature %q does not exist in feature view %q", fs.Name, r.Feature, r.View)
		}
	}
	return nil
}
