package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestDemo runs `featuregate demo` as the README's first command does and
// uses the StreamFlow example through it with psql.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr := freeAddr(t)
	var out bytes.Buffer
	root := newRootCmd()
	root.SetArgs([]string{"demo", "--listen", addr, "--http", "off", "--log-level", "error"})
	root.SetOut(&out)
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	query := "SHOW FEATURE VIEWS; SELECT count(*) FROM labels; SELECT months_active FROM subscriptions_profile_snapshots WHERE user_id = '7590-VHVEG' ORDER BY as_of"
	got, err := psqlWhenUp("postgres://demo@"+addr+"/streamflow", "", query, 60*time.Second)
	if err != nil {
		t.Fatalf("psql: %v\n%s\ndemo output:\n%s", err, got, out.String())
	}
	for _, want := range []string{
		"subs_profile_fv|user|subs_profile_source|6", "payments_agg_90d_fv|user|payments_agg_90d_source|1",
		"\n1000\n1\n2\n",
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("psql output lacks %q:\n%s", want, got)
		}
	}
	quick, err := psqlWhenUp("postgres://demo@"+addr+"/quickstart", "", "SHOW FEATURE VIEWS", 10*time.Second)
	if err != nil || !strings.Contains(string(quick), "driver_hourly_stats|driver|") {
		t.Errorf("the quickstart project: %v\n%s", err, quick)
	}
	cancel()
	waitStopped(t, done, "demo")
	if !strings.Contains(out.String(), "Applied version 1.") || !strings.Contains(out.String(), "/streamflow") {
		t.Errorf("demo output:\n%s", out.String())
	}
}
