package planner

import "context"

// Column describes a column of a result the gateway produces itself.
type Column struct {
	Name string
	OID  uint32 // the PostgreSQL type OID, e.g. 25 for text
}

// RowWriter receives the rows of a result the gateway produces itself.
type RowWriter interface {
	// WriteRow takes one row: Go values matching the columns' types
	// (string, int64, float64, bool, time.Time, []byte, nil for NULL).
	WriteRow(values []any) error
}

// Local is a statement the gateway runs itself instead of forwarding it.
type Local interface {
	// Params are the type OIDs of its parameters $1, $2, ….
	Params() []uint32
	// Columns describes its result rows; nil for a command without rows.
	Columns() []Column
	// Run executes it with the decoded arguments, writes its rows to w and
	// returns the command tag (such as "SELECT 3" or "CREATE ENTITY").
	Run(ctx context.Context, args []any, w RowWriter) (tag string, err error)
}
