package main

import (
	"context"

	"github.com/featuregate/featuregate/httpapi"
)

// checks are the gateway's /health and /ready checks: it is alive while
// the online store answers (lookups work), and ready while the offline
// store answers too. Their errors, which name hosts and users, reach the
// log only.
func (e *engine) checks(m *gatewayMetrics) healthChecks {
	return healthChecks{
		live: func(ctx context.Context) error {
			if _, _, err := e.online.Watermark(ctx, "", ""); err != nil {
				return &httpapi.Unavailable{Part: "the online store", Err: err}
			}
			return nil
		},
		ready: func(ctx context.Context) error {
			if err := e.pool.Ping(ctx); err != nil {
				return &httpapi.Unavailable{Part: "the offline store", Err: err}
			}
			return nil
		},
		registry: m.registry,
	}
}
