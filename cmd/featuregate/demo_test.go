package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/featuregate/featuregate/internal/localpg"
)

// TestDemo runs `featuregate demo` as the README's first command does and
// uses the StreamFlow example through it with psql.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr := freeAddr(t)
	var out bytes.Buffer
	root := newRootCmd()
	root.SetArgs([]string{"demo", "--listen", addr, "--log-level", "error"})
	root.SetOut(&out)
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	query := "SHOW FEATURE VIEWS; SELECT count(*) FROM labels; SELECT months_active FROM subscriptions_profile_snapshots WHERE user_id = 'u00001' ORDER BY as_of"
	var got []byte
	var err error
	deadline := time.Now().Add(60 * time.Second)
	for {
		cmd := exec.Command(filepath.Join(localpg.BinDir, "psql"), "-X", "-A", "-t", "postgres://demo@"+addr+"/streamflow", "-c", query)
		got, err = cmd.CombinedOutput()
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("psql: %v\n%s\ndemo output:\n%s", err, got, out.String())
	}
	for _, want := range []string{
		"subs_profile_fv|user|subs_profile_source|6", "payments_agg_90d_fv|user|payments_agg_90d_source|1",
		"\n1000\n", "\n14\n15\n",
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("psql output lacks %q:\n%s", want, got)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("demo: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("demo did not stop")
	}
	if !strings.Contains(out.String(), "Applied version 1.") || !strings.Contains(out.String(), "/streamflow") {
		t.Errorf("demo output:\n%s", out.String())
	}
}
