package planner

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/catalog/ddl"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/access"
	"github.com/featuregate/featuregate/planner/asof"
	"github.com/featuregate/featuregate/planner/catalogview"
	"github.com/featuregate/featuregate/planner/exec"
	"github.com/featuregate/featuregate/planner/internal/pgtree"
	"github.com/featuregate/featuregate/planner/lookup"
)

// Planner plans query strings. It is safe for concurrent use.
type Planner struct {
	cache     planCache[*plan.Plan]
	templates planCache[*lookup.Template] // lookups of query strings with constants, by their template
	catalogs  *catalogview.Cache
	reg       Registry
	opts      options
	columns   asof.TableColumns
	lookups   *lookup.Reader
	env       *exec.Env
}

// columnsFunc reads the columns of offline tables, for ordering spines;
// nil without an offline pool.
func (p *Planner) columnsFunc(ctx context.Context) func(string) []string {
	if p.opts.offline == nil {
		return nil
	}
	return func(table string) []string { return p.columns.Get(ctx, p.opts.offline, table) }
}

// New returns a Planner whose feature statements use reg; with a nil reg
// they are refused.
func New(reg Registry, opts ...Option) *Planner {
	p := &Planner{cache: planCache[*plan.Plan]{max: 4096}, templates: planCache[*lookup.Template]{max: 1024}, catalogs: catalogview.NewCache(reg), reg: reg}
	for _, o := range opts {
		o(&p.opts)
	}
	p.lookups = &lookup.Reader{Catalogs: p.catalogs, Online: p.opts.online, Now: p.opts.now, MaxKeys: p.opts.maxKeys}
	p.env = &exec.Env{Registry: reg, Online: p.opts.online, Offline: p.opts.offline, Log: p.opts.log, Now: p.opts.now,
		Invalidate: p.catalogs.Invalidate, Files: p.opts.files, Streams: p.opts.streams}
	if c := p.opts.connect; c != nil {
		p.env.Connect = func(ctx context.Context, s plan.Session) (*pgx.Conn, error) {
			return c(ctx, s.User, p.UpstreamParams(s, nil))
		}
	}
	if d, ok := reg.(exec.Datasets); ok {
		p.env.Datasets = d
	}
	return p
}

// Open checks that session s may open its project: one the user is bound
// to, and one that exists (administrators may open a new one, to create
// it).
func (p *Planner) Open(ctx context.Context, s plan.Session) error {
	if p.reg == nil || s.Database == "" {
		return nil
	}
	if s.Database == p.opts.project || p.knownProject(ctx, s.Database) {
		return access.Open(ctx, nil, s.Who(), s.Database, true) // exists: the binding alone decides
	}
	return access.Open(ctx, p.reg, s.Who(), s.Database, true)
}

// knownProject reports whether the catalog cache holds definitions of
// project, which then exists: no need to ask the registry (the cache
// checks its version at most once a second).
func (p *Planner) knownProject(ctx context.Context, project string) bool {
	cv, err := p.catalogs.View(ctx, project)
	return err == nil && cv != nil && cv.Snapshot().Version > 0
}

// Lookup reads the latest values of features for entity keys from the
// online store, one result row per requested key, in request order.
func (p *Planner) Lookup(ctx context.Context, req plan.LookupRequest) (*plan.LookupResult, error) {
	if p.reg != nil && req.Project != "" {
		reg := access.Projects(p.reg)
		if req.Project == p.opts.project || p.knownProject(ctx, req.Project) {
			reg = nil
		}
		if err := access.Open(ctx, reg, req.Who, req.Project, false); err != nil {
			return nil, err
		}
	}
	return p.lookups.Lookup(ctx, req)
}

