package wire

import (
	"fmt"
	"net"
	"sync"
	"time"
)

// Throttle configures the delay of logins from an address that failed too
// often: after Failures failed logins from one address within Window, each
// further attempt from it waits its turn, Delay after the previous one,
// until an attempt succeeds or Window passes without a failure.
type Throttle struct {
	Failures int           // failed logins allowed in Window (0: 10; negative: never throttle)
	Window   time.Duration // (0: 1 minute)
	Delay    time.Duration // between attempts once throttled (0: 1s)
}

// Defaults of Throttle.
const (
	defaultThrottleFailures = 10
	defaultThrottleWindow   = time.Minute
	defaultThrottleDelay    = time.Second
	// throttleMaxAddrs bounds the addresses remembered; past it the
	// oldest entries are forgotten.
	throttleMaxAddrs = 10000
)

func (t *Throttle) setDefaults() {
	if t.Failures == 0 {
		t.Failures = defaultThrottleFailures
	}
	if t.Window <= 0 {
		t.Window = defaultThrottleWindow
	}
	if t.Delay <= 0 {
		t.Delay = defaultThrottleDelay
	}
}

// throttle remembers the recent failed logins of each address.
type throttle struct {
	cfg   Throttle
	mu    sync.Mutex
	addrs map[string]*addrLogins
	now   func() time.Time
}

// addrLogins is what an address did lately.
type addrLogins struct {
	failures int       // failed logins since first
	first    time.Time // start of the current window
	last     time.Time // the last failure
	next     time.Time // when the next attempt may run, once throttled
}

func newThrottle(cfg Throttle) *throttle {
	return &throttle{cfg: cfg, addrs: map[string]*addrLogins{}, now: time.Now}
}

// hostOf is the address a connection's logins are counted under: its IP.
func hostOf(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	return a.String()
}

// turn returns how long a login attempt from host must wait before it
// runs: 0 unless the address is throttled. Each throttled attempt takes
// the next turn, so parallel connections do not get around the delay.
// When the wait would exceed limit, ok is false and no turn is taken.
func (t *throttle) turn(host string, limit time.Duration) (wait time.Duration, ok bool) {
	if t.cfg.Failures < 0 {
		return 0, true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.addrs[host]
	now := t.now()
	if a == nil || a.failures < t.cfg.Failures || now.Sub(a.last) > t.cfg.Window {
		return 0, true
	}
	at := a.next.Add(t.cfg.Delay)
	if at.Before(now) {
		at = now
	}
	if at.Sub(now) > limit {
		return 0, false
	}
	a.next = at
	return at.Sub(now), true
}

// failed records a failed login from host.
func (t *throttle) failed(host string) {
	if t.cfg.Failures < 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	a := t.addrs[host]
	if a == nil || now.Sub(a.first) > t.cfg.Window && a.failures < t.cfg.Failures || now.Sub(a.last) > t.cfg.Window {
		if a == nil && len(t.addrs) >= throttleMaxAddrs {
			t.forgetOld(now)
		}
		a = &addrLogins{first: now}
		t.addrs[host] = a
	}
	a.failures++
	a.last = now
}

// succeeded forgets host's failures.
func (t *throttle) succeeded(host string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.addrs, host)
}

// forgetOld drops the addresses without a failure within the window, and
// when that frees nothing, all of them: a flood of addresses must not
// grow the map without bound.
func (t *throttle) forgetOld(now time.Time) {
	for h, a := range t.addrs {
		if now.Sub(a.last) > t.cfg.Window {
			delete(t.addrs, h)
		}
	}
	if len(t.addrs) >= throttleMaxAddrs {
		clear(t.addrs)
	}
}

// awaitTurn delays a login attempt from a throttled address, or refuses it
// (53300) when its turn would come after half the startup timeout.
func (s *Server) awaitTurn(c *clientConn, host string) bool {
	wait, ok := s.throttle.turn(host, s.cfg.StartupTimeout/2)
	if !ok {
		s.log.Info("login refused: too many failed logins", "remote", host)
		c.fatal("53300", "too many failed logins from this address",
			fmt.Sprintf("wait %s before trying again", s.cfg.LoginThrottle.Window))
		return false
	}
	if wait > 0 {
		time.Sleep(wait)
	}
	return true
}

// loginFailed counts a failed login and tells the client.
func (s *Server) loginFailed(c *clientConn, host string, err *authError) {
	s.throttle.failed(host)
	s.events.Login(false)
	c.fatal("28P01", err.Error(), "")
}

// loginSucceeded forgets the failures of host.
func (s *Server) loginSucceeded(host string) {
	s.throttle.succeeded(host)
	s.events.Login(true)
}
