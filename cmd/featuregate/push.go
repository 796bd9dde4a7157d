package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/featuregate/featuregate/pit"
)

const pushLong = `Push rows straight to the online store (and, for a push source, to its table on
the offline store), as Feast's "feast push" / store.push do.

SOURCE_OR_VIEW is a feature view, written online with
  COPY <view> (columns) FROM STDIN (FORMAT csv)
or a source (a push source): with --to online every ONLINE feature view over
it is written with the columns it has; with --to offline the rows are copied into
the source's table as your user (COPY <table> FROM STDIN, with your privileges);
online_and_offline writes offline first, then online. The rows come from --file
(or stdin, "-"): CSV with a header line, or JSON lines ({"column": value, …} per
line). The columns are the join keys, event_timestamp (or the source's timestamp
column), the features and optionally created_timestamp. Newer values win; rows
that break a CHECK rule are counted and not served.

` + gatewayHelp

// newPushCmd is featuregate push.
func newPushCmd(g *globalFlags) *cobra.Command {
	var f gatewayFlags
	var file, format, to string
	cmd := &cobra.Command{
		Use:   "push SOURCE_OR_VIEW [--file F|-] [--format csv|jsonl] [--to online|offline|online_and_offline]",
		Short: "Push rows to the online (and offline) store",
		Long:  pushLong,
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "csv" && format != "jsonl" {
				return usagef("--format is csv or jsonl, not %q", format)
			}
			if to != "online" && to != "offline" && to != "online_and_offline" {
				return usagef("--to is online, offline or online_and_offline, not %q", to)
			}
			in, closeIn, err := openInput(file, cmd.InOrStdin())
			if err != nil {
				return err
			}
			defer closeIn()
			cols, rows, err := readPushRows(in, format)
			if err != nil {
				return err
			}
			return f.session(cmd, g, func(conn *pgx.Conn) error {
				return runPush(cmd.Context(), conn, cmd.OutOrStdout(), args[0], to, cols, rows)
			})
		},
	}
	f.add(cmd)
	cmd.Flags().StringVarP(&file, "file", "f", "-", `file of rows ("-": stdin)`)
	cmd.Flags().StringVar(&format, "format", "csv", "csv (with a header line) or jsonl (one JSON object per line)")
	cmd.Flags().StringVar(&to, "to", "online", "online, offline or online_and_offline")
	return cmd
}

// openInput opens the file of rows, "-" for stdin.
func openInput(file string, stdin io.Reader) (io.Reader, func(), error) {
	if file == "-" || file == "" {
		return stdin, func() {}, nil
	}
	fh, err := os.Open(file)
	if err != nil {
		return nil, nil, err
	}
	return fh, func() { fh.Close() }, nil
}

// readPushRows reads the columns and rows of the input; nil is NULL (an
// empty CSV field, a JSON null or a missing member).
func readPushRows(in io.Reader, format string) ([]string, [][]*string, error) {
	if format == "csv" {
		recs, err := csv.NewReader(in).ReadAll()
		if err != nil {
			return nil, nil, fmt.Errorf("read CSV: %w", err)
		}
		if len(recs) == 0 {
			return nil, nil, fmt.Errorf("read CSV: no header line")
		}
		rows := make([][]*string, len(recs)-1)
		for i, rec := range recs[1:] {
			rows[i] = make([]*string, len(rec))
			for j, v := range rec {
				if v != "" {
					rows[i][j] = &rec[j]
				}
			}
		}
		return recs[0], rows, nil
	}
	return readJSONLines(in)
}

// readJSONLines reads one JSON object per line; the columns are the
// members, in the order they first appear.
func readJSONLines(in io.Reader) ([]string, [][]*string, error) {
	var cols []string
	var objs []map[string]json.RawMessage
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		var keys []string
		obj := map[string]json.RawMessage{}
		if err := dec.Decode(&obj); err != nil {
			return nil, nil, fmt.Errorf("line %d: %w", n, err)
		}
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if !slices.Contains(cols, k) {
				cols = append(cols, k)
			}
		}
		objs = append(objs, obj)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	rows := make([][]*string, len(objs))
	for i, o := range objs {
		rows[i] = make([]*string, len(cols))
		for j, c := range cols {
			raw, ok := o[c]
			if !ok || string(raw) == "null" {
				continue
			}
			var s string
			if json.Unmarshal(raw, &s) != nil {
				s = string(raw)
			}
			rows[i][j] = &s
		}
	}
	return cols, rows, nil
}

// pushTarget is what a push writes: the views online (with the columns
// each takes), and the table offline.
type pushTarget struct {
	views  map[string][]string // view -> the input columns it takes
	order  []string
	source string
	table  string // "" for a view or a query source
	ts     string // the source's timestamp and created columns
	cr     string
}

