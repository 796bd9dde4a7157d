// Package datasettest checks saved datasets end to end, through a real
// gateway over a real PostgreSQL: CREATE DATASET from an AS OF training
// set, reading it from pgx and pandas, SHOW, SHOW CREATE and DROP, the
// profile against independent SQL, atomicity, permissions, VALIDATE of
// identical and drifted copies. The package holds tests only.
package datasettest
