package planner

import "strings"

// Most statements a gateway sees are plain queries that need no parse:
// nothing in them can be a featuregate statement or leave the read-only
// role. quickForward recognises them from their words alone, soundly: any
// word that could matter, any quoted identifier (which could spell one),
// sends the text to the full parse instead. With drivers that put values
// into the text, as pgbench's simple protocol does, every text is new and
// the plan cache cannot help.

// sensitiveWords are the words that send a text to the full parse.
var sensitiveWords = map[string]bool{
	// featuregate statements
	"create": true, "drop": true, "comment": true, "show": true,
	// leaving the read-only role, and LISTEN
	"set": true, "reset": true, "role": true, "authorization": true, "session_authorization": true,
	"set_config": true, "do": true, "function": true, "procedure": true, "listen": true,
	// statements that drop the session's own prepared statements
	"deallocate": true, "discard": true,
	// point-in-time reads (AS OF) and materialization
	"of": true, "materialize": true,
}

// leadingWords send a text to the full parse when they begin one of its
// statements (the text's first word, or the first after a semicolon):
// they matter only as the statement's keyword, and words such as END
// (of CASE) are common elsewhere.
var leadingWords = map[string]bool{
	// transaction control, which a front end may answer itself
	"begin": true, "start": true, "commit": true, "end": true, "rollback": true, "abort": true,
	// savepoints, which mark the pushes a block holds for its COMMIT
	"savepoint": true, "release": true,
	// cursors and prepared statements a front end may hold itself
	"fetch": true, "move": true, "close": true, "execute": true,
	// REFRESH SOURCE
	"refresh": true,
}

// quickForward reports whether sql is certainly ordinary SQL that runs
// upstream unchanged and unrefused, with at least one word in it. names
// are more sensitive words, lower case: the project's feature relations.
func quickForward(sql string, names map[string]bool) bool {
	if len(sql) > 4096 || strings.ContainsAny(sql, "\"&\\\x00") ||
		strings.Contains(sql, "--") || strings.Contains(sql, "/*") {
		return false // quoted identifiers, escapes, NUL, comments: parse
	}
	words := 0
	start := -1
	leading := true // the next word begins a statement
	for i := 0; i <= len(sql); i++ {
		if i < len(sql) && isWordByte(sql[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			w := strings.ToLower(sql[start:i])
			if sensitiveWords[w] || names[w] || (leading && leadingWords[w]) {
				return false
			}
			words, start, leading = words+1, -1, false
		}
		if i < len(sql) && sql[i] == ';' {
			leading = true // (a semicolon in a string only makes the scan stricter)
		}
	}
	return words > 0
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' || c >= 0x80
}
