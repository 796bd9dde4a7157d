package main

import (
	"os"
	"strings"
	"syscall"
)

// lazyFree re-executes the gateway in place (same process, same
// arguments) with madvdontneed=0 added to GODEBUG, unless GODEBUG already
// sets madvdontneed: the Go runtime then hands the memory the gateway
// freed back to the kernel with MADV_FREE instead of MADV_DONTNEED. The
// kernel takes such pages back only when it needs them, so a push or a
// materialization that allocates what the one before freed reuses mapped
// pages instead of faulting each one in again. On the 2-core virtual
// machine of docs/benchmarks.md the page faults were half of the
// gateway's CPU in a 100,000-row COPY into a feature view. RSS then
// counts freed pages until the kernel reclaims them; GODEBUG=
// madvdontneed=1 in the environment keeps Go's default. The runtime
// reads the setting only at start, and a //go:debug line cannot set it,
// hence the exec. lazyFree returns only when it did not re-execute: the
// setting is there, or the exec failed (the error).
func lazyFree() error {
	godebug, again := lazyFreeEnv(os.Getenv("GODEBUG"))
	if !again {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	if err := os.Setenv("GODEBUG", godebug); err != nil {
		return err
	}
	return syscall.Exec(exe, os.Args, os.Environ())
}

// lazyFreeEnv is GODEBUG with madvdontneed=0 added, and whether it had no
// madvdontneed setting (so the gateway must start again with the new one).
func lazyFreeEnv(godebug string) (string, bool) {
	for _, kv := range strings.Split(godebug, ",") {
		if strings.HasPrefix(strings.TrimSpace(kv), "madvdontneed=") {
			return godebug, false
		}
	}
	if godebug == "" {
		return "madvdontneed=0", true
	}
	return godebug + ",madvdontneed=0", true
}
