package online

import (
	"context"
	"time"
)

// Store holds the latest feature values of every online feature view, by
// project, view and entity key, and each view's materialization watermark.
// The planner answers key lookups with Get and materializes with Write and
// SetWatermark. online/pebblestore and online/pgstore implement it, and
// online/onlinetest checks that both behave as described here.
//
// A Store is safe for concurrent use; Close must not race with other calls.
// Every method returns ctx's error (wrapped) when ctx is done, and
// ErrClosed after Close.
type Store interface {
	// Get returns one Result per key of view, in request order; a key
	// asked twice gets two Results that share no values. A key, view or
	// project with nothing stored gives a Result with Found false. With
	// ttl > 0 a value is valid when TS >= now-ttl, the boundary itself
	// being valid, to the nanosecond; an older value is reported Found
	// and Expired, with its timestamps but never its values. ttl 0 means
	// none. An empty key is a featuregate.KindInvalid error, a key part
	// of an unsupported type KindDatatypeMismatch (see EncodeKey).
	Get(ctx context.Context, project, view string, keys [][]any, now time.Time, ttl time.Duration) ([]Result, error)

	// Write stores the rows that are newer than what the store holds:
	// newer wins. A row replaces the stored value of its key only when
	// its (TS, Created) is strictly greater, compared as TS first and
	// Created on ties, an absent Created (the zero time) losing to any
	// set one; older or equal rows are skipped and not counted. Rows of
	// one call are compared in order, also against each other, so an
	// equal row keeps the first. Concurrent writers of the same keys
	// leave the newest row. The call's accepted rows are committed
	// atomically and durably: after a crash either all of them are
	// there or none, and a Write that returned is durable. written
	// counts the rows that replaced a value (or filled an empty key) at
	// their turn. A bad row (no project or view, a bad key, a value of
	// an unsupported type) fails the whole call, which writes nothing.
	Write(ctx context.Context, rows []Row) (written int, err error)

	// Watermark returns view's materialization watermark, to the
	// nanosecond, in UTC; ok is false when none was set.
	Watermark(ctx context.Context, project, view string) (t time.Time, ok bool, err error)

	// SetWatermark durably records t as view's watermark: the time up to
	// which its rows are in the store. It may move the watermark
	// backwards; materialization calls it only after the rows' Write
	// returned, so a watermark never vouches for rows a crash could lose.
	SetWatermark(ctx context.Context, project, view string, t time.Time) error

	// DropView deletes every value of view and its watermark, at once and
	// durably; the view can then be written afresh, even with older rows.
	// Dropping an empty view is no error.
	DropView(ctx context.Context, project, view string) error

	// DropProject deletes every value and watermark of project, as
	// DropView does for one view.
	DropProject(ctx context.Context, project string) error

	// Close releases the store. Calls after Close, a second Close
	// included, return ErrClosed.
	Close() error
}
