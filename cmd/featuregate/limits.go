package main

import (
	"log/slog"
	"syscall"
	"time"

	"github.com/featuregate/featuregate/internal/config"
	"github.com/featuregate/featuregate/wire"
)

// setWireLimits copies the login limits and tls.required of cfg into w.
func setWireLimits(w *wire.Config, cfg config.Config) {
	l := cfg.Limits
	w.MaxPendingLogins = l.MaxPendingLogins
	w.MaxPendingLoginsPerAddress = l.MaxPendingLoginsPerAddress
	w.StartupTimeout = time.Duration(l.StartupTimeout)
	w.LoginThrottle = wire.Throttle{Failures: l.LoginThrottleFailures,
		Window: time.Duration(l.LoginThrottleWindow), Delay: time.Duration(l.LoginThrottleDelay)}
	w.TLSRequired = cfg.TLS.Required
}

// descriptorsReserved are the descriptors a gateway holds besides its
// connections: listeners, pools to PostgreSQL, Pebble's files, logs.
const descriptorsReserved = 64

// checkDescriptors warns when the connection limits could use more file
// descriptors than the process may open: each session holds two (the
// client's and its upstream connection), each pending login one. Past the
// limit the gateway refuses connections until descriptors are free again,
// rather than failing.
func checkDescriptors(log *slog.Logger, maxConnections, maxPending int) {
	if maxConnections <= 0 {
		maxConnections = config.DefaultLimits().MaxConnections
	}
	if maxPending <= 0 {
		maxPending = config.DefaultLimits().MaxPendingLogins
	}
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return
	}
	need := uint64(2*maxConnections + maxPending + descriptorsReserved)
	if need > rl.Cur {
		log.Warn("the connection limits may need more file descriptors than the process may open",
			"max_connections", maxConnections, "max_pending_logins", maxPending,
			"descriptors_needed", need, "descriptor_limit", rl.Cur,
			"hint", "raise the limit (ulimit -n, LimitNOFILE=) or lower limits.max_connections")
	}
}
