package main

import "syscall"

// stopWithParent asks Linux to send this process SIGTERM when its parent
// ends, so that a demo started by `go run` and stopped by signalling the
// go command (kill $! in a script) stops too, and its throwaway
// PostgreSQL and data with it, instead of holding their ports.
func stopWithParent() {
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0)
}
