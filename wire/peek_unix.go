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
	if err := rc.Read(func(fd uintptr) bool {
		n, _, rerr = syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return true // never wait
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
