package wire

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
)

// startupPacketMax is PostgreSQL's MAX_STARTUP_PACKET_LENGTH: the largest
// startup packet, length word included.
const startupPacketMax = 10000

// Request codes of the startup phase, in the place of a protocol version.
const (
	cancelRequestCode = 80877102
	sslRequestCode    = 80877103
	gssEncRequestCode = 80877104
)

// protocol30 is the only protocol version the gateway speaks, and what
// its NegotiateProtocolVersion says, as PostgreSQL's says its newest
// version whole (major<<16 | minor).
const protocol30 = 3 << 16

// pqOptionPrefix starts the names of protocol options in a startup
// message; the gateway knows none of them.
const pqOptionPrefix = "_pq_."

// protocolError is a startup packet the gateway cannot serve; it is told
// to the client as a FATAL error before the connection closes.
type protocolError struct{ code, msg string }

func (e *protocolError) Error() string { return e.msg }

// readStartupPacket reads one packet of the startup phase. A startup
// message of a protocol 3.x newer than 3.0 is decoded as 3.0 and minor is
// its x, so that the caller can answer with NegotiateProtocolVersion, as
// PostgreSQL does; another major version is a *protocolError.
func readStartupPacket(r io.Reader) (msg pgproto3.FrontendMessage, minor uint32, err error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, 0, err
	}
	n := int(int32(binary.BigEndian.Uint32(head[:])))
	if n < 8 || n > startupPacketMax {
		return nil, 0, &protocolError{"08P01", fmt.Sprintf("invalid length of startup packet: %d", n)}
	}
	body := make([]byte, n-4)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, 0, err
	}
	code := binary.BigEndian.Uint32(body)
	switch code {
	case sslRequestCode:
		msg = &pgproto3.SSLRequest{}
	case gssEncRequestCode:
		msg = &pgproto3.GSSEncRequest{}
	case cancelRequestCode:
		msg = &pgproto3.CancelRequest{}
	default:
		if major := code >> 16; major != 3 {
			return nil, 0, &protocolError{"0A000", fmt.Sprintf(
				"unsupported frontend protocol %d.%d: server supports 3.0 to 3.0", major, code&0xffff)}
		}
		minor = code & 0xffff
		binary.BigEndian.PutUint32(body, protocol30)
		msg = &pgproto3.StartupMessage{}
	}
	if err := msg.Decode(body); err != nil {
		return nil, 0, &protocolError{"08P01", "invalid startup packet layout: " + err.Error()}
	}
	return msg, minor, nil
}

// pqOptions removes the protocol options (_pq_.name) from a startup
// message's parameters and returns their names, sorted.
func pqOptions(params map[string]string) []string {
	var names []string
	for k := range params {
		if strings.HasPrefix(k, pqOptionPrefix) {
			names = append(names, k)
			delete(params, k)
		}
	}
	slices.Sort(names)
	return names
}
