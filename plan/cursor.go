package plan

// Lookups inside DECLARE … CURSOR and SQL-level PREPARE are planned like
// any lookup; the front end keeps the cursor's rows or the prepared
// statement, per session, and answers the FETCH, MOVE, CLOSE and EXECUTE
// that name them. Those statements name objects the offline store may
// hold as well, so the planner marks them and the front end decides.

// Cursor is a DECLARE of a cursor over a statement the gateway runs.
type Cursor struct {
	Name string
	Hold bool // WITH HOLD: the cursor outlives its transaction
}

// CursorOp is a FETCH, MOVE or CLOSE of a cursor.
type CursorOp struct {
	Cursor  string // "" for CLOSE ALL
	Close   bool
	Move    bool  // MOVE: advance without returning rows
	Count   int64 // rows to fetch or skip; -1 for ALL
	Forward bool  // the direction is forward (NEXT, n, ALL, FORWARD …)
}

// Execute is an EXECUTE of a prepared statement. Each argument is a
// constant (in Args, nil for NULL) or a parameter of the EXECUTE itself
// (its number in Params; 0 for a constant).
type Execute struct {
	Name   string
	Args   []any
	Params []int
	// Simple is false when an argument is an expression, which only the
	// offline store can compute.
	Simple bool
}