// Plan splits sql into statements and decides how each runs. A string that
// PostgreSQL's grammar rejects is forwarded whole, so that the offline
// PostgreSQL reports the syntax error with its exact message and position.
func (p *Planner) Plan(ctx context.Context, s plan.Session, sql string) (*plan.Plan, error) {
	cv, err := p.catalogs.View(ctx, s.Database)
	if err != nil && !quickForward(sql, nil) {
		return nil, err // plain SQL still goes upstream, which reports its own state
	}
	if quickForward(sql, cv.RelationWords()) {
		return &plan.Plan{Text: sql, Statements: []plan.Statement{{SQL: sql}}}, nil
	}
	// Plans are checked against the user's permissions: a cached plan is
	// the user's own.
	key := cacheKey{readOnly: s.ReadOnly, user: s.User, project: s.Database, gen: cv.Generation(), sql: sql}
	if pl, ok := p.cache.get(key); ok {
		return pl, nil
	}
	tpl, lits, templated := templateOf(sql)
	tkey := key
	tkey.sql = tpl
	if templated {
		if t, ok := p.templates.get(tkey); ok && t != nil {
			return &plan.Plan{Text: sql, Statements: []plan.Statement{t.Bind(sql, lits)}}, nil
		}
	}
	pl := p.plan(ctx, s, cv, sql)
	if pl.Forwardable() {
		p.cache.put(key, pl) // local statements are bound to their session
	}
	if templated && isLookup(pl) {
		if _, known := p.templates.get(tkey); !known {
			t, _ := p.lookups.Template(cv, s.Who(), tpl, len(lits))
			p.templates.put(tkey, t) // nil: strings of this shape take the full parse
		}
	}
	return pl, nil
}

// isLookup reports whether pl is one key lookup that may run.
func isLookup(pl *plan.Plan) bool {
	return len(pl.Statements) == 1 && pl.Statements[0].Local != nil && pl.Statements[0].Refusal == nil &&
		pl.Statements[0].Command == "SELECT"
}

// plan parses sql with PostgreSQL's grammar. Text it rejects may hold
// featuregate's own statements or point-in-time clauses; if it does not,
// it is forwarded whole so that PostgreSQL reports the syntax error.
func (p *Planner) plan(ctx context.Context, s plan.Session, cv *catalogview.View, sql string) *plan.Plan {
	pl, parsed := p.planParsed(ctx, s, cv, sql)
	if parsed {
		return pl
	}
	if pl, ok := p.planPieces(ctx, s, cv, sql); ok {
		return pl
	}
	return &plan.Plan{Text: sql, Statements: []plan.Statement{{SQL: sql}}}
}

// planParsed plans sql if PostgreSQL's grammar accepts it, and reports
// whether it did.
func (p *Planner) planParsed(ctx context.Context, s plan.Session, cv *catalogview.View, sql string) (*plan.Plan, bool) {
	tree, err := pg_query.Parse(sql)
	if err != nil {
		return nil, false
	}
	pl := &plan.Plan{Text: sql}
	var rewritten strings.Builder // the query string, with one-time reads rewritten
	last, changed := 0, false
	for _, raw := range tree.Stmts {
		text := statementText(sql, raw)
		if raw.Stmt.GetVariableShowStmt() != nil { // SHOW ENTITIES and the like
			if d, ok, err := ddl.Parse(text); ok {
				pl.Statements = append(pl.Statements, p.ddlOrError(ctx, s, cv, text, d, err, pgtree.CharOffset(sql, int(raw.StmtLocation))))
				continue
			}
		}
		if st, ok := p.copyStatement(s, cv, raw.Stmt, text); ok {
			pl.Statements = append(pl.Statements, st)
			continue
		}
		if st, ok := p.pushStatement(s, cv, raw.Stmt, text); ok {
			pl.Statements = append(pl.Statements, st)
			continue
		}
		if st, ok := p.wrappedLookup(cv, s, raw.Stmt, text); ok {
			pl.Statements = append(pl.Statements, st)
			continue
		}
		if st, ok := p.lookups.Statement(cv, s.Who(), raw.Stmt, text); ok {
			loc := int(raw.StmtLocation)
			if ot, ok := p.oneTime(ctx, s, cv, raw.Stmt, text, loc, pgtree.CharOffset(sql, loc), st.Refusal); ok {
				rewritten.WriteString(sql[last:loc] + ot.SQL)
				last, changed, st = loc+len(text), true, ot
			}
			if st.Refusal == nil {
				st.Refusal = checkDatasetReads(cv, s, raw.Stmt)
			}
			pl.Statements = append(pl.Statements, st)
			continue
		}
		st := plan.Statement{SQL: text, Listen: raw.Stmt.GetListenStmt() != nil}
		if d := raw.Stmt.GetDeallocateStmt(); d != nil {
			st.Deallocate, st.DeallocateAll = d.Name, d.Isall
		}
		if d := raw.Stmt.GetDiscardStmt(); d != nil && d.Target == pg_query.DiscardMode_DISCARD_ALL {
			st.DeallocateAll = true
		}
		st.Refusal = checkDatasetReads(cv, s, raw.Stmt)
		st.Txn, st.Command = txnOf(raw.Stmt.GetTransactionStmt())
		st.Savepoint = savepointOf(raw.Stmt.GetTransactionStmt())
		st.CursorOp, st.Execute = cursorOpOf(raw.Stmt), executeOf(raw.Stmt)
		if s.ReadOnly && st.Refusal == nil {
			st.Refusal = guardReadOnly(raw.Stmt)
			if temp, notice, ok := readOnlyTemp(raw.Stmt, text); ok && st.Refusal == nil {
				loc := int(raw.StmtLocation)
				rewritten.WriteString(sql[last:loc] + temp)
				last, changed = loc+len(text), true
				st.SQL, st.Notices = temp, append(st.Notices, notice)
			}
		}
		pl.Statements = append(pl.Statements, st)
	}
	if changed {
		rewritten.WriteString(sql[last:])
		pl.Text = rewritten.String()
	}
	return pl, true
}

