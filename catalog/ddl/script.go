package ddl

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	pgparser "github.com/pganalyze/pg_query_go/v6/parser"

	"github.com/featuregate/featuregate"
)

// ScriptStatement is one definition of a repo file and where it starts.
type ScriptStatement struct {
	Statement Statement
	Line      int // 1-based line of the statement's first token
	Col       int // 1-based column, in characters
}

// ScriptError is an error in a repo file, at a line and column.
type ScriptError struct {
	File string
	Line int // 1-based
	Col  int // 1-based, in characters
	Err  error
}

// Error renders the error as file:line:col: message, followed by the
// hint of a *featuregate.Error on a line of its own.
func (e *ScriptError) Error() string {
	msg := fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Err.Error())
	var fe *featuregate.Error
	if errors.As(e.Err, &fe) && fe.Hint != "" {
		msg += "\n  hint: " + fe.Hint
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *ScriptError) Unwrap() error { return e.Err }

// ParseScript parses the text of a repo file called name: featuregate
// definitions separated by semicolons. Only CREATE [OR REPLACE] ENTITY |
// SOURCE | FEATURE VIEW | FEATURE SERVICE and COMMENT ON are allowed. Each
// bad statement is a *ScriptError saying name:line:col: message; the error
// returned joins them all.
func ParseScript(name, text string) ([]Statement, error) {
	stmts, err := ParseScriptStatements(name, text)
	if err != nil {
		return nil, err
	}
	out := make([]Statement, len(stmts))
	for i, s := range stmts {
		out[i] = s.Statement
	}
	return out, nil
}

// ParseScriptStatements is ParseScript, keeping where each statement
// starts.
func ParseScriptStatements(name, text string) ([]ScriptStatement, error) {
	pieces, err := SplitStatements(text)
	if err != nil {
		return nil, scanError(name, text, err)
	}
	var out []ScriptStatement
	var errs []error
	for _, pc := range pieces {
		st, err := parseScriptPiece(name, text, pc)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, st)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// parseScriptPiece parses one statement of a repo file.
func parseScriptPiece(name, text string, pc Piece) (ScriptStatement, error) {
	lead := len(pc.Text) - len(skipSpace(pc.Text)) // bytes of blanks and comments
	line, col := lineCol(text, pc.Start+lead)
	at := func(err error) error {
		return &ScriptError{File: name, Line: line, Col: col, Err: err}
	}
	d, ok, err := Parse(pc.Text)
	switch {
	case !ok:
		return ScriptStatement{}, at(notDefinition(firstWords(pc.Text[lead:])))
	case err != nil:
		return ScriptStatement{}, positioned(name, text, pc, err)
	}
	switch d.(type) {
	case *CreateStmt, *CommentStmt:
		return ScriptStatement{Statement: d, Line: line, Col: col}, nil
	}
	return ScriptStatement{}, at(notDefinition(firstWords(pc.Text[lead:])))
}

// positioned places a parse error of piece pc at its line and column in
// the file; errors without a position are placed at the statement.
func positioned(name, text string, pc Piece, err error) error {
	off := pc.Start + len(pc.Text) - len(skipSpace(pc.Text))
	var fe *featuregate.Error
	if errors.As(err, &fe) && fe.Position > 0 {
		off = pc.Start + byteOffset(pc.Text, fe.Position)
	}
	line, col := lineCol(text, off)
	return &ScriptError{File: name, Line: line, Col: col, Err: err}
}

// scanError places an error of PostgreSQL's scanner on the whole text.
func scanError(name, text string, err error) error {
	off := 0
	var pe *pgparser.Error
	if errors.As(err, &pe) && pe.Cursorpos > 0 {
		off = byteOffset(text, pe.Cursorpos)
		err = featuregate.Errorf(featuregate.KindSyntax, "%s", pe.Message)
	}
	line, col := lineCol(text, off)
	return &ScriptError{File: name, Line: line, Col: col, Err: err}
}

// notDefinition is the error for a statement a repo file may not hold.
func notDefinition(start string) error {
	return featuregate.Errorf(featuregate.KindInvalid,
		"%s: a repo file holds definitions only", start).
		WithHint("Use CREATE [OR REPLACE] ENTITY | SOURCE | FEATURE VIEW | FEATURE SERVICE and COMMENT ON; " +
			"objects removed from the repo are dropped by featuregate apply. Run other SQL with psql.")
}

// firstWords returns the first two words of a statement, for messages.
func firstWords(s string) string {
	f := strings.Fields(s)
	if len(f) > 2 {
		f = f[:2]
	}
	return strings.ToUpper(strings.Join(f, " "))
}

// lineCol returns the 1-based line and character column of byte offset off
// in text.
func lineCol(text string, off int) (line, col int) {
	off = min(max(off, 0), len(text))
	before := text[:off]
	line = strings.Count(before, "\n") + 1
	lineStart := strings.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCountInString(before[lineStart:]) + 1
}