// runPush copies the rows to the target.
func runPush(ctx context.Context, conn *pgx.Conn, out io.Writer, name, to string, cols []string, rows [][]*string) error {
	t, err := resolvePush(ctx, conn, name, cols)
	if err != nil {
		return err
	}
	if t.table == "" && to != "online" && len(t.order) == 1 && t.order[0] == name {
		return usagef("%s is a feature view: it is written online only (push to its source for offline)", name)
	}
	if to != "online" {
		if t.table == "" {
			return fmt.Errorf("source %s is a query, not a table: push --to online", name)
		}
		off := make([]string, len(cols))
		for i, c := range cols {
			switch c {
			case "event_timestamp":
				c = t.ts
			case "created_timestamp":
				c = t.cr
			}
			off[i] = pit.Ident(c)
		}
		n, err := copyRows(ctx, conn, fmt.Sprintf("COPY %s (%s) FROM STDIN (FORMAT csv)", t.table, strings.Join(off, ", ")), cols, cols, rows)
		if err != nil {
			return fmt.Errorf("push offline into %s: %w", t.table, err)
		}
		fmt.Fprintf(out, "offline %s: %d rows\n", t.table, n)
	}
	if to == "offline" {
		return nil
	}
	for _, v := range t.order {
		vc := t.views[v]
		quoted := make([]string, len(vc))
		for i, c := range vc {
			quoted[i] = pit.Ident(c)
		}
		n, err := copyRows(ctx, conn, fmt.Sprintf("COPY %s (%s) FROM STDIN (FORMAT csv)", pit.Ident(v), strings.Join(quoted, ", ")), cols, vc, rows)
		if err != nil {
			if to == "online_and_offline" {
				return fmt.Errorf("the rows are written offline, but not online into %s (push them again --to online): %w", v, err)
			}
			return fmt.Errorf("push into %s: %w", v, err)
		}
		fmt.Fprintf(out, "online %s: %d rows written\n", v, n)
	}
	return nil
}

// copyRows copies the columns want of rows (whose columns are cols) as
// CSV with sql and returns the rows the command tag counts.
func copyRows(ctx context.Context, conn *pgx.Conn, sql string, cols, want []string, rows [][]*string) (int64, error) {
	idx := make([]int, len(want))
	for i, c := range want {
		idx[i] = slices.Index(cols, c)
	}
	var buf bytes.Buffer
	for _, r := range rows {
		for i, j := range idx {
			if i > 0 {
				buf.WriteByte(',')
			}
			if j >= 0 && j < len(r) && r[j] != nil {
				writeCSVField(&buf, *r[j])
			}
		}
		buf.WriteByte('\n')
	}
	tag, err := conn.PgConn().CopyFrom(ctx, &buf, sql)
	return tag.RowsAffected(), err
}

// writeCSVField writes a value of COPY's CSV format: quoted when it is
// empty (an unquoted empty field is NULL) or holds a special character.
func writeCSVField(buf *bytes.Buffer, v string) {
	if v != "" && !strings.ContainsAny(v, ",\"\r\n") {
		buf.WriteString(v)
		return
	}
	buf.WriteString(`"` + strings.ReplaceAll(v, `"`, `""`) + `"`)
}

// resolvePush finds what name is: a feature view, or a source and the
// online views over it, with the input columns each view takes.
func resolvePush(ctx context.Context, conn *pgx.Conn, name string, cols []string) (*pushTarget, error) {
	views, err := showRows(ctx, conn, "SHOW FEATURE VIEWS")
	if err != nil {
		return nil, err
	}
	for _, v := range views {
		if v[0] == name {
			return &pushTarget{views: map[string][]string{name: cols}, order: []string{name}}, nil
		}
	}
	sources, err := showRows(ctx, conn, "SHOW SOURCES")
	if err != nil {
		return nil, err
	}
	var t *pushTarget
	for _, s := range sources {
		if s[0] == name {
			t = &pushTarget{views: map[string][]string{}, source: name, ts: s[1], cr: s[2]}
			t.table, _ = strings.CutPrefix(s[3], "TABLE ")
			if t.table == s[3] {
				t.table = ""
			}
		}
	}
	if t == nil {
		return nil, fmt.Errorf("%q is neither a feature view nor a source of the project (SHOW FEATURE VIEWS, SHOW SOURCES)", name)
	}
	return t, t.addViews(ctx, conn, views, cols)
}

// addViews adds the online views over the source, each with the input
// columns it has.
func (t *pushTarget) addViews(ctx context.Context, conn *pgx.Conn, views [][]string, cols []string) error {
	feats, err := showRows(ctx, conn, "SHOW FEATURES")
	if err != nil {
		return err
	}
	ents, err := showRows(ctx, conn, "SHOW ENTITIES")
	if err != nil {
		return err
	}
	for _, v := range views { // name, entity, source, features, ttl, online
		if v[2] == t.source && (v[5] == "t" || v[5] == "true") {
			have := map[string]bool{"event_timestamp": true, "created_timestamp": true, t.ts: true, t.cr: true}
			for _, e := range ents {
				if e[0] == v[1] {
					for _, k := range strings.Split(e[1], ", ") {
						have[strings.Fields(k)[0]] = true
					}
				}
			}
			for _, f := range feats {
				if f[0] == v[0] {
					have[f[1]] = true
				}
			}
			var vc []string
			for _, c := range cols {
				if have[c] {
					vc = append(vc, c)
				}
			}
			t.views[v[0]], t.order = vc, append(t.order, v[0])
		}
	}
	return nil
}

// showRows runs a SHOW statement and returns its rows as text, NULL as "".
func showRows(ctx context.Context, conn *pgx.Conn, sql string) ([][]string, error) {
	rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		raw := rows.RawValues()
		rec := make([]string, len(raw))
		for i, b := range raw {
			rec[i] = string(b)
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}
