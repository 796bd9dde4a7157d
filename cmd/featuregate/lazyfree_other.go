//go:build !linux

package main

// lazyFree does nothing: Go returns freed memory lazily by default where
// the system allows it (see lazyfree_linux.go).
func lazyFree() error { return nil }
