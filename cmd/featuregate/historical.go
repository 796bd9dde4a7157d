package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/spf13/cobra"

	"github.com/featuregate/featuregate/catalog"
)

// spineTable is the temporary table a CSV or JSON spine is loaded into.
const spineTable = "featuregate_spine"

// historicalFlags are the flags of get-historical-features.
type historicalFlags struct {
	featureFlags
	entitiesFile string
	entitySQL    string
	dataframe    string
	tsColumn     string
	format       string
	output       string
	stderr       io.Writer // where a progress bar of --output goes, on a terminal
}

func newGetHistoricalFeaturesCmd(g *globalFlags) *cobra.Command {
	f := &gatewayFlags{}
	h := &historicalFlags{}
	cmd := &cobra.Command{
		Use:   "get-historical-features (--entities FILE.csv | --entity-sql QUERY | --dataframe JSON) (--features VIEW:FEATURE,… | --service NAME)",
		Short: "Print a point-in-time correct training set for an entity spine",
		Long: `Join features to an entity spine point in time, as the SQL statement
  SELECT s.*, f.<features> FROM spine s LEFT JOIN <relation> AS OF s.<timestamp> f USING (<keys>)
does on the offline store: for each spine row, each feature view gives its latest
value at or before the row's timestamp (within the view's TTL), never a later
one; a row without one gets empty (NULL) features. Every spine row is kept once.

The spine is a CSV file with a header (--entities; - reads stdin), a query of the
offline store (--entity-sql, e.g. SELECT user_id, as_of AS event_timestamp FROM
labels), or Feast's JSON list of rows (--dataframe '[{"user_id": "u1",
"event_timestamp": "2024-01-31T00:00:00"}]'). It holds the join keys of the
features' entities and the timestamp column (--timestamp-column, default
event_timestamp); other columns (labels) are passed through. A CSV or JSON spine
is loaded into a temporary table of the session (COPY FROM STDIN), its keys cast
to the entity key types and its timestamp to timestamptz (UTC without an offset).

Rows stream to the output as they come: CSV by default (to --output FILE or
stdout), or -o table / json. An --output file named .parquet (or -o parquet)
is written as parquet: one optional column per result column, its type mapped
from PostgreSQL's (docs/sql.md, "Exports to CSV and parquet", has the mapping),
snappy-compressed row groups of 131,072 rows. Into a file, a progress bar shows
the bytes written on a terminal; a failed run removes the file.

` + gatewayHelp,
		Example: `  featuregate get-historical-features --entities spine.csv --service churn_v1 --output training.csv
  featuregate get-historical-features --entity-sql "SELECT user_id, as_of AS event_timestamp FROM subscriptions_profile_snapshots" \
      -f subs_profile_fv:months_active,payments_agg_90d_fv:failed_payments_90d -o table`,
		Args: cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, _ []string) error {
			return h.checkFormat(cmd.Flags().Changed("output-format"))
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			refs, err := h.refs()
			if err != nil {
				return err
			}
			sp, err := h.spineSource(cmd.InOrStdin())
			if err != nil {
				return err
			}
			out, closeOut, err := h.writer(cmd.OutOrStdout())
			if err != nil {
				return err
			}
			h.stderr = cmd.ErrOrStderr()
			err = f.session(cmd, g, func(conn *pgx.Conn) error {
				return historical(cmd.Context(), conn, h, refs, sp, out)
			})
			if cerr := closeOut(err); err == nil {
				err = cerr
			}
			return err
		},
	}
	h.add(cmd)
	f.add(cmd)
	return cmd
}

func (h *historicalFlags) add(cmd *cobra.Command) {
	h.featureFlags.add(cmd)
	cmd.Flags().StringVar(&h.entitiesFile, "entities", "", "the spine as a CSV file with a header (- for stdin)")
	cmd.Flags().StringVar(&h.entitySQL, "entity-sql", "", "the spine as a query of the offline store")
	cmd.Flags().StringVarP(&h.dataframe, "dataframe", "d", "", `the spine as Feast's JSON list of rows: [{"user_id": "u1", "event_timestamp": "2024-01-31"}]`)
	cmd.Flags().StringVar(&h.tsColumn, "timestamp-column", "event_timestamp", "the spine's timestamp column")
	cmd.Flags().StringVarP(&h.format, "output-format", "o", "csv", "output format: csv, table, json or parquet (the default for an --output file named .parquet)")
	cmd.Flags().StringVar(&h.output, "output", "", "write to this file instead of stdout")
}