// planPieces splits sql at its semicolons with PostgreSQL's scanner and
// plans each piece. It reports false when no piece is a featuregate
// statement.
func (p *Planner) planPieces(ctx context.Context, s plan.Session, cv *catalogview.View, sql string) (*plan.Plan, bool) {
	pieces, err := ddl.SplitStatements(sql)
	if err != nil {
		return nil, false
	}
	pl := &plan.Plan{Text: sql}
	found := false
	var text strings.Builder // the rewritten query string
	last := 0
	for _, pc := range pieces {
		text.WriteString(sql[last:pc.Start])
		last = pc.Start + len(pc.Text)
		d, ok, err := ddl.Parse(pc.Text)
		if ok {
			found = true
			pl.Statements = append(pl.Statements, p.ddlOrError(ctx, s, cv, pc.Text, d, err, pgtree.CharOffset(sql, pc.Start)))
			text.WriteString(pc.Text)
			continue
		}
		st, ok := p.planAsOf(ctx, s, cv, pc.Text, pgtree.CharOffset(sql, pc.Start))
		if ok {
			found = true
			pl.Statements = append(pl.Statements, st)
			text.WriteString(st.SQL)
			continue
		}
		text.WriteString(pc.Text)
		if sub, parsed := p.planParsed(ctx, s, cv, pc.Text); parsed {
			pl.Statements = append(pl.Statements, sub.Statements...)
		} else { // PostgreSQL reports the syntax error
			pl.Statements = append(pl.Statements, plan.Statement{SQL: pc.Text})
		}
	}
	text.WriteString(sql[last:])
	pl.Text = text.String()
	return pl, found
}

// pushAsOf plans an INSERT into a feature view whose SELECT reads AS OF,
// once its AS OF clauses are rewritten (sql).
func (p *Planner) pushAsOf(s plan.Session, cv *catalogview.View, sql string) (plan.Statement, bool) {
	tree, err := pg_query.Parse(sql)
	if err != nil || len(tree.Stmts) != 1 {
		return plan.Statement{}, false
	}
	return p.pushStatement(s, cv, tree.Stmts[0].Stmt, sql)
}

// planAsOf plans a statement with point-in-time clauses, and reports false
// when it has none.
func (p *Planner) planAsOf(ctx context.Context, s plan.Session, cv *catalogview.View, text string, offset int) (plan.Statement, bool) {
	if cv == nil {
		return plan.Statement{}, false
	}
	res, found, err := asof.Rewrite(cv, text, p.columnsFunc(ctx))
	if !found {
		return plan.Statement{}, false
	}
	if err == nil {
		err = access.Check(cv.Snapshot(), s.Who(), catalog.ActionReadOffline, catalog.KindFeatureView, res.Views...)
	}
	if err != nil {
		var fe *featuregate.Error
		if errors.As(err, &fe) && fe.Position > 0 {
			fe.Position += offset
		}
		return plan.Statement{SQL: text, Refusal: err}, true
	}
	if st, ok := p.pushAsOf(s, cv, res.SQL); ok {
		return st, true
	}
	st := plan.Statement{SQL: res.SQL}
	if isExplain(res.SQL) {
		st.Notices = res.Notices
	}
	if s.ReadOnly || len(cv.Snapshot().Datasets) > 0 {
		if tree, err := pg_query.Parse(res.SQL); err == nil && len(tree.Stmts) == 1 {
			st.Refusal = checkDatasetReads(cv, s, tree.Stmts[0].Stmt)
			if s.ReadOnly && st.Refusal == nil {
				st.Refusal = guardReadOnly(tree.Stmts[0].Stmt)
			}
		}
	}
	return st, true
}

