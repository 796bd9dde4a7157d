package planner

import (
	"context"
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/catalogview"
	"github.com/featuregate/featuregate/planner/exec"
)

// COPY <feature view> [(columns)] FROM STDIN [WITH (FORMAT text | csv,
// HEADER, DELIMITER, NULL, QUOTE, ESCAPE)] pushes the rows of the data
// the client sends, as INSERT does (push.go); the data is read with
// PostgreSQL's rules for each format (copyformat.go).

// copyStatement plans a COPY FROM STDIN into a feature relation; ok is
// false for any other statement.
func (p *Planner) copyStatement(s plan.Session, cv *catalogview.View, n *pg_query.Node, text string) (plan.Statement, bool) {
	c := n.GetCopyStmt()
	if c == nil || !c.IsFrom || c.Relation == nil || c.Relation.Schemaname != "" || cv == nil || c.Query != nil {
		return plan.Statement{}, false
	}
	name := c.Relation.Relname
	sn := cv.Snapshot()
	if sn.Find(catalog.KindFeatureView, name) == nil && sn.Find(catalog.KindFeatureService, name) == nil {
		return plan.Statement{}, false
	}
	st := plan.Statement{SQL: text, Command: "COPY"}
	l, err := p.pushCopy(s, sn, c, name)
	if err != nil {
		st.Refusal = err
		return st, true
	}
	st.Local = l
	return st, true
}

// pushCopy makes the statement that runs a COPY into view name.
func (p *Planner) pushCopy(s plan.Session, sn *catalog.Snapshot, c *pg_query.CopyStmt, name string) (*copyLocal, error) {
	t, err := exec.Target(sn, name)
	if err != nil {
		return nil, err
	}
	if err := pushAllowed(s, sn, name); err != nil {
		return nil, err
	}
	if c.Filename != "" || c.IsProgram || c.WhereClause != nil {
		return nil, featuregate.Errorf(featuregate.KindUnsupported, "COPY into feature view %s reads FROM STDIN only, without WHERE", name).
			WithHint("send the data from the client: COPY %s (…) FROM STDIN, or psql's \\copy", name)
	}
	cols := make([]string, len(c.Attlist))
	for i, a := range c.Attlist {
		cols[i] = a.GetString_().GetSval()
	}
	if len(cols) == 0 {
		cols = lookupColumns(t)
	}
	slots, err := t.Slots(cols)
	if err != nil {
		return nil, err
	}
	f, err := copyOptions(c.Options)
	if err != nil {
		return nil, err
	}
	return &copyLocal{env: p.env, project: s.Database, target: t, slots: slots, format: f}, nil
}

// lookupColumns are the columns a lookup returns: the keys,
// event_timestamp and the features.
func lookupColumns(t *exec.PushTarget) []string {
	var out []string
	for _, c := range t.Columns {
		if c != exec.CreatedTimestamp {
			out = append(out, c)
		}
	}
	return out
}

// copyOptions reads the options of a COPY FROM into a feature view.
func copyOptions(opts []*pg_query.Node) (copyFormat, error) {
	f := copyFormat{delim: '\t', null: `\N`, quote: '"', escape: '"'}
	var delim, null, quote, escape *string
	for _, o := range opts {
		d := o.GetDefElem()
		if d == nil {
			continue
		}
		val := defString(d.Arg)
		switch d.Defname {
		case "format":
			switch strings.ToLower(val) {
			case "text":
			case "csv":
				f.csv = true
			case "binary":
				return f, featuregate.Errorf(featuregate.KindUnsupported, "COPY into a feature view does not read FORMAT binary").
					WithHint("use FORMAT csv or FORMAT text (pgx: write the rows as CSV through PgConn().CopyFrom)")
			default:
				return f, featuregate.Errorf(featuregate.KindInvalid, "COPY format %q not recognized", val)
			}
		case "header":
			f.header = d.Arg == nil || isTrue(val)
		case "delimiter":
			delim = &val
		case "null":
			null = &val
		case "quote":
			quote = &val
		case "escape":
			escape = &val
		case "encoding":
			if !strings.EqualFold(strings.ReplaceAll(val, "-", ""), "utf8") {
				return f, featuregate.Errorf(featuregate.KindUnsupported, "COPY into a feature view reads UTF8 only")
			}
		default:
			return f, featuregate.Errorf(featuregate.KindUnsupported, "COPY option %q is not supported into a feature view", d.Defname)
		}
	}
	if f.csv {
		f.delim, f.null = ',', ""
	}
	for _, o := range []struct {
		v   *string
		dst *byte
		n   string
	}{{delim, &f.delim, "DELIMITER"}, {quote, &f.quote, "QUOTE"}, {escape, &f.escape, "ESCAPE"}} {
		if o.v == nil {
			continue
		}
		if len(*o.v) != 1 {
			return f, featuregate.Errorf(featuregate.KindUnsupported, "COPY %s must be a single one-byte character", o.n)
		}
		*o.dst = (*o.v)[0]
	}
	if quote != nil && escape == nil {
		f.escape = f.quote
	}
	if null != nil {
		f.null = *null
	}
	return f, nil
}

// defString is the text of an option's argument.
func defString(n *pg_query.Node) string {
	switch {
	case n == nil:
		return ""
	case n.GetString_() != nil:
		return n.GetString_().Sval
	case n.GetBoolean() != nil:
		return fmt.Sprint(n.GetBoolean().Boolval)
	case n.GetInteger() != nil:
		return fmt.Sprint(n.GetInteger().Ival)
	}
	return ""
}

func isTrue(s string) bool {
	switch strings.ToLower(s) {
	case "true", "on", "1", "yes":
		return true
	}
	return false
}

// copyLocal runs a COPY into a feature view.
type copyLocal struct {
	env     *exec.Env
	project string
	target  *exec.PushTarget
	slots   []int
	format  copyFormat
}

func (l *copyLocal) Params() []uint32       { return nil }
func (l *copyLocal) Columns() []plan.Column { return nil }
func (l *copyLocal) CopyColumns() int       { return len(l.slots) }

// Run is the statement sent without the data: only the simple query
// protocol carries it.
func (l *copyLocal) Run(context.Context, []any, plan.RowWriter) (string, error) {
	return "", featuregate.Errorf(featuregate.KindUnsupported, "COPY into feature view %s needs the simple query protocol", l.target.View.Name).
		WithHint("send the COPY as a simple query (pgx: PgConn().CopyFrom)")
}

// CopyFrom pushes the rows of data, or stages them.
func (l *copyLocal) CopyFrom(ctx context.Context, data string, w plan.RowWriter, stage bool) (string, func(context.Context) error, error) {
	cols, err := l.format.parse(data, len(l.slots))
	if err != nil {
		return "", nil, err
	}
	values := make([][]*string, len(l.target.Columns))
	for i, s := range l.slots {
		values[s] = cols[i]
	}
	c, err := l.env.CheckPush(ctx, l.project, l.target, values)
	if err != nil {
		return "", nil, err
	}
	if stage {
		PushNotice(w, l.target.View.Name, exec.PushStats{Read: c.Stats.Read, Rejected: c.Stats.Rejected, Written: c.Stats.Read - c.Stats.Rejected})
		apply := func(ctx context.Context) error { _, err := l.env.WritePush(ctx, c); return err }
		return fmt.Sprintf("COPY %d", c.Stats.Read-c.Stats.Rejected), apply, nil
	}
	st, err := l.env.WritePush(ctx, c)
	if err != nil {
		return "", nil, err
	}
	PushNotice(w, l.target.View.Name, st)
	return fmt.Sprintf("COPY %d", st.Written), nil, nil
}
