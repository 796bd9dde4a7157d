package wire_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/featuregate/featuregate/internal/gatewaytest"
)

// fuzzInputTime bounds what one fuzz input may take: writing it, and
// reading the gateway's answers until it closes the connection.
const fuzzInputTime = time.Second

// fuzzEndTime bounds how long the gateway may keep a session whose client
// has gone while the session's upstream backend waits for the gateway.
const fuzzEndTime = 3 * time.Second

// fuzzSeq numbers the fuzzed sessions, to tell their upstream backends apart.
var fuzzSeq atomic.Int64

// FuzzSession sends arbitrary bytes to a real gateway, over a real
// PostgreSQL, in a session that completed its startup (and ran SELECT 1,
// see fuzzNext), then half-closes the connection and reads whatever comes
// back until the gateway closes it.
// The gateway must not crash, must answer only well-framed backend
// messages, must end the session once its client has gone (unless the
// offline PostgreSQL is still busy with it), and must still serve other
// sessions: a session open from the start and a new one both run SELECT 1
// afterwards.
func FuzzSession(f *testing.F) {
	for _, seed := range fuzzSessionSeeds() {
		f.Add(seed)
	}
	f.Setenv(fuzzPGPortEnv, strconv.Itoa(pg.Port)) // for the workers, see TestMain
	fuzzBoundMinimization(f)
	g := gatewaytest.Start(f, pg, "fuzz")
	ctx := context.Background()
	watch, err := pgconn.Connect(ctx, g.DSN("fuzz", "fuzz"))
	if err != nil {
		f.Fatalf("connect the watching session: %v", err)
	}
	f.Cleanup(func() { _ = watch.Close(context.Background()) })
	admin, err := pgconn.Connect(ctx, pg.DSN("fuzz"))
	if err != nil {
		f.Fatalf("connect to PostgreSQL: %v", err)
	}
	f.Cleanup(func() { _ = admin.Close(context.Background()) })
	f.Cleanup(func() {
		if fuzzNext != nil {
			fuzzNext.close()
			fuzzNext = nil
		}
	})

	f.Fuzz(func(t *testing.T, data []byte) {
		sess := fuzzNext
		fuzzNext = nil
		if sess == nil {
			var err error
			if sess, err = fuzzOpen(g.Addr); err != nil {
				t.Fatal(err)
			}
		}
		out, closed, err := sess.exchange(data)
		if err != nil {
			t.Fatal(err)
		}
		if err := fuzzCheckFraming(out, closed); err != nil {
			t.Fatalf("the gateway answered %d malformed bytes: %v\n%q", len(out), err, fuzzTruncate(out, 512))
		}
		if err := fuzzSessionEnds(admin, sess.app); err != nil {
			t.Fatalf("%v\ninput: %q", err, fuzzTruncate(data, 512))
		}
		if err := fuzzSelectOne(watch); err != nil {
			t.Fatalf("the session open since the start fails after the input: %v", err)
		}
		next, err := fuzzOpen(g.Addr)
		if err != nil {
			t.Fatalf("a new session cannot connect after the input: %v", err)
		}
		if err := next.selectOne(); err != nil {
			next.close()
			t.Fatalf("a new session fails after the input: %v", err)
		}
		fuzzNext = next
	})
}

// fuzzMinimizeTime bounds the minimization of each input that widened
// coverage, unless -fuzzminimizetime says otherwise. Minimizing runs the
// target hundreds of times, at milliseconds a run here: with the default
// of 60 s, one minimization (which reports its runs only when it ends)
// takes a whole 30 s fuzzing run, and nothing new is tried meanwhile.
const fuzzMinimizeTime = "1s"

// fuzzBoundMinimization sets -fuzzminimizetime to fuzzMinimizeTime when
// the command line did not set it. It takes effect in the coordinator,
// which reads the flag when FuzzSession calls f.Fuzz.
func fuzzBoundMinimization(tb testing.TB) {
	given := false
	flag.Visit(func(fl *flag.Flag) { given = given || fl.Name == "test.fuzzminimizetime" })
	if given {
		return
	}
	if err := flag.Set("test.fuzzminimizetime", fuzzMinimizeTime); err != nil {
		tb.Fatal(err)
	}
}

// fuzzSession is a raw client session, past its startup, that a fuzz
// input is written to.
type fuzzSession struct {
	app string // its application_name, unique to tell its upstream backend apart
	nc  net.Conn
	br  *bufio.Reader
}