// isExplain reports whether sql is an EXPLAIN.
func isExplain(sql string) bool {
	f := strings.Fields(sql)
	return len(f) > 0 && strings.EqualFold(f[0], "explain")
}

// ddlOrError makes the statement for a parsed featuregate statement, or
// one refused with the parse error, its position moved to the whole string.
func (p *Planner) ddlOrError(ctx context.Context, s plan.Session, cv *catalogview.View, text string, d ddl.Statement, err error, offset int) plan.Statement {
	if err != nil {
		var fe *featuregate.Error
		if errors.As(err, &fe) && fe.Position > 0 {
			fe.Position += offset
		}
		return plan.Statement{SQL: text, Refusal: err}
	}
	if st, ok := p.datasetStatement(ctx, s, cv, text, d, offset); ok {
		return st
	}
	if err := authorize(access.ViewOf(cv), s, d); err != nil {
		return plan.Statement{SQL: text, Refusal: err}
	}
	return p.ddlStatement(s, text, d)
}

// statementText cuts one statement out of the query string. pg_query gives
// byte offsets; a length of 0 means "to the end".
func statementText(sql string, raw *pg_query.RawStmt) string {
	start := int(raw.StmtLocation)
	end := len(sql)
	if raw.StmtLen > 0 {
		end = start + int(raw.StmtLen)
	}
	if start < 0 || start > end || end > len(sql) {
		return sql
	}
	return sql[start:end]
}

type cacheKey struct {
	readOnly bool
	user     string // the plan passed the user's permission checks
	project  string
	gen      uint64 // the catalog's generation: plans of AS OF depend on it
	sql      string
}

// planCache keeps recent plans (or lookup templates), since drivers send
// the same text again and again. Plans are immutable once made. When full
// it starts afresh: simple, bounded, and good enough for a working set of
// repeated statements.
type planCache[V any] struct {
	mu    sync.Mutex
	max   int
	plans map[cacheKey]V
}

func (c *planCache[V]) get(k cacheKey) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.plans[k]
	return p, ok
}

func (c *planCache[V]) put(k cacheKey, p V) {
	if len(k.sql) > 8192 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.plans == nil || len(c.plans) >= c.max {
		c.plans = make(map[cacheKey]V, c.max)
	}
	c.plans[k] = p
}

// savepointOf tells which savepoint statement t is, if any.
func savepointOf(t *pg_query.TransactionStmt) *plan.Savepoint {
	if t == nil {
		return nil
	}
	switch t.Kind {
	case pg_query.TransactionStmtKind_TRANS_STMT_SAVEPOINT:
		return &plan.Savepoint{Op: plan.SavepointDefine, Name: t.SavepointName}
	case pg_query.TransactionStmtKind_TRANS_STMT_RELEASE:
		return &plan.Savepoint{Op: plan.SavepointRelease, Name: t.SavepointName}
	case pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO:
		return &plan.Savepoint{Op: plan.SavepointRollbackTo, Name: t.SavepointName}
	}
	return nil
}

// txnOf tells which transaction control statement t is, if any a front end
// may answer itself, and its command tag when it opens a block.
func txnOf(t *pg_query.TransactionStmt) (plan.Txn, string) {
	if t == nil || t.Chain {
		return plan.TxnNone, ""
	}
	switch t.Kind {
	case pg_query.TransactionStmtKind_TRANS_STMT_BEGIN:
		return plan.TxnBegin, "BEGIN"
	case pg_query.TransactionStmtKind_TRANS_STMT_START:
		return plan.TxnBegin, "START TRANSACTION"
	case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT:
		return plan.TxnCommit, "COMMIT"
	case pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK:
		return plan.TxnRollback, "ROLLBACK"
	}
	return plan.TxnNone, ""
}
