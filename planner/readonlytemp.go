package planner

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// A read-only session logs in upstream as a role that may create no
// table, only temporary ones. Clients that upload a spine the way pandas'
// to_sql and R's dbWriteTable do send a plain CREATE TABLE; in a
// read-only session that statement creates a temporary table instead, the
// session's own, as if written CREATE TEMP TABLE, and a NOTICE says so.
// A schema-qualified name keeps its meaning (and PostgreSQL's refusal).

// tempTableNotice is the notice of a CREATE TABLE made temporary.
const tempTableNotice = "featuregate: %s is a temporary table of this session (a read-only session creates no permanent tables); it is gone when the session ends"

// readOnlyTemp returns text, a CREATE TABLE [AS] of a read-only session,
// written as CREATE TEMP TABLE, and its notice; ok is false for any other
// statement.
func readOnlyTemp(stmt *pg_query.Node, text string) (rewritten, notice string, ok bool) {
	var rel *pg_query.RangeVar
	switch {
	case stmt.GetCreateStmt() != nil:
		rel = stmt.GetCreateStmt().Relation
	case stmt.GetCreateTableAsStmt() != nil && stmt.GetCreateTableAsStmt().Objtype == pg_query.ObjectType_OBJECT_TABLE:
		rel = stmt.GetCreateTableAsStmt().GetInto().GetRel()
	}
	if rel == nil || rel.Schemaname != "" || rel.Relpersistence != "p" {
		return "", "", false
	}
	lead := len(text) - len(strings.TrimLeft(text, " \t\r\n"))
	if !strings.EqualFold(text[lead:min(len(text), lead+6)], "create") {
		return "", "", false
	}
	end := lead + len("create")
	return text[:end] + " TEMP" + text[end:], fmt.Sprintf(tempTableNotice, rel.Relname), true
}