// fuzzNext is the session the next input is written to: the new session of
// the last input's check, which ran SELECT 1 and is otherwise untouched.
// Reusing it spares each input the opening of a second session, and with
// it an upstream connection (a PostgreSQL backend).
var fuzzNext *fuzzSession

// fuzzOpen opens a session on addr as user and database "fuzz", with an
// application name of its own, and waits for its first ReadyForQuery.
func fuzzOpen(addr string) (*fuzzSession, error) {
	app := fmt.Sprintf("fuzz-%d-%d", os.Getpid(), fuzzSeq.Add(1))
	nc, err := net.DialTimeout("tcp", addr, fuzzInputTime)
	if err != nil {
		return nil, fmt.Errorf("dial the gateway: %w", err)
	}
	s := &fuzzSession{app: app, nc: nc, br: bufio.NewReader(nc)}
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	startup, err := (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": "fuzz", "database": "fuzz", "application_name": app}}).Encode(nil)
	if err == nil {
		_, err = nc.Write(startup)
	}
	if err == nil {
		_, err = fuzzReadUntilReady(s.br)
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("startup: %w", err)
	}
	return s, nil
}

func (s *fuzzSession) close() { _ = s.nc.Close() }

// selectOne runs SELECT 1 and checks that it returns 1.
func (s *fuzzSession) selectOne() error {
	_ = s.nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := s.nc.Write(fuzzQuery("SELECT 1")); err != nil {
		return err
	}
	rows, err := fuzzReadUntilReady(s.br)
	if err != nil {
		return err
	}
	// a DataRow of one column (count 1), of 1 byte: "1"
	if len(rows) != 1 || string(rows[0]) != "\x00\x01\x00\x00\x00\x011" {
		return fmt.Errorf("SELECT 1 returned rows %q", rows)
	}
	return nil
}

// exchange writes data, half-closes the connection and reads everything
// the gateway sends until it closes the connection or fuzzInputTime
// passes; closed reports that the gateway closed it. The session is closed
// afterwards.
func (s *fuzzSession) exchange(data []byte) (out []byte, closed bool, err error) {
	defer s.close()
	// Read concurrently with writing: the gateway answers while it reads,
	// and neither side may block the other on a full socket buffer.
	_ = s.nc.SetDeadline(time.Now().Add(fuzzInputTime))
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(s.br)
		done <- result{b, err}
	}()
	if _, err := s.nc.Write(data); err == nil {
		_ = s.nc.(*net.TCPConn).CloseWrite()
	}
	r := <-done
	var ne net.Error
	switch {
	case r.err == nil:
		return r.out, true, nil
	case errors.As(r.err, &ne) && ne.Timeout():
		return r.out, false, nil // the gateway went quiet: still waiting, or still busy
	default:
		return r.out, true, nil // reset by the gateway
	}
}

// fuzzSessionEnds waits until the upstream backend of the session named app
// is gone, which means the gateway ended the session after its client left.
// A backend still there after fuzzEndTime is fine while it is busy (a slow
// query), but not while it waits for the gateway to send something
// (wait_event ClientRead): then the session is stuck for good, holding a
// connection slot and an upstream backend.
func fuzzSessionEnds(admin *pgconn.PgConn, app string) error {
	deadline := time.Now().Add(fuzzEndTime)
	// The backend of a session that ended is gone within a millisecond or
	// two: look again soon, then less often.
	wait := 500 * time.Microsecond
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		res := admin.ExecParams(ctx, `SELECT state, coalesce(wait_event, ''), left(query, 200)
			FROM pg_stat_activity WHERE application_name = $1`, [][]byte{[]byte(app)}, nil, nil, nil).Read()
		cancel()
		if res.Err != nil {
			return fmt.Errorf("look the session up in pg_stat_activity: %w", res.Err)
		}
		if len(res.Rows) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			row := res.Rows[0]
			if string(row[1]) != "ClientRead" {
				return nil // the offline store is still busy with it
			}
			return fmt.Errorf("the gateway did not end the session %v after its client left: "+
				"its upstream backend is %s and waits for the gateway (last query %q)", fuzzEndTime, row[0], row[2])
		}
		time.Sleep(wait)
		wait = min(2*wait, 20*time.Millisecond)
	}
}

