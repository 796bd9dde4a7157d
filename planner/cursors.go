package planner

import (
	"math"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/catalogview"
	"github.com/featuregate/featuregate/planner/internal/pgtree"
)

// cursorOptHold is PostgreSQL's CURSOR_OPT_HOLD: DECLARE … WITH HOLD.
const cursorOptHold = 0x0020

// wrappedLookup plans a DECLARE … CURSOR FOR or a PREPARE … AS whose query
// is a key lookup; ok is false for any other statement (which then takes
// the usual way: the one-time form, or the offline store).
func (p *Planner) wrappedLookup(cv *catalogview.View, s plan.Session, stmt *pg_query.Node, text string) (plan.Statement, bool) {
	var inner *pg_query.Node
	st := plan.Statement{SQL: text}
	switch {
	case stmt.GetDeclareCursorStmt() != nil:
		d := stmt.GetDeclareCursorStmt()
		inner, st.Command = d.Query, "DECLARE CURSOR"
		st.Declare = &plan.Cursor{Name: d.Portalname, Hold: d.Options&cursorOptHold != 0}
	case stmt.GetPrepareStmt() != nil:
		inner, st.Command, st.Prepare = stmt.GetPrepareStmt().Query, "PREPARE", stmt.GetPrepareStmt().Name
	default:
		return plan.Statement{}, false
	}
	innerText, ok := queryAfterAs(text)
	if !ok {
		return plan.Statement{}, false
	}
	lk, ok := p.lookups.Statement(cv, s.Who(), inner, innerText)
	if !ok || lk.Refusal != nil || lk.Local == nil || lk.Command != "SELECT" {
		return plan.Statement{}, false
	}
	st.Local = lk.Local
	return st, true
}

// queryAfterAs returns the query of a DECLARE … FOR or PREPARE … AS: the
// text after the first FOR or AS outside parentheses.
func queryAfterAs(text string) (string, bool) {
	res, err := pg_query.Scan(text)
	if err != nil {
		return "", false
	}
	depth := 0
	for _, t := range res.Tokens {
		switch t.Token {
		case pg_query.Token_ASCII_40:
			depth++
		case pg_query.Token_ASCII_41:
			depth--
		case pg_query.Token_AS, pg_query.Token_FOR:
			if depth == 0 {
				return text[t.End:], true
			}
		}
	}
	return "", false
}

// cursorOpOf marks FETCH, MOVE and CLOSE, which a front end holding the
// cursor answers; nil for other statements.
func cursorOpOf(stmt *pg_query.Node) *plan.CursorOp {
	if c := stmt.GetClosePortalStmt(); c != nil {
		return &plan.CursorOp{Cursor: c.Portalname, Close: true}
	}
	f := stmt.GetFetchStmt()
	if f == nil {
		return nil
	}
	// FETCH n with n < 0 goes backward and FETCH 0 fetches the current
	// row again, as PostgreSQL reads them: neither moves forward.
	op := &plan.CursorOp{Cursor: f.Portalname, Move: f.Ismove, Count: f.HowMany,
		Forward: f.Direction == pg_query.FetchDirection_FETCH_FORWARD && f.HowMany > 0}
	if f.HowMany == math.MaxInt64 {
		op.Count = -1
	}
	return op
}

// executeOf marks EXECUTE, which a front end holding the statement runs,
// with its arguments (constants or parameters); nil for other statements.
func executeOf(stmt *pg_query.Node) *plan.Execute {
	e := stmt.GetExecuteStmt()
	if e == nil {
		return nil
	}
	ex := &plan.Execute{Name: e.Name, Simple: true}
	for _, n := range e.Params {
		param := 0
		if tc := n.GetTypeCast(); tc != nil && tc.Arg.GetParamRef() != nil {
			n = tc.Arg
		}
		if pr := n.GetParamRef(); pr != nil {
			param = int(pr.Number)
		}
		v, ok := pgtree.ConstantValue(n)
		ex.Args, ex.Params, ex.Simple = append(ex.Args, v), append(ex.Params, param), ex.Simple && (ok || param > 0)
	}
	return ex
}