// checkFormat checks -o, which is parquet for an --output file named
// .parquet unless given; parquet needs an --output file.
func (h *historicalFlags) checkFormat(given bool) error {
	if !given && strings.EqualFold(filepath.Ext(h.output), ".parquet") {
		h.format = "parquet"
	}
	if err := checkFormat(h.format, "csv", "table", "json", "parquet"); err != nil {
		return err
	}
	if h.format == "parquet" && (h.output == "" || h.output == "-") {
		return usagef("-o parquet writes a file: give it with --output FILE.parquet")
	}
	return nil
}

// writer opens the output; close removes a file left incomplete by an
// error.
func (h *historicalFlags) writer(stdout io.Writer) (io.Writer, func(error) error, error) {
	if h.output == "" || h.output == "-" {
		return stdout, func(error) error { return nil }, nil
	}
	file, err := os.Create(h.output)
	if err != nil {
		return nil, nil, err
	}
	return file, func(failed error) error {
		err := file.Close()
		if failed != nil {
			os.Remove(h.output)
		}
		return err
	}, nil
}

// spine is an entity spine: rows of text read from a file or JSON, or a
// query.
type spine struct {
	sql  string      // a query of the offline store; or
	cols []string    // the columns of the rows
	rows [][]*string // text values, nil for NULL
	from string      // where the rows came from, for messages
}

// spineSource reads the spine the flags give.
func (h *historicalFlags) spineSource(stdin io.Reader) (*spine, error) {
	given := 0
	for _, s := range []string{h.entitiesFile, h.entitySQL, h.dataframe} {
		if s != "" {
			given++
		}
	}
	if given != 1 {
		return nil, usagef("give the entity spine with one of --entities FILE.csv, --entity-sql QUERY or --dataframe JSON")
	}
	switch {
	case h.entitySQL != "":
		return &spine{sql: strings.TrimRight(strings.TrimSpace(h.entitySQL), ";")}, nil
	case h.dataframe != "":
		return jsonSpine(h.dataframe)
	}
	return csvSpine(h.entitiesFile, stdin)
}

// csvSpine reads a CSV file with a header; an empty field is NULL.
func csvSpine(path string, stdin io.Reader) (*spine, error) {
	r := stdin
	if path != "-" {
		file, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("entities: %w", err)
		}
		defer file.Close()
		r = file
	}
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("entities %s: %w", path, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("entities %s is empty: it needs a header line naming its columns", path)
	}
	sp := &spine{cols: recs[0], from: path}
	for _, rec := range recs[1:] {
		row := make([]*string, len(rec))
		for i, v := range rec {
			if v != "" {
				row[i] = &rec[i]
			}
		}
		sp.rows = append(sp.rows, row)
	}
	return sp, nil
}

// jsonSpine reads Feast's JSON list of rows; columns are in order of first
// appearance, numbers keep their text.
func jsonSpine(text string) (*spine, error) {
	var objs []json.RawMessage
	if err := json.Unmarshal([]byte(text), &objs); err != nil {
		return nil, usagef("--dataframe is not a JSON list of objects: %v", err)
	}
	sp := &spine{from: "--dataframe"}
	rows := make([]map[string]any, len(objs))
	for i, raw := range objs {
		keys, err := objectKeys(raw)
		if err != nil {
			return nil, usagef("--dataframe row %d is not an object: %v", i+1, err)
		}
		for _, k := range keys {
			if !slices.Contains(sp.cols, k) {
				sp.cols = append(sp.cols, k)
			}
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&rows[i]); err != nil {
			return nil, usagef("--dataframe row %d: %v", i+1, err)
		}
	}
	for _, o := range rows {
		row := make([]*string, len(sp.cols))
		for i, c := range sp.cols {
			if v, ok := o[c]; ok && v != nil {
				s := fmt.Sprint(v)
				row[i] = &s
			}
		}
		sp.rows = append(sp.rows, row)
	}
	return sp, nil
}

