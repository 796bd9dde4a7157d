package asof

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/featuregate/featuregate/pit"
	"github.com/featuregate/featuregate/planner/internal/pgtree"
)

// A per-row AS OF join probes each view once per spine row. When the spine
// comes in (keys, time) order, consecutive probes read neighbouring index
// pages, which on a large spine is several times faster than the table's
// own order (internal/bench BenchmarkAsOf). So when the spine is a plain
// table of the query, named by the qualifier of the AS OF time (s in
// `AS OF s.as_of`), and that table has the join keys and the time column,
// its FROM item is read as (SELECT * FROM table ORDER BY keys, time). The
// rows and columns are the same; only their order changes, which SQL
// leaves unspecified without a final ORDER BY.

// edit replaces sql[start:end] with text.
type edit struct {
	start, end int
	text       string
}

// applyEdits applies non-overlapping edits in order of start.
func applyEdits(sql string, edits []edit) string {
	slices.SortFunc(edits, func(a, b edit) int { return a.start - b.start })
	var b strings.Builder
	last := 0
	for _, e := range edits {
		b.WriteString(sql[last:e.start])
		b.WriteString(e.text)
		last = e.end
	}
	b.WriteString(sql[last:])
	return b.String()
}

// spineWant is what a per-row clause would like its spine sorted by.
type spineWant struct {
	alias string   // the spine's alias, from the time's qualifier
	cols  []string // the keys, then the time column
}

// spineOrder returns the edit that sorts the spine of want, or false when
// the spine is not a plain table whose columns columns() can confirm.
// tree is the parse of sql with the clauses replaced by placeholders,
// which leaves the text before the first clause (before) unchanged.
func spineOrder(sql string, tree *pg_query.ParseResult, before int, want spineWant, columns func(string) []string) (edit, bool) {
	rv, ctes := spineTable(tree, want.alias)
	if rv == nil || columns == nil || ctes[rv.Relname] {
		return edit{}, false
	}
	table := pit.Ident(rv.Relname)
	if rv.Schemaname != "" {
		table = pit.Ident(rv.Schemaname) + "." + table
	}
	have := columns(table)
	for _, c := range want.cols {
		if !slices.Contains(have, c) {
			return edit{}, false
		}
	}
	start, end, ok := rangeVarSpan(sql, int(rv.Location), want.alias, rv.Alias != nil)
	if !ok || end > before {
		return edit{}, false
	}
	return edit{start: start, end: end, text: "(SELECT * FROM " + table + " ORDER BY " +
		strings.Join(quoteAll(want.cols), ", ") + ") AS " + pit.Ident(want.alias)}, true
}

// spineTable finds the one table of the query called or aliased alias,
// and the names of the query's CTEs.
func spineTable(tree *pg_query.ParseResult, alias string) (*pg_query.RangeVar, map[string]bool) {
	var found []*pg_query.RangeVar
	ctes := map[string]bool{}
	pgtree.Walk(tree.ProtoReflect(), func(m protoreflect.Message) bool {
		switch n := m.Interface().(type) {
		case *pg_query.CommonTableExpr:
			ctes[n.Ctename] = true
		case *pg_query.RangeVar:
			name := n.Relname
			if n.Alias != nil {
				name = n.Alias.Aliasname
			}
			if name == alias && n.Inh {
				found = append(found, n)
			}
		}
		return true
	})
	if len(found) != 1 {
		return nil, ctes
	}
	return found[0], ctes
}

// rangeVarSpan returns the byte span of a FROM item `[schema.]name [[AS]
// alias]` that starts at start.
func rangeVarSpan(sql string, start int, alias string, hasAlias bool) (int, int, bool) {
	res, err := pg_query.Scan(sql[start:])
	if err != nil {
		return 0, 0, false
	}
	sc := &scanner{sql: sql[start:], toks: res.Tokens}
	i := 0
	if sc.is(1, pg_query.Token_ASCII_46) { // schema.name
		i = 2
	}
	if hasAlias {
		i++
		if sc.is(i, pg_query.Token_AS) {
			i++
		}
	}
	name, ok := sc.identName(i)
	if !ok || name != alias {
		return 0, 0, false
	}
	return start, start + int(sc.toks[i].End), true
}

// timeColumn returns q and col when expr is the column reference q.col.
func timeColumn(expr string) (q, col string, ok bool) {
	tree, err := pg_query.Parse("SELECT " + expr)
	if err != nil || len(tree.Stmts) != 1 {
		return "", "", false
	}
	t := tree.Stmts[0].Stmt.GetSelectStmt().GetTargetList()
	if len(t) != 1 {
		return "", "", false
	}
	f := refFields(t[0].GetResTarget().GetVal())
	if len(f) != 2 {
		return "", "", false
	}
	return f[0], f[1], true
}

// Querier runs a query on the offline PostgreSQL; *pgxpool.Pool
// implements it.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// TableColumns reads and caches the columns of offline tables, for the
// columns function of Rewrite, which orders spines by them. A table it
// cannot see (a client's temporary table, a view it may not read) has
// none, and its spine is left as it is. The zero value is ready to use.
type TableColumns struct {
	mu    sync.Mutex
	cache map[string]cachedColumns
}

// cachedColumns are a table's columns as read at a time; they are read
// again after columnsTTL, so a table altered since is seen soon.
type cachedColumns struct {
	cols []string
	at   time.Time
}

const columnsTTL = 10 * time.Second

// Get returns the columns of table, read with q at most every columnsTTL.
func (tc *TableColumns) Get(ctx context.Context, q Querier, table string) []string {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if c, ok := tc.cache[table]; ok && time.Since(c.at) < columnsTTL {
		return c.cols
	}
	if tc.cache == nil || len(tc.cache) > 1024 {
		tc.cache = map[string]cachedColumns{}
	}
	var cols []string
	rows, err := q.Query(ctx, `SELECT attname::text FROM pg_attribute
		WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped`, table)
	if err == nil {
		for rows.Next() {
			var c string
			if rows.Scan(&c) == nil {
				cols = append(cols, c)
			}
		}
		rows.Close()
		if rows.Err() != nil {
			return nil // not cached: try again next time
		}
	}
	tc.cache[table] = cachedColumns{cols: cols, at: time.Now()}
	return cols
}
