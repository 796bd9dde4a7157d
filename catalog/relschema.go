package catalog

import (
	"crypto/sha256"
	"encoding/hex"
	"unicode/utf8"
)

// The schema of a project's relations is named after the project, within
// PostgreSQL's limit on identifiers, and never shared by two projects.
const (
	relationSchemaPrefix = "fg_"
	// maxIdentifier is the longest identifier PostgreSQL keeps, in bytes
	// (NAMEDATALEN - 1); it cuts longer ones.
	maxIdentifier = 63
	// hashDigits is how many hex digits of the project name's SHA-256 end
	// a shortened schema name, after a '$'.
	hashDigits = 16
)

// RelationSchema is the schema holding project's relations: fg_<project>
// when that fits in a PostgreSQL identifier (63 bytes) and does not end as
// a shortened name does. Otherwise it is shortened: fg_, the project name's
// first 43 bytes (cut between characters), '$' and the first 16 hex digits
// of the SHA-256 of the whole name. Every shortened name ends in '$' and 16
// lower-case hex digits, which no unshortened one does, so two projects
// share a schema only if two long names share 64 bits of their hash.
func RelationSchema(project string) string { return schemaName(relationSchemaPrefix, project) }

// schemaName is prefix + project, shortened as RelationSchema says.
func schemaName(prefix, project string) string {
	name := prefix + project
	if len(name) <= maxIdentifier && !hasHashSuffix(name) {
		return name
	}
	sum := sha256.Sum256([]byte(project))
	keep := maxIdentifier - len(prefix) - 1 - hashDigits
	return prefix + clipUTF8(project, keep) + "$" + hex.EncodeToString(sum[:hashDigits/2])
}

// hasHashSuffix reports whether name ends as a shortened schema name does:
// '$' and hashDigits lower-case hex digits.
func hasHashSuffix(name string) bool {
	if len(name) < hashDigits+1 || name[len(name)-hashDigits-1] != '$' {
		return false
	}
	for _, c := range []byte(name[len(name)-hashDigits:]) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// clipUTF8 returns the longest prefix of s of at most n bytes that does not
// end inside a UTF-8 sequence.
func clipUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