// objectKeys returns the keys of a JSON object in their order.
func objectKeys(raw json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("want {…}, got %s", raw)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// entityKey is a join key and its type.
type entityKey struct{ name, typ string }

// historical loads the spine, runs the point-in-time join and streams its
// rows to out.
func historical(ctx context.Context, conn *pgx.Conn, h *historicalFlags, refs []featureRef, sp *spine, out io.Writer) error {
	rel := "features"
	if h.service != "" {
		rel = h.service
	}
	cat, err := readCatalog(ctx, conn)
	if err != nil {
		return err
	}
	if h.service != "" {
		if refs, err = cat.serviceRefs(h.service); err != nil {
			return err
		}
	}
	keys, err := cat.keysOf(refs)
	if err != nil {
		return err
	}
	spineSQL, err := loadSpine(ctx, conn, sp, keys, h.tsColumn)
	if err != nil {
		return err
	}
	sql := historicalSQL(spineSQL, rel, h.tsColumn, keys, refs, outputNames(refs, h.fullNames))
	err = h.stream(ctx, conn, sql, out)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && strings.HasPrefix(pe.Code, "22") && sp.sql == "" {
		if n := firstBadRow(ctx, conn, spineSQL, len(sp.rows)); n > 0 {
			bad := *pe // the server's error, with the row as its hint
			bad.Hint = fmt.Sprintf("the value is in entities row %d (line %d) of %s", n, n+1, sp.from)
			if sp.sql == "" && sp.from == "--dataframe" {
				bad.Hint = fmt.Sprintf("the value is in row %d of --dataframe", n)
			}
			return &bad
		}
	}
	return err
}

// firstBadRow finds, after a data error, the first row of the loaded spine
// whose values its query cannot read (a key that is not a number, a time
// PostgreSQL cannot parse), halving the rows tried each time; 0 when no
// row alone fails.
func firstBadRow(ctx context.Context, conn *pgx.Conn, spineSQL string, n int) int {
	fails := func(lo, hi int) bool {
		_, err := conn.Exec(ctx, spineSQL+" WHERE featuregate_row BETWEEN $1 AND $2", lo, hi)
		return err != nil
	}
	if n == 0 || !fails(1, n) {
		return 0
	}
	lo, hi := 1, n
	for lo < hi {
		if mid := (lo + hi) / 2; fails(lo, mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// historicalSQL is the point-in-time join of the spine query with the
// features of refs, named names.
func historicalSQL(spineSQL, rel, ts string, keys []entityKey, refs []featureRef, names []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "WITH spine AS (\n%s\n)\nSELECT s.*", spineSQL)
	for i, r := range refs {
		fmt.Fprintf(&b, ", f.%s AS %s", catalog.QuoteIdent(r.fullName()), catalog.QuoteIdent(names[i]))
	}
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = catalog.QuoteIdent(k.name)
	}
	fmt.Fprintf(&b, "\nFROM spine s LEFT JOIN %s AS OF s.%s f USING (%s)", catalog.QuoteIdent(rel), catalog.QuoteIdent(ts), strings.Join(quoted, ", "))
	return b.String()
}

// loadSpine returns the spine as a query: the user's, or a cast of the
// rows loaded into a temporary table.
func loadSpine(ctx context.Context, conn *pgx.Conn, sp *spine, keys []entityKey, ts string) (string, error) {
	if sp.sql != "" {
		return sp.sql, nil
	}
	for _, need := range append(keyNames(keys), ts) {
		if !slices.Contains(sp.cols, need) {
			return "", fmt.Errorf("the entities of %s have no column %q: they need the join keys (%s) and the timestamp column (--timestamp-column %s); their columns are %s",
				sp.from, need, strings.Join(keyNames(keys), ", "), ts, strings.Join(sp.cols, ", "))
		}
	}
	defs := make([]string, len(sp.cols))
	casts := make([]string, len(sp.cols))
	for i, c := range sp.cols {
		q := catalog.QuoteIdent(c)
		defs[i] = q + " text"
		casts[i] = q
		if c == ts {
			casts[i] = q + "::timestamptz AS " + q
		} else if j := slices.IndexFunc(keys, func(k entityKey) bool { return k.name == c }); j >= 0 {
			casts[i] = q + "::" + keys[j].typ + " AS " + q
		}
	}
	// featuregate_row numbers the rows, for saying which one holds a bad value.
	if _, err := conn.Exec(ctx, "CREATE TEMPORARY TABLE "+spineTable+" ("+strings.Join(defs, ", ")+", featuregate_row bigint)"); err != nil {
		return "", fmt.Errorf("create the spine's temporary table: %w", err)
	}
	rows := make([][]any, len(sp.rows))
	for i, r := range sp.rows {
		rows[i] = make([]any, len(sp.cols)+1)
		for j := range sp.cols {
			if j < len(r) && r[j] != nil {
				rows[i][j] = *r[j]
			}
		}
		rows[i][len(sp.cols)] = int64(i + 1)
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{spineTable}, append(slices.Clone(sp.cols), "featuregate_row"), pgx.CopyFromRows(rows)); err != nil {
		return "", fmt.Errorf("load the entities of %s: %w", sp.from, err)
	}
	return "SELECT " + strings.Join(casts, ", ") + " FROM " + spineTable, nil
}

func keyNames(keys []entityKey) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.name
	}
	return out
}

// stream writes the training set's rows: into the --output file, as CSV
// with COPY … TO STDOUT relayed by the gateway, or as parquet (a progress
// bar on a terminal); otherwise as streamResult does.
func (h *historicalFlags) stream(ctx context.Context, conn *pgx.Conn, sql string, out io.Writer) error {
	ex, ok := exporters[h.format]
	if !ok || h.output == "" || h.output == "-" {
		return streamResult(ctx, conn, sql, h.format, out)
	}
	w, finish := withProgress(out, h.stderr, h.output)
	defer finish()
	_, err := ex.export(ctx, conn, sql, w)
	return err
}

