package wire

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"syscall"
	"time"
)

// Defaults of the limits of Config.
const (
	defaultMaxConnections   = 100
	defaultMaxPendingLogins = 64
	defaultStartupTimeout   = 10 * time.Second
)

// maxLoginMessageLen bounds each message before authentication (the
// password, the SASL messages); PostgreSQL bounds the startup packet
// itself at 10000 bytes (startupPacketMax). After authentication messages
// may be up to maxMessageLen.
const maxLoginMessageLen = 8 << 10

// setLimits fills in the defaults of the limits.
func (c *Config) setLimits() error {
	if c.MaxConnections <= 0 {
		c.MaxConnections = defaultMaxConnections
	}
	if c.MaxPendingLogins <= 0 {
		c.MaxPendingLogins = defaultMaxPendingLogins
	}
	if c.MaxPendingLoginsPerAddress <= 0 {
		c.MaxPendingLoginsPerAddress = max(1, c.MaxPendingLogins/2)
	}
	if c.StartupTimeout <= 0 {
		c.StartupTimeout = defaultStartupTimeout
	}
	if c.TLSRequired && c.TLS == nil {
		return errors.New("wire: TLS is required but no certificate is configured")
	}
	c.LoginThrottle.setDefaults()
	return nil
}

// acquirePending takes a pending-login slot for a connection from addr,
// or says which limit refuses it: "" when it got one,
// "limits.max_pending_logins_per_address" when that address holds its
// share, "limits.max_pending_logins" when all are taken.
func (s *Server) acquirePending(addr string) string {
	s.pendMu.Lock()
	defer s.pendMu.Unlock()
	if s.pendBy[addr] >= s.cfg.MaxPendingLoginsPerAddress {
		return "limits.max_pending_logins_per_address"
	}
	select {
	case s.pending <- struct{}{}:
		s.pendBy[addr]++
		return ""
	default:
		return "limits.max_pending_logins"
	}
}

// releasePending gives back the slot of a connection from addr.
func (s *Server) releasePending(addr string) {
	s.pendMu.Lock()
	defer s.pendMu.Unlock()
	<-s.pending
	if s.pendBy[addr]--; s.pendBy[addr] <= 0 {
		delete(s.pendBy, addr)
	}
}

// acceptBackoff spaces out the retries of a failing Accept, as net/http
// does: 5ms, doubling up to 1s, back to nothing after a success.
type acceptBackoff struct{ d time.Duration }

const (
	acceptBackoffMin = 5 * time.Millisecond
	acceptBackoffMax = time.Second
)

// wait logs err and sleeps the next delay, or until ctx is done.
func (b *acceptBackoff) wait(ctx context.Context, log *slog.Logger, err error) {
	if b.d == 0 {
		b.d = acceptBackoffMin
	} else {
		b.d = min(2*b.d, acceptBackoffMax)
	}
	log.Warn("accept failed; retrying", "err", err, "retry_in", b.d)
	t := time.NewTimer(b.d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (b *acceptBackoff) reset() { b.d = 0 }

// temporary reports whether an Accept error can pass: the process or the
// system ran out of descriptors, buffers or memory, or one connection
// failed before it was accepted. A closed listener is not temporary.
func temporary(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	for _, e := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM,
		syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EAGAIN, syscall.EINTR, syscall.EPROTO, syscall.EPERM} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
