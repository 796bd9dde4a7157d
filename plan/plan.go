// Package plan is the contract between the gateway's front ends (package
// wire, the PostgreSQL protocol, and package httpapi, Feast's HTTP API) and
// the planner behind them: who a session is, how the statements of a query
// string run (forwarded to the offline PostgreSQL, answered by the gateway,
// or refused), the statements the gateway answers itself, and online
// lookup requests and results. It imports nothing heavier than the standard
// library, so that the front ends build and test without the feature stack.
package plan

import "context"

// Identity is who a session or a request acts as: the user it
// authenticated as, the roles that user holds (for permissions), and
// whether the user administers the gateway.
type Identity struct {
	User  string
	Roles []string
	Admin bool
	// Projects are the projects the user may open; nil means every one.
	Projects []string
	// ReadOnly users may not write the offline store, nor push unless
	// they administer the gateway.
	ReadOnly bool
}

// Session is what the planner needs to know about the session a statement
// comes from.
type Session struct {
	User     string // the user the client authenticated as
	Database string // the database name the client asked for (the project)
	// ReadOnly sessions read the offline store through a role without write
	// privileges; the planner refuses the statements that could leave it.
	ReadOnly bool
	// Roles are the user's roles, which permissions name.
	Roles []string
	// Admin users may change everything featuregate holds.
	Admin bool
	// Projects are the projects the user may open; nil means every one.
	Projects []string
}

// Who returns the session's identity.
func (s Session) Who() Identity {
	return Identity{User: s.User, Roles: s.Roles, Admin: s.Admin, Projects: s.Projects, ReadOnly: s.ReadOnly}
}

// Statement is one statement of a query string and how it runs.
type Statement struct {
	// SQL is the statement's own text, as the client wrote it.
	SQL string
	// Refusal, when not nil, says why the statement must not run.
	Refusal error
	// Listen is set for LISTEN: from then on the offline store may send
	// notifications at any time, which the session must relay.
	Listen bool
	// Local, when not nil, runs the statement in the gateway.
	Local Local
	// TopLevel statements cannot run inside a transaction block.
	TopLevel bool
	// Command names a local statement in messages, e.g. "CREATE ENTITY".
	Command string
	// Deallocate names the prepared statement a DEALLOCATE drops: the
	// session may hold it itself rather than the offline store.
	Deallocate string
	// DeallocateAll is set for DEALLOCATE ALL and DISCARD ALL, which drop
	// the session's own prepared statements too.
	DeallocateAll bool
	// Notices are messages for the client, sent before the statement runs
	// (EXPLAIN of a point-in-time query shows the SQL it runs as).
	Notices []string
	// Txn is set for the statements that open or end a transaction block
	// without options a front end must understand (BEGIN, START
	// TRANSACTION, COMMIT, END, ROLLBACK, ABORT; not AND CHAIN): a front end
	// may defer opening the block upstream until a statement needs it.
	// Command is then the tag of a BEGIN ("BEGIN" or "START TRANSACTION").
	Txn Txn
	// Savepoint is set for SAVEPOINT, RELEASE and ROLLBACK TO SAVEPOINT,
	// which go to the offline store: a front end that holds work for the
	// block's COMMIT (pushes) keeps marks in it by these.
	Savepoint *Savepoint
	// Declare is set for a DECLARE of a cursor over Local, Prepare for a
	// PREPARE of Local under that name; the front end keeps them.
	Declare *Cursor
	Prepare string
	// CursorOp and Execute are set for the FETCH, MOVE, CLOSE and EXECUTE
	// a front end answers itself when it holds the cursor or statement
	// they name; otherwise they go to the offline store.
	CursorOp *CursorOp
	Execute  *Execute
}

// Savepoint is a SAVEPOINT, RELEASE or ROLLBACK TO SAVEPOINT of Name.
type Savepoint struct {
	Op   SavepointOp
	Name string
}

// SavepointOp is what a savepoint statement does.
type SavepointOp uint8

// The savepoint statements.
const (
	SavepointDefine     SavepointOp = iota // SAVEPOINT name
	SavepointRelease                       // RELEASE [SAVEPOINT] name
	SavepointRollbackTo                    // ROLLBACK TO [SAVEPOINT] name
)

// Txn is what a transaction control statement does.
type Txn uint8

// The transaction control statements a front end may answer itself.
const (
	TxnNone     Txn = iota // not a transaction control statement
	TxnBegin               // BEGIN or START TRANSACTION, with any modes
	TxnCommit              // COMMIT or END
	TxnRollback            // ROLLBACK or ABORT, without TO SAVEPOINT
)

// Plan is the outcome of planning one query string.
type Plan struct {
	// Text is the whole query string as the offline store must run it:
	// the client's text, with point-in-time clauses rewritten.
	Text string
	// Statements are its statements in order; none for an empty query.
	Statements []Statement
}

// Refusal returns the first statement's refusal, or nil when every
// statement may run.
func (p *Plan) Refusal() error {
	for _, s := range p.Statements {
		if s.Refusal != nil {
			return s.Refusal
		}
	}
	return nil
}

// Forwardable reports whether the whole query string may go to the
// offline store as it is: no statement runs in the gateway.
func (p *Plan) Forwardable() bool {
	for _, s := range p.Statements {
		if s.Local != nil {
			return false
		}
	}
	return true
}

// Listens reports whether any statement is a LISTEN.
func (p *Plan) Listens() bool {
	for _, s := range p.Statements {
		if s.Listen {
			return true
		}
	}
	return false
}

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

// ProgressWriter is a RowWriter that can show progress to the client.
type ProgressWriter interface {
	Progress(msg string)
}

// NoticeWriter is a RowWriter that can send a notice to the client, such
// as how many pushed rows a CHECK rule rejected.
type NoticeWriter interface {
	Notice(msg string)
}

// Stager is a Local whose effect waits for the end of the transaction
// block it runs in (a push into a feature view): inside a block a front
// end calls Stage instead of Run, which checks the work, writes its
// notices and returns its command tag and the apply to run when the
// block commits; a rollback drops it.
type Stager interface {
	Stage(ctx context.Context, args []any, w RowWriter) (tag string, apply func(ctx context.Context) error, err error)
}

// CopyIn is a Local that reads the data of a COPY … FROM STDIN (a push
// into a feature view): the front end answers with a CopyInResponse of
// CopyColumns columns in text format, collects the client's data until
// CopyDone and hands it to CopyFrom; a CopyFail ends the statement with
// an error. Inside a transaction block stage is set: CopyFrom checks the
// rows and returns the apply to run at COMMIT instead of applying it.
type CopyIn interface {
	CopyColumns() int
	CopyFrom(ctx context.Context, data string, w RowWriter, stage bool) (tag string, apply func(context.Context) error, err error)
}