// streamResult runs sql and writes its rows as they come (CSV), or all at
// the end (table, JSON).
func streamResult(ctx context.Context, conn *pgx.Conn, sql, format string, out io.Writer) error {
	rows, err := conn.Query(ctx, sql, pgx.QueryResultFormats{pgx.TextFormatCode})
	if err != nil {
		return err
	}
	if format != "csv" {
		rs, err := readRows(rows)
		if err != nil {
			return err
		}
		return rs.write(out, format)
	}
	cw := newCSVWriter(out)
	err = eachRow(rows, cw.header, func(vals []*string) error {
		if err := cw.row(vals); err != nil {
			return err
		}
		return nil
	})
	if ferr := cw.flush(); err == nil {
		err = ferr
	}
	return err
}

// projectCatalog is what get-historical-features needs of the project's
// definitions, read with SHOW statements.
type projectCatalog struct {
	viewEntity   map[string]string      // feature view → entity
	viewFeatures map[string][]string    // feature view → features, in order
	entityKeys   map[string][]entityKey // entity → join keys
	services     map[string][]string    // feature service → "view.feature" or "view.*"
	project      string
}

// readCatalog reads the project's views, entities, features and services.
func readCatalog(ctx context.Context, conn *pgx.Conn) (*projectCatalog, error) {
	c := &projectCatalog{viewEntity: map[string]string{}, viewFeatures: map[string][]string{},
		entityKeys: map[string][]entityKey{}, services: map[string][]string{}, project: conn.Config().Database}
	show := func(stmt string, fn func(row []string)) error {
		rs, err := querySimple(ctx, conn, stmt)
		if err != nil {
			return err
		}
		for _, r := range rs.rows {
			vals := make([]string, len(r))
			for i, v := range r {
				if v != nil {
					vals[i] = *v
				}
			}
			fn(vals)
		}
		return nil
	}
	if err := show("SHOW FEATURE VIEWS", func(r []string) { c.viewEntity[r[0]] = r[1] }); err != nil {
		return nil, err
	}
	if err := show("SHOW FEATURES", func(r []string) { c.viewFeatures[r[0]] = append(c.viewFeatures[r[0]], r[1]) }); err != nil {
		return nil, err
	}
	if err := show("SHOW ENTITIES", func(r []string) { c.entityKeys[r[0]] = parseJoinKeys(r[1]) }); err != nil {
		return nil, err
	}
	err := show("SHOW FEATURE SERVICES", func(r []string) { c.services[r[0]] = strings.Split(r[1], ", ") })
	return c, err
}

// parseJoinKeys reads SHOW ENTITIES' join_keys: "driver_id bigint, trip_id
// bigint".
func parseJoinKeys(s string) []entityKey {
	var keys []entityKey
	for _, part := range strings.Split(s, ", ") {
		name, typ, _ := strings.Cut(part, " ")
		keys = append(keys, entityKey{name, typ})
	}
	return keys
}

// serviceRefs lists the features of a feature service (or of a feature
// view given as --service).
func (c *projectCatalog) serviceRefs(name string) ([]featureRef, error) {
	items, ok := c.services[name]
	if !ok {
		if _, isView := c.viewEntity[name]; !isView {
			return nil, fmt.Errorf("feature service %q does not exist in project %q\n  hint: featuregate feature-services list shows them", name, c.project)
		}
		items = []string{name + ".*"}
	}
	var refs []featureRef
	for _, it := range items {
		i := strings.LastIndex(it, ".")
		view, feature := it[:i], it[i+1:]
		if feature != "*" {
			refs = append(refs, featureRef{view, feature})
			continue
		}
		for _, f := range c.viewFeatures[view] {
			refs = append(refs, featureRef{view, f})
		}
	}
	return refs, nil
}

// keysOf returns the join keys of the entities of the views of refs, each
// once, in order.
func (c *projectCatalog) keysOf(refs []featureRef) ([]entityKey, error) {
	var keys []entityKey
	for _, r := range refs {
		ent, ok := c.viewEntity[r.view]
		if !ok {
			return nil, fmt.Errorf("feature view %q does not exist in project %q\n  hint: featuregate feature-views list shows them", r.view, c.project)
		}
		if !slices.Contains(c.viewFeatures[r.view], r.feature) {
			return nil, fmt.Errorf("feature view %q has no feature %q\n  hint: featuregate features list --view %s shows them", r.view, r.feature, r.view)
		}
		for _, k := range c.entityKeys[ent] {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	return keys, nil
}
