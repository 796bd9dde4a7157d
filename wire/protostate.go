package wire

import "github.com/jackc/pgx/v5/pgproto3"

// protoState is a session's protocol state: where it stands in the
// extended protocol's batches and in the offline store's transaction. The
// session changes it only through the methods below.
//
//	               forward (Parse/Bind/Describe/Execute/Close upstream)
//	┌──────┐ ─────────────────────────────────────────────► ┌──────────┐
//	│ idle │                                                 │ in batch │ ◄─┐ forward, answer
//	└──────┘ ◄──────────── Sync: ReadyForQuery ───────────── └──────────┘ ──┘
//	   ▲                                                         │ error upstream, or a
//	   │                                                         │ statement refused locally
//	   │ Sync: ReadyForQuery            ┌──────────────────────┐ │
//	   └─────────────────────────────── │ discarding until Sync │ ◄┘
//	                                    └──────────────────────┘
//
// From "in batch", an upstream CopyInResponse enters COPY FROM STDIN: the
// client's CopyData go upstream until CopyDone or CopyFail, and the batch
// goes on (a COPY message the client pipelined behind the Execute is held
// and taken first). Independently, txStatus is the offline store's
// transaction status as the client sees it: I (idle), T (in a block) or E
// (failed block), as the last upstream ReadyForQuery said, unless the block
// is deferred: BEGIN was answered by the gateway and nothing upstream has
// needed it yet (deferred holds its text, and the offline store is idle).
// A lost upstream connection ends a block that was upstream.
type protoState struct {
	txStatus byte   // 'I', 'T' or 'E', as the client sees it
	deferred string // a BEGIN not yet sent upstream; "" when none
	pending  int    // forwarded messages whose last response is still to come
	inBatch  bool   // something went upstream since the last Sync
	discard  bool   // an error occurred: ignore messages until Sync
	// held is a COPY message read before its COPY started (pipelined
	// behind the batch's Execute); copyIn takes it first.
	held pgproto3.FrontendMessage
}

// forwarded records a message sent upstream whose response is to come.
func (p *protoState) forwarded() { p.pending, p.inBatch = p.pending+1, true }

// answered records the last response to one forwarded message.
func (p *protoState) answered() { p.pending-- }

// answeredAll records an error that answers every message before the
// Sync, which is still to be answered.
func (p *protoState) answeredAll() { p.pending = 0 }

// failed records an error: nothing more is answered, and the client's
// messages are ignored until its Sync.
func (p *protoState) failed() { p.pending, p.discard = 0, true }

// refused records a local error: messages are ignored until Sync.
func (p *protoState) refused() { p.discard = true }

// opened records that the upstream batch is open (a statement was sent
// that the next Sync ends).
func (p *protoState) opened() { p.inBatch = true }

// ready records an upstream ReadyForQuery: the batch is over.
func (p *protoState) ready(tx byte) { p.txStatus, p.pending, p.inBatch = tx, 0, false }

// awaitCopyEnd records that a COPY started by a swallowed Sync owes one
// response: its CommandComplete or error.
func (p *protoState) awaitCopyEnd() { p.pending = 1 }

// lost records that the upstream connection is gone: no batch, and no
// transaction unless it is deferred (and so was never upstream).
func (p *protoState) lost() {
	if p.deferred == "" {
		p.ready('I')
		return
	}
	p.pending, p.inBatch = 0, false
}

// deferBegin records a transaction block opened by the gateway alone.
func (p *protoState) deferBegin(begin string) { p.deferred, p.txStatus = begin, 'T' }

// endDeferred records that the deferred block ended, or went upstream.
func (p *protoState) endDeferred() { p.deferred, p.txStatus = "", 'I' }

// synced leaves discard mode at the client's Sync.
func (p *protoState) synced() { p.discard = false }

// hold keeps a COPY message read before its COPY started; take returns it
// once.
func (p *protoState) hold(m pgproto3.FrontendMessage) { p.held = m }

func (p *protoState) take() pgproto3.FrontendMessage {
	m := p.held
	p.held = nil
	return m
}

// queued reports whether forwarded messages await their responses in an
// open batch that is not discarding.
func (p *protoState) queued() bool { return p.inBatch && !p.discard && p.pending > 0 }
