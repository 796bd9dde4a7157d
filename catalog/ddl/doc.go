// Package ddl is featuregate's definition language: it parses the
// statements that define and inspect features — CREATE [OR REPLACE],
// DROP and COMMENT ON of ENTITY, SOURCE, FEATURE VIEW and FEATURE SERVICE,
// the SHOW statements of the catalog, MATERIALIZE, REFRESH SOURCE and DROP
// PROJECT — into
// a Statement, and renders a Statement back as canonical SQL that parses
// to an equal one.
//
// Statements are cut into tokens with PostgreSQL's own scanner (pg_query),
// so names, string constants and comments read exactly as PostgreSQL reads
// them; the pieces of PostgreSQL inside a definition (a CHECK expression,
// a source's query) are kept as written and checked with PostgreSQL's
// grammar. Errors are *featuregate.Error values positioned, in characters,
// at the offending token, worded as PostgreSQL words its own.
//
// ParseScript and ParseScriptStatements read the files of a feature repo:
// definitions only, each error placed at its file, line and column.
// SplitStatements cuts any query string at the semicolons the scanner sees.
//
// The objects a CREATE defines are those of package catalog, which also
// renders them (Object.SQL), diffs a repo against the registry
// (catalog.Diff) and validates them against the offline store when they
// are applied.
package ddl
