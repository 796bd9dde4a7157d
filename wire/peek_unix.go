//go:build unix

package wire

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
)

// peek tells, without reading or waiting, whether nc has bytes to read or
// was closed by its peer. Under TLS it looks at the socket below: any
// record counts as data.
func peek(nc net.Conn) peekState {
	if t, ok := nc.(*tls.Conn); ok {
		nc = t.NetConn()
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return peekNothing
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return peekClosed
	}
	var buf [1]byte
	var n int
	var rerr error
	// Control, not Read: it takes no read lock, so a read in progress on
	// the connection (pgconn's background reader, see upstream.in) cannot
	// make peek wait.
	if err := rc.Control(func(fd uintptr) {
		n, _, rerr = syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	}); err != nil {
		return peekClosed
	}
	switch {
	case errors.Is(rerr, syscall.EAGAIN), errors.Is(rerr, syscall.EINTR):
		return peekNothing
	case rerr != nil, n == 0:
		return peekClosed
	}
	return peekData
}
