package plan

// PushRequest writes rows straight to the online store (and, for a push
// source, to its table offline): Feast's push and write_to_online_store,
// POST /push and POST /write-to-online-store.
type PushRequest struct {
	Who     Identity
	Project string // "" for the front end's default project
	// View names the feature view written; Source, when View is "", a
	// push source: every online feature view over it is written.
	View, Source string
	// To is where the rows go: PushOnline, PushOffline or
	// PushOnlineAndOffline; "" means PushOnline.
	To string
	// Columns name the values, as a lookup names its columns: the join
	// keys, event_timestamp (or the source's timestamp column), the
	// features, and optionally created_timestamp (or the source's created
	// column).
	Columns []string
	// Values holds, per column, one value per row as PostgreSQL's text of
	// it; nil is NULL.
	Values [][]*string
}

// Where a push writes.
const (
	PushOnline           = "online"
	PushOffline          = "offline"
	PushOnlineAndOffline = "online_and_offline"
)

// PushResult is what a push did.
type PushResult struct {
	// Rows is the number of rows pushed; OfflineRows of them were inserted
	// into the source's table.
	Rows, OfflineRows int64
	// Views are the feature views written online, each with its counts.
	Views []PushedView
}

// PushedView counts what a push did to one feature view: rows written
// online, rows rejected by a CHECK rule, and rows not newer than the
// value the store held (skipped, newer wins).
type PushedView struct {
	Name                     string
	Written, Rejected, Older int64
}