// fuzzReadUntilReady reads backend messages until ReadyForQuery, failing
// on an ErrorResponse, and returns the bodies of the DataRows.
func fuzzReadUntilReady(br *bufio.Reader) ([][]byte, error) {
	var rows [][]byte
	for {
		var hdr [5]byte
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return nil, err
		}
		n := int(binary.BigEndian.Uint32(hdr[1:])) - 4
		if n < 0 || n > 1<<20 {
			return nil, fmt.Errorf("message %q has length %d", hdr[0], n+4)
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(br, body); err != nil {
			return nil, err
		}
		switch hdr[0] {
		case 'E':
			return nil, fmt.Errorf("error response: %q", body)
		case 'D':
			rows = append(rows, body)
		case 'Z':
			return rows, nil
		}
	}
}

// fuzzBackendTypes are the message types a PostgreSQL server sends after startup.
const fuzzBackendTypes = "RKSZTDCEINnstAGHWcd123Vv"

// fuzzCheckFraming checks that out is a sequence of backend messages with sane
// lengths; when the gateway closed the connection, the last one must be
// complete too.
func fuzzCheckFraming(out []byte, closed bool) error {
	for i := 0; i < len(out); {
		if len(out)-i < 5 {
			if closed {
				return fmt.Errorf("%d stray bytes at the end", len(out)-i)
			}
			return nil
		}
		typ := out[i]
		n := int(binary.BigEndian.Uint32(out[i+1:]))
		if !strings.ContainsRune(fuzzBackendTypes, rune(typ)) {
			return fmt.Errorf("unknown message type %q at offset %d", typ, i)
		}
		if n < 4 {
			return fmt.Errorf("message %q at offset %d has length %d", typ, i, n)
		}
		if i+1+n > len(out) {
			if closed {
				return fmt.Errorf("message %q at offset %d has length %d but only %d bytes follow", typ, i, n, len(out)-i-1)
			}
			return nil
		}
		i += 1 + n
	}
	return nil
}

// fuzzSelectOne runs SELECT 1 and checks that it returns 1.
func fuzzSelectOne(c *pgconn.PgConn) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := c.Exec(ctx, "SELECT 1").ReadAll()
	if err != nil {
		return err
	}
	if len(res) != 1 || res[0].Err != nil || len(res[0].Rows) != 1 || string(res[0].Rows[0][0]) != "1" {
		return fmt.Errorf("SELECT 1 returned %+v", res)
	}
	return nil
}

func fuzzTruncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// enc encodes frontend messages one after the other.
func fuzzEnc(msgs ...pgproto3.FrontendMessage) []byte {
	var b []byte
	for _, m := range msgs {
		var err error
		if b, err = m.Encode(b); err != nil {
			panic(err)
		}
	}
	return b
}

// raw builds a message by hand: its type, a length field as given, and body.
func fuzzRaw(typ byte, length uint32, body []byte) []byte {
	b := []byte{typ}
	b = binary.BigEndian.AppendUint32(b, length)
	return append(b, body...)
}

// framed builds a well-framed message of any type by hand.
func fuzzFramed(typ byte, body []byte) []byte { return fuzzRaw(typ, uint32(len(body)+4), body) }

func fuzzCat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func fuzzQuery(sql string) []byte { return fuzzEnc(&pgproto3.Query{String: sql}) }

