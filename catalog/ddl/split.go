package ddl

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// Piece is one statement of a query string or a script, and its byte
// offset.
type Piece struct {
	Text  string
	Start int
}

// SplitStatements cuts sql at the semicolons PostgreSQL's scanner sees
// (not those in strings, identifiers or comments), dropping empty pieces.
func SplitStatements(sql string) ([]Piece, error) {
	res, err := pg_query.Scan(sql)
	if err != nil {
		return nil, err
	}
	var out []Piece
	start := 0
	add := func(end int) {
		if t := sql[start:end]; strings.TrimSpace(t) != "" {
			out = append(out, Piece{Text: t, Start: start})
		}
	}
	for _, tok := range res.Tokens {
		if tok.Token == pg_query.Token_ASCII_59 {
			add(int(tok.Start))
			start = int(tok.End)
		}
	}
	add(len(sql))
	return out, nil
}
