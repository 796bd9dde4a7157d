//go:build !linux

package main

// stopWithParent does nothing where the system cannot tell a process its
// parent ended: stop the demo itself.
func stopWithParent() {}
