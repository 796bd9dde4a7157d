// Package planner classifies the statements a client sends and decides how
// each one runs: forwarded unchanged to the offline PostgreSQL, or refused
// with an error the user can act on. Statements are inspected with
// PostgreSQL's own grammar (pg_query); the original text is what is
// forwarded, never a re-printed tree.
package planner

import (
	"context"
	"sync"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// Session is what the planner needs to know about the session a statement
// comes from.
type Session struct {
	User     string // the user the client authenticated as
	Database string // the database name the client asked for (the project)
	// ReadOnly sessions read the offline store through a role without write
	// privileges; the planner refuses the statements that could leave it.
	ReadOnly bool
}

// Statement is one statement of a query string and how it runs.
type Statement struct {
	// SQL is the statement's own text, as the client wrote it.
	SQL string
	// Refusal, when not nil, says why the statement must not run.
	Refusal error
	// Listen is set for LISTEN: from then on the offline store may send
	// notifications at any time, which the session must relay.
	Listen bool
}

// Plan is the outcome of planning one query string.
type Plan struct {
	// Text is the whole query string.
	Text string
	// Statements are its statements in order; none for an empty query.
	Statements []Statement
}

// Refusal returns the first statement's refusal, or nil when every
// statement may run.
func (p *Plan) Refusal() error {
	for _, s := range p.Statements {
		if s.Refusal != nil {
			return s.Refusal
		}
	}
	return nil
}

// Listens reports whether any statement is a LISTEN.
func (p *Plan) Listens() bool {
	for _, s := range p.Statements {
		if s.Listen {
			return true
		}
	}
	return false
}

// Planner plans query strings. It is safe for concurrent use.
type Planner struct {
	cache planCache
}

// New returns a Planner.
func New() *Planner {
	return &Planner{cache: planCache{max: 4096}}
}

// Plan splits sql into statements and decides how each runs. A string that
// PostgreSQL's grammar rejects is forwarded whole, so that the offline
// PostgreSQL reports the syntax error with its exact message and position.
func (p *Planner) Plan(_ context.Context, s Session, sql string) (*Plan, error) {
	key := cacheKey{readOnly: s.ReadOnly, sql: sql}
	if plan, ok := p.cache.get(key); ok {
		return plan, nil
	}
	plan := plan(s, sql)
	p.cache.put(key, plan)
	return plan, nil
}

func plan(s Session, sql string) *Plan {
	tree, err := pg_query.Parse(sql)
	if err != nil {
		return &Plan{Text: sql, Statements: []Statement{{SQL: sql}}}
	}
	plan := &Plan{Text: sql}
	for _, raw := range tree.Stmts {
		st := Statement{SQL: statementText(sql, raw), Listen: raw.Stmt.GetListenStmt() != nil}
		if s.ReadOnly {
			st.Refusal = guardReadOnly(raw.Stmt)
		}
		plan.Statements = append(plan.Statements, st)
	}
	return plan
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
	sql      string
}

// planCache keeps recent plans, since drivers send the same text again and
// again. Plans are immutable once made. When full it starts afresh: simple,
// bounded, and good enough for a working set of repeated statements.
type planCache struct {
	mu    sync.Mutex
	max   int
	plans map[cacheKey]*Plan
}

func (c *planCache) get(k cacheKey) (*Plan, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.plans[k]
	return p, ok
}

func (c *planCache) put(k cacheKey, p *Plan) {
	if len(k.sql) > 8192 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.plans == nil || len(c.plans) >= c.max {
		c.plans = make(map[cacheKey]*Plan, c.max)
	}
	c.plans[k] = p
}