// fuzzSessionSeeds are valid and invalid message sequences a client could send
// after startup.
func fuzzSessionSeeds() [][]byte {
	sync := &pgproto3.Sync{}
	unnamed := func(sql string, args ...[]byte) []byte {
		return fuzzEnc(&pgproto3.Parse{Query: sql},
			&pgproto3.Bind{Parameters: args},
			&pgproto3.Describe{ObjectType: 'P'},
			&pgproto3.Execute{},
		)
	}
	// More forwarded messages than the gateway keeps pending (512), in
	// few bytes, so that the fuzzer can still afford to mutate it.
	big := fuzzEnc(&pgproto3.Parse{Name: "s", Query: "SELECT $1::int"})
	for i := 0; i < 520; i++ {
		big = append(big, fuzzEnc(&pgproto3.Describe{ObjectType: 'S', Name: "s"})...)
	}
	big = append(big, fuzzEnc(&pgproto3.Bind{PreparedStatement: "s", Parameters: [][]byte{[]byte("7")}},
		&pgproto3.Execute{}, sync)...)

	return [][]byte{
		nil,
		fuzzQuery("SELECT 1"),
		fuzzQuery(""),
		fuzzQuery(";;"),
		fuzzQuery("SELECT 1; SELECT 'two', 3.0; SELECT NULL"),
		fuzzQuery("SELEC 1"),
		fuzzQuery("SELECT repeat('x', 200000)"),
		fuzzQuery("SELECT * FROM generate_series(1, 2000)"),
		fuzzCat(fuzzQuery("BEGIN"), fuzzQuery("SELECT 1"), fuzzQuery("COMMIT")),
		fuzzQuery("BEGIN; SELECT 1; COMMIT"),
		fuzzCat(fuzzQuery("BEGIN"), fuzzQuery("SELECT 1/0"), fuzzQuery("SELECT 1"), fuzzQuery("ROLLBACK")),
		fuzzCat(fuzzQuery("BEGIN"), fuzzQuery("SET ROLE postgres"), fuzzQuery("SELECT 1"), fuzzQuery("ROLLBACK"), fuzzQuery("SELECT current_user")),
		fuzzQuery("SET ROLE postgres"),
		fuzzQuery("RESET ROLE; SELECT 1"),
		fuzzQuery("SET SESSION AUTHORIZATION postgres"),
		fuzzQuery("SELECT set_config('role', 'postgres', false)"),
		fuzzQuery("DO $$BEGIN RAISE NOTICE 'x'; END$$"),
		fuzzQuery("CREATE TABLE fuzz_t (a int)"),
		fuzzQuery("SELECT $tag$a;b$tag$; -- comment\n/* c */ SELECT 2"),
		fuzzQuery("SET client_min_messages = debug5; SELECT 1"),
		fuzzQuery("LISTEN fz; NOTIFY fz, 'payload'; SELECT 1"),
		fuzzQuery("SELECT pg_advisory_lock(1); SELECT 1"),
		// extended protocol
		fuzzCat(unnamed("SELECT $1::int + 1", []byte("41")), fuzzEnc(sync)),
		fuzzCat(unnamed("SELECT 1"), fuzzEnc(&pgproto3.Flush{}), unnamed("SELECT 2"), fuzzEnc(sync)),
		fuzzCat(fuzzEnc(&pgproto3.Parse{Name: "s1", Query: "SELECT * FROM generate_series(1, $1::int)"},
			&pgproto3.Describe{ObjectType: 'S', Name: "s1"},
			&pgproto3.Bind{DestinationPortal: "p1", PreparedStatement: "s1", Parameters: [][]byte{[]byte("10")}},
			&pgproto3.Execute{Portal: "p1", MaxRows: 3},
			&pgproto3.Execute{Portal: "p1", MaxRows: 3},
			&pgproto3.Close{ObjectType: 'P', Name: "p1"},
			&pgproto3.Close{ObjectType: 'S', Name: "s1"},
			sync)),
		fuzzCat(unnamed("SELEC bad"), unnamed("SELECT 1"), fuzzEnc(sync), fuzzQuery("SELECT 1")),
		fuzzCat(unnamed("SET ROLE postgres"), fuzzEnc(sync), fuzzQuery("SELECT 1")),
		fuzzCat(fuzzQuery("BEGIN"), unnamed("SELECT set_config('role', 'postgres', false)"), fuzzEnc(sync), fuzzQuery("SELECT 1"), fuzzQuery("ROLLBACK")),
		fuzzCat(fuzzQuery("BEGIN"), unnamed("SELECT 1"), fuzzEnc(sync), unnamed("DO $$BEGIN END$$"), fuzzEnc(sync), fuzzQuery("ROLLBACK")),
		fuzzEnc(&pgproto3.Bind{PreparedStatement: "missing"}, &pgproto3.Execute{}, sync),
		fuzzEnc(&pgproto3.Execute{Portal: "nope"}, sync),
		fuzzEnc(&pgproto3.Describe{ObjectType: 'P', Name: "nope"}, &pgproto3.Describe{ObjectType: 'S', Name: "nope"}, sync),
		fuzzEnc(&pgproto3.Parse{Query: "SELECT $1::int"}, &pgproto3.Bind{Parameters: [][]byte{[]byte("a"), []byte("b")}}, sync),
		fuzzEnc(&pgproto3.Parse{Query: "SELECT $1::int"}, &pgproto3.Bind{ParameterFormatCodes: []int16{1}, Parameters: [][]byte{{1}}}, &pgproto3.Execute{}, sync),
		fuzzEnc(&pgproto3.Parse{Query: "SELECT 1", ParameterOIDs: []uint32{23, 25, 0xffffffff}}, sync),
		fuzzEnc(sync, sync, sync),
		fuzzEnc(&pgproto3.Flush{}),
		big,
		// COPY
		fuzzCat(fuzzQuery("CREATE TEMP TABLE t (a int); COPY t FROM STDIN"),
			fuzzEnc(&pgproto3.CopyData{Data: []byte("1\n2\n")}, &pgproto3.CopyDone{}),
			fuzzQuery("SELECT count(*) FROM t")),
		fuzzCat(fuzzQuery("CREATE TEMP TABLE t (a int); COPY t FROM STDIN"),
			fuzzEnc(&pgproto3.CopyData{Data: []byte("1\n")}, &pgproto3.CopyFail{Message: "stop"}), fuzzQuery("SELECT 1")),
		fuzzCat(fuzzQuery("CREATE TEMP TABLE t (a int); COPY t FROM STDIN"),
			fuzzEnc(&pgproto3.CopyData{Data: []byte("x\n")}, &pgproto3.Sync{}, &pgproto3.Flush{}, &pgproto3.CopyDone{}), fuzzQuery("SELECT 1")),
		fuzzCat(fuzzQuery("CREATE TEMP TABLE t (a int); COPY t FROM STDIN"),
			fuzzEnc(&pgproto3.CopyData{Data: []byte("1\n")}, &pgproto3.Parse{Query: "SELECT 1"}), fuzzQuery("SELECT 1")),
		fuzzCat(fuzzQuery("CREATE TEMP TABLE t (a int); COPY t FROM STDIN"), fuzzEnc(&pgproto3.CopyData{Data: []byte("1\n")})),
		fuzzQuery("COPY (SELECT generate_series(1, 100)) TO STDOUT"),
		fuzzEnc(&pgproto3.CopyData{Data: []byte("stray")}, &pgproto3.CopyDone{}, &pgproto3.CopyFail{Message: "stray"}),
		// other message types
		fuzzEnc(&pgproto3.FunctionCall{Function: 1598, Arguments: [][]byte{{0, 0, 0, 1}}, ResultFormatCode: 1}),
		fuzzCat(fuzzEnc(&pgproto3.Terminate{}), fuzzQuery("SELECT 1")),
		fuzzEnc(&pgproto3.PasswordMessage{Password: "secret"}),
		fuzzFramed('y', nil),
		fuzzFramed(0, []byte("zero")),
		fuzzFramed('D', []byte{'X', 'n', 'o', 0}),
		fuzzFramed('C', []byte{'Z', 0}),
		// startup-phase packets after startup
		[]byte{0, 0, 0, 8, 4, 210, 22, 47},                          // SSLRequest
		[]byte{0, 0, 0, 8, 4, 210, 22, 48},                          // GSSENCRequest
		[]byte{0, 0, 0, 16, 4, 210, 22, 46, 0, 0, 0, 1, 0, 0, 0, 2}, // CancelRequest
		// bogus lengths and truncated messages
		fuzzRaw('Q', 0, nil),
		fuzzRaw('Q', 3, []byte("SELECT 1\x00")),
		fuzzRaw('Q', 0xffffffff, []byte("SELECT 1\x00")),
		fuzzRaw('Q', 0x7fffffff, []byte("SELECT 1\x00")),
		fuzzRaw('Q', 64<<20+5, []byte("SELECT 1\x00")),
		fuzzRaw('Q', 100, []byte("SELECT")),
		fuzzRaw('Q', 13, []byte("SELECT 1")), // no terminator
		fuzzFramed('Q', []byte("SELECT 1")),  // no terminator
		fuzzFramed('Q', []byte("SELECT 1\x00extra")),
		fuzzFramed('P', []byte{0}),
		fuzzFramed('P', []byte("\x00SELECT $1\x00\x00\x05\x00\x00\x00\x17")), // five OIDs announced, one given
		fuzzFramed('B', []byte("\x00\x00\x00\x02\x00\x01")),
		fuzzFramed('E', []byte("\x00")),
		fuzzFramed('D', nil),
		fuzzFramed('C', nil),
		fuzzFramed('d', nil),
		fuzzQuery("SELECT 1")[:6],
		fuzzCat(fuzzQuery("SELECT 1"), []byte{'Q', 0, 0}),
	}
}
