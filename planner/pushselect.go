package planner

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/exec"
	"github.com/featuregate/featuregate/planner/internal/pgtree"
)

// INSERT INTO <feature view> (columns) SELECT … pushes the rows of a
// query: the SELECT runs on the offline PostgreSQL as the session's own
// role, in a read-only transaction (so it reads what the user may read,
// and nothing else), its rows come back in PostgreSQL's text format and
// are pushed as the rows of VALUES are. AS OF in the SELECT is rewritten
// first, as in any statement. The rows are held in memory until they are
// written, so a push of more than maxSelectPush rows is refused: such
// rows are offline already, and MATERIALIZE writes them in batches.

// maxSelectPush is the most rows one INSERT … SELECT pushes.
const maxSelectPush = 1 << 20

// pushSelect runs an INSERT … SELECT into a feature view.
type pushSelect struct {
	env     *exec.Env
	session plan.Session
	target  *exec.PushTarget
	slots   []int
	query   string // the SELECT, as the offline store runs it
}

// selectPush plans the SELECT of ins for the columns slots of t.
func (p *Planner) selectPush(s plan.Session, t *exec.PushTarget, ins *pg_query.InsertStmt, slots []int) (*pushSelect, error) {
	name := t.View.Name
	if p.env.Connect == nil {
		return nil, featuregate.Errorf(featuregate.KindUnsupported, "this gateway cannot run INSERT INTO feature view %s … SELECT", name).
			WithHint("give the rows as VALUES, or send them with COPY %s (…) FROM STDIN", name)
	}
	if pgtree.HasParams(ins.SelectStmt) {
		return nil, featuregate.Errorf(featuregate.KindUnsupported, "the SELECT of INSERT INTO feature view %s takes no parameters", name).
			WithHint("write the values into the query, or push them with INSERT … VALUES ($1, …)")
	}
	query, err := pg_query.Deparse(&pg_query.ParseResult{Stmts: []*pg_query.RawStmt{{Stmt: ins.SelectStmt}}})
	if err != nil {
		return nil, fmt.Errorf("planner: deparse the SELECT of an INSERT: %w", err)
	}
	return &pushSelect{env: p.env, session: s, target: t, slots: slots, query: query}, nil
}

func (l *pushSelect) Params() []uint32       { return nil }
func (l *pushSelect) Columns() []plan.Column { return nil }

// Run pushes the query's rows.
func (l *pushSelect) Run(ctx context.Context, _ []any, w plan.RowWriter) (string, error) {
	c, err := l.check(ctx)
	if err != nil {
		return "", err
	}
	st, err := l.env.WritePush(ctx, c)
	if err != nil {
		return "", err
	}
	PushNotice(w, l.target.View.Name, st)
	return fmt.Sprintf("INSERT 0 %d", st.Written), nil
}

// Stage reads and checks the query's rows now and writes them when the
// transaction block commits.
func (l *pushSelect) Stage(ctx context.Context, _ []any, w plan.RowWriter) (string, func(context.Context) error, error) {
	c, err := l.check(ctx)
	if err != nil {
		return "", nil, err
	}
	PushNotice(w, l.target.View.Name, exec.PushStats{Read: c.Stats.Read, Rejected: c.Stats.Rejected,
		Written: c.Stats.Read - c.Stats.Rejected})
	apply := func(ctx context.Context) error {
		_, err := l.env.WritePush(ctx, c)
		return err
	}
	return fmt.Sprintf("INSERT 0 %d", c.Stats.Read-c.Stats.Rejected), apply, nil
}

// check runs the query as the session's role and reads and checks its
// rows.
func (l *pushSelect) check(ctx context.Context) (*exec.CheckedPush, error) {
	conn, err := l.env.Connect(ctx, l.session)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	values, err := l.read(ctx, tx.Conn())
	if err != nil {
		return nil, err
	}
	return l.env.CheckPush(ctx, l.session.Database, l.target, values)
}

// read runs the query and returns its rows as text, one array per
// column of the target (nil for the columns the INSERT does not name).
func (l *pushSelect) read(ctx context.Context, conn *pgx.Conn) ([][]*string, error) {
	rr := conn.PgConn().ExecParams(ctx, l.query, nil, nil, nil, []int16{0}) // every column in text
	if n := len(rr.FieldDescriptions()); n != len(l.slots) {
		if _, err := rr.Close(); err != nil {
			return nil, err // the query's own error (a permission, a syntax) comes first
		}
		return nil, featuregate.Errorf(featuregate.KindSyntax, "INSERT has %d target columns and its SELECT returns %d", len(l.slots), n).
			WithHint("select one expression per column of the list (%s)", l.columnList())
	}
	values := make([][]*string, len(l.target.Columns))
	rows := 0
	for rr.NextRow() {
		if rows++; rows > maxSelectPush {
			_, _ = rr.Close()
			return nil, featuregate.Errorf(featuregate.KindLimitExceeded, "INSERT … SELECT into feature view %s pushes at most %d rows", l.target.View.Name, maxSelectPush).
				WithHint("the rows are in the offline store already: MATERIALIZE %s writes them online in batches", l.target.View.Name)
		}
		for i, v := range rr.Values() {
			var p *string
			if v != nil {
				s := string(v)
				p = &s
			}
			values[l.slots[i]] = append(values[l.slots[i]], p)
		}
	}
	if _, err := rr.Close(); err != nil {
		return nil, err
	}
	return values, nil
}

// columnList names the columns the INSERT writes.
func (l *pushSelect) columnList() string {
	s := ""
	for i, slot := range l.slots {
		if i > 0 {
			s += ", "
		}
		s += l.target.Columns[slot]
	}
	return s
}
