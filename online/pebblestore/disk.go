package pebblestore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/featuregate/featuregate"
)

// diskState watches the disk of a store: the room a write needs, and
// the background jobs (flushes, compactions) that fail to write. Pebble
// retries a failed flush at once and for ever; the listener slows those
// retries down and logs them at a bounded rate, and writes waiting on a
// flush that cannot happen fail instead of waiting.
type diskState struct {
	dir     string
	reserve uint64 // bytes left free for flushes and compactions
	log     *slog.Logger

	mu      sync.Mutex
	err     error         // the last background disk error; nil once a job succeeded
	failing chan struct{} // closed while err != nil
	healthy chan struct{} // closed while err == nil
	backoff time.Duration // the next pause of a failing background job
	limit   logLimit
}

// Defaults of the disk checks.
const (
	backoffMin = 10 * time.Millisecond
	backoffMax = time.Second
	// logEvery is the least time between two log lines of background
	// errors; the ones between are counted.
	logEvery = 30 * time.Second
	// smallWrite is the room kept for writes of a few bytes (watermarks,
	// drops), which must work when data writes are refused.
	smallWrite = 1 << 20
)

func newDiskState(dir string, reserve uint64, log *slog.Logger) *diskState {
	d := &diskState{dir: dir, reserve: reserve, log: log, failing: make(chan struct{}), healthy: make(chan struct{})}
	close(d.healthy)
	return d
}

// listener is the Pebble event listener of the store.
func (d *diskState) listener() pebble.EventListener {
	return pebble.EventListener{
		BackgroundError: d.backgroundError,
		FlushEnd: func(i pebble.FlushInfo) {
			if i.Err == nil {
				d.succeeded()
			}
		},
		CompactionEnd: func(i pebble.CompactionInfo) {
			if i.Done && i.Err == nil {
				d.succeeded()
			}
		},
	}
}

// isDiskError reports whether err is the disk's: full, over quota,
// read-only or failing.
func isDiskError(err error) bool {
	for _, e := range []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT, syscall.EIO, syscall.EROFS} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// backgroundError records a failed background job, logs it at a bounded
// rate, and pauses the job's goroutine (backoff, doubling up to a second)
// so that Pebble's immediate retries do not spin.
func (d *diskState) backgroundError(err error) {
	d.mu.Lock()
	if isDiskError(err) && d.err == nil {
		d.err = err
		close(d.failing)
		d.healthy = make(chan struct{})
	}
	if d.backoff == 0 {
		d.backoff = backoffMin
	} else {
		d.backoff = min(2*d.backoff, backoffMax)
	}
	pause := d.backoff
	n, ok := d.limit.allow(time.Now())
	d.mu.Unlock()
	if ok {
		// err.Error(): slog would print Pebble's errors with %+v, stacks and all.
		d.log.Error("online store: a background write failed; retrying", "err", err.Error(), "dir", d.dir,
			"failures_not_logged", n)
	}
	time.Sleep(pause)
}

// succeeded records a background job that wrote its files.
func (d *diskState) succeeded() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.backoff = 0
	if d.err == nil {
		return
	}
	d.log.Info("online store: background writes succeed again", "dir", d.dir, "after", d.err.Error())
	d.err = nil
	d.failing = make(chan struct{})
	close(d.healthy)
}

// state returns a channel closed while a background job fails to write,
// one closed while none does, and the failure.
func (d *diskState) state() (failing, healthy <-chan struct{}, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.failing, d.healthy, d.err
}

// recoverWait is how long a write waiting on a failing background job
// gives it to succeed (Pebble retries it at least once a second) before
// failing: so a write right after space was freed waits, and one on a
// disk still full fails within seconds.
const recoverWait = 2 * backoffMax

// waitHealthy waits up to recoverWait for the failing background jobs to
// succeed again, and returns the disk-full error when they do not.
func (d *diskState) waitHealthy(ctx context.Context, healthy <-chan struct{}) error {
	t := time.NewTimer(recoverWait)
	defer t.Stop()
	select {
	case <-healthy:
		return nil
	case <-t.C:
		_, _, err := d.state()
		if err == nil {
			return nil
		}
		return diskFull(err)
	case <-ctx.Done():
		return fmt.Errorf("pebblestore: %w", ctx.Err())
	}
}

// room fails with a KindDiskFull error unless the disk has need bytes
// free.
func (d *diskState) room(need uint64) error {
	var st syscall.Statfs_t
	if err := syscall.Statfs(d.dir, &st); err != nil {
		return nil // cannot tell: let the write find out
	}
	free := st.Bavail * uint64(st.Bsize)
	if free >= need {
		return nil
	}
	return diskFull(fmt.Errorf("%d bytes free on the disk of %s, the write needs %d (the store keeps %d free for its own work)",
		free, d.dir, need, d.reserve))
}

// diskFull wraps err in the error a write fails with when the disk has no
// room.
func diskFull(err error) error {
	return &featuregate.Error{Kind: featuregate.KindDiskFull, Err: err,
		Message: "pebblestore: the online store's disk is full",
		Hint:    "free space on the disk of data_dir, then run MATERIALIZE again (what was written before stays)"}
}

// logLimit lets through one log line per logEvery and counts the others.
type logLimit struct {
	last    time.Time
	dropped int
}

// allow reports whether to log now, and how many lines were dropped since
// the last one.
func (l *logLimit) allow(now time.Time) (int, bool) {
	if !l.last.IsZero() && now.Sub(l.last) < logEvery {
		l.dropped++
		return 0, false
	}
	n := l.dropped
	l.last, l.dropped = now, 0
	return n, true
}

// pebbleLogger sends Pebble's own messages to slog: informational ones
// at debug level, errors at a bounded rate.
type pebbleLogger struct {
	log   *slog.Logger
	mu    sync.Mutex
	limit logLimit
}

// Infof logs at debug level.
func (p *pebbleLogger) Infof(format string, args ...any) {
	p.log.Debug("pebble: " + fmt.Sprintf(format, args...))
}

// Errorf logs at error level, at most once per logEvery.
func (p *pebbleLogger) Errorf(format string, args ...any) {
	p.mu.Lock()
	n, ok := p.limit.allow(time.Now())
	p.mu.Unlock()
	if ok {
		p.log.Error("pebble: "+fmt.Sprintf(format, args...), "errors_not_logged", n)
	}
}

// Fatalf logs and ends the process, as Pebble expects of it.
func (p *pebbleLogger) Fatalf(format string, args ...any) {
	p.log.Error("pebble: fatal: " + fmt.Sprintf(format, args...))
	os.Exit(1)
}
