package wire_test

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/featuregate/featuregate/internal/gatewaytest"
	"github.com/featuregate/featuregate/wire"
)

// raw is a client that speaks the protocol message by message.
type raw struct {
	t  *testing.T
	nc net.Conn
	fe *pgproto3.Frontend
}

func dialRaw(t *testing.T, addr string) *raw {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	return &raw{t: t, nc: nc, fe: pgproto3.NewFrontend(nc, nc)}
}

// startup sends a startup message and returns every message up to the
// first ReadyForQuery (or the error that ends the connection).
func (r *raw) startup(params map[string]string) []pgproto3.BackendMessage {
	r.t.Helper()
	r.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: params})
	return r.until(func(m pgproto3.BackendMessage) bool {
		_, isErr := m.(*pgproto3.ErrorResponse)
		return isErr
	})
}

func (r *raw) send(msgs ...pgproto3.FrontendMessage) {
	r.t.Helper()
	for _, m := range msgs {
		r.fe.Send(m)
	}
	if err := r.fe.Flush(); err != nil {
		r.t.Fatal(err)
	}
}

// until reads messages up to ReadyForQuery, or up to one for which stop
// returns true. Messages are copied into a readable text form.
func (r *raw) until(stop func(pgproto3.BackendMessage) bool) []pgproto3.BackendMessage {
	r.t.Helper()
	var out []pgproto3.BackendMessage
	for {
		m, err := r.fe.Receive()
		if err != nil {
			r.t.Fatalf("receive after %s: %v", describe(out), err)
		}
		out = append(out, copyMsg(m))
		if _, ok := m.(*pgproto3.ReadyForQuery); ok || (stop != nil && stop(m)) {
			return out
		}
	}
}

func (r *raw) ready() []pgproto3.BackendMessage { return r.until(nil) }

// copyMsg copies the parts of a message the tests look at, since the
// frontend reuses message values.
func copyMsg(m pgproto3.BackendMessage) pgproto3.BackendMessage {
	switch v := m.(type) {
	case *pgproto3.DataRow:
		vals := make([][]byte, len(v.Values))
		for i, x := range v.Values {
			vals[i] = append([]byte(nil), x...)
		}
		return &pgproto3.DataRow{Values: vals}
	case *pgproto3.ErrorResponse:
		c := *v
		return &c
	case *pgproto3.ReadyForQuery:
		c := *v
		return &c
	case *pgproto3.CommandComplete:
		return &pgproto3.CommandComplete{CommandTag: append([]byte(nil), v.CommandTag...)}
	case *pgproto3.ParameterStatus:
		c := *v
		return &c
	case *pgproto3.ParameterDescription:
		return &pgproto3.ParameterDescription{ParameterOIDs: append([]uint32(nil), v.ParameterOIDs...)}
	case *pgproto3.RowDescription:
		fields := append([]pgproto3.FieldDescription(nil), v.Fields...)
		for i := range fields {
			fields[i].Name = append([]byte(nil), fields[i].Name...)
		}
		return &pgproto3.RowDescription{Fields: fields}
	case *pgproto3.CopyData:
		return &pgproto3.CopyData{Data: append([]byte(nil), v.Data...)}
	case *pgproto3.CopyInResponse:
		return &pgproto3.CopyInResponse{OverallFormat: v.OverallFormat, ColumnFormatCodes: append([]uint16(nil), v.ColumnFormatCodes...)}
	case *pgproto3.CopyOutResponse:
		return &pgproto3.CopyOutResponse{OverallFormat: v.OverallFormat, ColumnFormatCodes: append([]uint16(nil), v.ColumnFormatCodes...)}
	case *pgproto3.NoticeResponse:
		c := *v
		return &c
	}
	return m
}

// describe renders messages compactly: one token per message.
func describe(msgs []pgproto3.BackendMessage) string {
	var b strings.Builder
	for _, m := range msgs {
		switch v := m.(type) {
		case *pgproto3.DataRow:
			fmt.Fprintf(&b, "D%q ", v.Values)
		case *pgproto3.ErrorResponse:
			fmt.Fprintf(&b, "E(%s) ", v.Code)
		case *pgproto3.ReadyForQuery:
			fmt.Fprintf(&b, "Z(%c) ", v.TxStatus)
		case *pgproto3.CommandComplete:
			fmt.Fprintf(&b, "C(%s) ", v.CommandTag)
		case *pgproto3.ParseComplete:
			b.WriteString("1 ")
		case *pgproto3.BindComplete:
			b.WriteString("2 ")
		case *pgproto3.CloseComplete:
			b.WriteString("3 ")
		case *pgproto3.PortalSuspended:
			b.WriteString("s ")
		case *pgproto3.NoData:
			b.WriteString("n ")
		case *pgproto3.EmptyQueryResponse:
			b.WriteString("I ")
		case *pgproto3.RowDescription:
			b.WriteString("T ")
		case *pgproto3.ParameterDescription:
			fmt.Fprintf(&b, "t%v ", v.ParameterOIDs)
		case *pgproto3.ParameterStatus:
			b.WriteString("S ")
		case *pgproto3.BackendKeyData:
			b.WriteString("K ")
		case *pgproto3.AuthenticationOk:
			b.WriteString("R ")
		case *pgproto3.NoticeResponse:
			b.WriteString("N ")
		default:
			fmt.Fprintf(&b, "%T ", m)
		}
	}
	return strings.TrimSpace(b.String())
}

// session connects a raw client through a fresh gateway over database db.
func session(t *testing.T, db string, opts ...gatewaytest.Option) (*raw, *gatewaytest.Gateway) {
	t.Helper()
	gw := gatewaytest.Start(t, pg, db, opts...)
	r := dialRaw(t, gw.Addr)
	msgs := r.startup(map[string]string{"user": "alice", "database": db})
	if last := msgs[len(msgs)-1]; describe([]pgproto3.BackendMessage{last}) != "Z(I)" {
		t.Fatalf("startup: %s", describe(msgs))
	}
	return r, gw
}

func expect(t *testing.T, what string, got []pgproto3.BackendMessage, want string) {
	t.Helper()
	if d := describe(got); d != want {
		t.Fatalf("%s:\n got %s\nwant %s", what, d, want)
	}
}

// TestStartup checks the greeting: SSL and GSSAPI encryption declined when
// not configured, the parameters PostgreSQL 15 reports, a backend key.
func TestStartup(t *testing.T) {
	gw := gatewaytest.Start(t, pg, "startup")
	r := dialRaw(t, gw.Addr)
	for _, req := range []pgproto3.FrontendMessage{&pgproto3.SSLRequest{}, &pgproto3.GSSEncRequest{}} {
		r.send(req)
		b := make([]byte, 1)
		if _, err := r.nc.Read(b); err != nil || b[0] != 'N' {
			t.Fatalf("%T: got %q, %v", req, b, err)
		}
	}
	msgs := r.startup(map[string]string{"user": "alice", "database": "startup", "application_name": "probe"})
	params := map[string]string{}
	for _, m := range msgs {
		if ps, ok := m.(*pgproto3.ParameterStatus); ok {
			params[ps.Name] = ps.Value
		}
	}
	for _, name := range []string{"application_name", "client_encoding", "DateStyle", "default_transaction_read_only",
		"in_hot_standby", "integer_datetimes", "IntervalStyle", "is_superuser", "server_encoding", "server_version",
		"session_authorization", "standard_conforming_strings", "TimeZone"} {
		if _, ok := params[name]; !ok {
			t.Errorf("no ParameterStatus %s", name)
		}
	}
	if params["client_encoding"] != "UTF8" || params["integer_datetimes"] != "on" ||
		params["standard_conforming_strings"] != "on" || !strings.HasPrefix(params["server_version"], "15") ||
		params["session_authorization"] != "alice" || params["application_name"] != "probe" {
		t.Errorf("parameters: %v", params)
	}
	if !strings.Contains(describe(msgs), "K Z(I)") {
		t.Errorf("greeting: %s", describe(msgs))
	}
	r.send(&pgproto3.Query{String: "SELECT version()"})
	rows := r.ready()
	if d, ok := rows[1].(*pgproto3.DataRow); !ok || !strings.HasPrefix(string(d.Values[0]), "PostgreSQL ") {
		t.Fatalf("version(): %s", describe(rows))
	}
}

// TestSimpleQueries covers empty queries, multi-statement strings and the
// transaction status through success, failure and rollback.
func TestSimpleQueries(t *testing.T) {
	r, _ := session(t, "simple")
	cases := []struct{ sql, want string }{
		{"", "I Z(I)"},
		{" ; -- nothing\n", "I Z(I)"},
		{"SELECT 1; SELECT 2", `T D["1"] C(SELECT 1) T D["2"] C(SELECT 1) Z(I)`},
		{"SELECT 1; SELECT 1/0; SELECT 3", `T D["1"] C(SELECT 1) E(22012) Z(I)`},
		{"BEGIN", "C(BEGIN) Z(T)"},
		{"SELECT 1/0", "E(22012) Z(E)"},
		{"SELECT 1", "E(25P02) Z(E)"},
		{"COMMIT", "C(ROLLBACK) Z(I)"},
		{"BEGIN; SET ROLE postgres", "E(42501) Z(I)"},
		{"BEGIN", "C(BEGIN) Z(T)"},
		{"SET ROLE postgres", "E(42501) Z(E)"},
		{"ROLLBACK", "C(ROLLBACK) Z(I)"},
		{"SELEC 1", "E(42601) Z(I)"},
	}
	for _, c := range cases {
		r.send(&pgproto3.Query{String: c.sql})
		expect(t, c.sql, r.ready(), c.want)
	}
	r.send(&pgproto3.Query{String: "SELEC 1"})
	msgs := r.ready()
	if e := msgs[0].(*pgproto3.ErrorResponse); e.Position != 1 {
		t.Errorf("syntax error position: %d", e.Position)
	}
}

// TestExtendedPipeline sends several statements in one batch with an error
// in the middle: what follows the error is skipped until Sync, and the
// next batch works.
func TestExtendedPipeline(t *testing.T) {
	r, _ := session(t, "pipeline")
	r.send(
		&pgproto3.Parse{Name: "s1", Query: "SELECT $1::int + 1 AS n"},
		&pgproto3.Describe{ObjectType: 'S', Name: "s1"},
		&pgproto3.Bind{PreparedStatement: "s1", Parameters: [][]byte{[]byte("41")}},
		&pgproto3.Execute{},
		&pgproto3.Parse{Query: "SELECT 1/0"},
		&pgproto3.Bind{},
		&pgproto3.Execute{},
		&pgproto3.Bind{PreparedStatement: "s1", Parameters: [][]byte{[]byte("1")}},
		&pgproto3.Execute{},
		&pgproto3.Sync{},
	)
	expect(t, "batch with error", r.ready(), `1 t[23] T 2 D["42"] C(SELECT 1) 1 E(22012) Z(I)`)
	// binary parameter and result on the named statement, still prepared
	r.send(
		&pgproto3.Bind{PreparedStatement: "s1", ParameterFormatCodes: []int16{1}, Parameters: [][]byte{{0, 0, 0, 9}},
			ResultFormatCodes: []int16{1}},
		&pgproto3.Execute{},
		&pgproto3.Close{ObjectType: 'S', Name: "s1"},
		&pgproto3.Sync{},
	)
	expect(t, "binary", r.ready(), `2 D["\x00\x00\x00\n"] C(SELECT 1) 3 Z(I)`)
	// a refused statement in a batch fails the whole batch
	r.send(
		&pgproto3.Parse{Query: "SELECT 1"}, &pgproto3.Bind{}, &pgproto3.Execute{},
		&pgproto3.Parse{Query: "SET ROLE postgres"}, &pgproto3.Bind{}, &pgproto3.Execute{},
		&pgproto3.Sync{},
	)
	expect(t, "refusal", r.ready(), `1 2 D["1"] C(SELECT 1) E(42501) Z(I)`)
}

// TestPortalRowLimit executes a portal a few rows at a time.
func TestPortalRowLimit(t *testing.T) {
	r, _ := session(t, "portal")
	r.send(&pgproto3.Query{String: "BEGIN"})
	expect(t, "begin", r.ready(), "C(BEGIN) Z(T)")
	r.send(
		&pgproto3.Parse{Query: "SELECT generate_series(1, 5)"},
		&pgproto3.Bind{DestinationPortal: "p"},
		&pgproto3.Execute{Portal: "p", MaxRows: 2},
		&pgproto3.Execute{Portal: "p", MaxRows: 2},
		&pgproto3.Sync{},
	)
	expect(t, "first rows", r.ready(), `1 2 D["1"] D["2"] s D["3"] D["4"] s Z(T)`)
	r.send(&pgproto3.Execute{Portal: "p"}, &pgproto3.Flush{})
	expect(t, "flush", r.until(func(m pgproto3.BackendMessage) bool {
		_, ok := m.(*pgproto3.CommandComplete)
		return ok
	}), `D["5"] C(SELECT 1)`)
	r.send(&pgproto3.Sync{})
	expect(t, "sync", r.ready(), "Z(T)")
	r.send(&pgproto3.Query{String: "COMMIT"})
	expect(t, "commit", r.ready(), "C(COMMIT) Z(I)")
}

// TestDescribeDoesNotExecute describes a slow statement: the answer comes
// at once and nothing runs.
func TestDescribeDoesNotExecute(t *testing.T) {
	r, _ := session(t, "describe")
	start := time.Now()
	r.send(
		&pgproto3.Parse{Name: "slow", Query: "SELECT pg_sleep(5) AS z, $1::text AS t"},
		&pgproto3.Describe{ObjectType: 'S', Name: "slow"},
		&pgproto3.Sync{},
	)
	msgs := r.ready()
	expect(t, "describe", msgs, "1 t[25] T Z(I)")
	if d := time.Since(start); d > 4*time.Second {
		t.Fatalf("describe took %v: it executed", d)
	}
	rd := msgs[2].(*pgproto3.RowDescription)
	if len(rd.Fields) != 2 || string(rd.Fields[1].Name) != "t" || rd.Fields[1].DataTypeOID != 25 {
		t.Fatalf("row description: %+v", rd.Fields)
	}
}

// TestProtocolViolation sends a message type that does not exist: the
// session ends with 08P01 and the gateway serves the next client.
func TestProtocolViolation(t *testing.T) {
	r, gw := session(t, "violation")
	if _, err := r.nc.Write([]byte{'!', 0, 0, 0, 4}); err != nil {
		t.Fatal(err)
	}
	expect(t, "bad message", r.until(func(pgproto3.BackendMessage) bool { return true }), "E(08P01)")
	r2 := dialRaw(t, gw.Addr)
	r2.startup(map[string]string{"user": "bob", "database": "violation"})
	r2.send(&pgproto3.Query{String: "SELECT 1"})
	expect(t, "next client", r2.ready(), `T D["1"] C(SELECT 1) Z(I)`)
}

// TestStartupRefusals covers startup packets that must not get a session.
func TestStartupRefusals(t *testing.T) {
	gw := gatewaytest.Start(t, pg, "refusals")
	for _, c := range []struct {
		params map[string]string
		code   string
	}{
		{map[string]string{"database": "refusals"}, "28000"},
		{map[string]string{"user": "a", "options": "-c role=postgres"}, "42501"},
		{map[string]string{"user": "a", "options": "--session_authorization=postgres"}, "42501"},
		{map[string]string{"user": "a", "options": "-c ROLE=postgres"}, "42501"},
		{map[string]string{"user": "a", "options": `-c ro\le=postgres`}, "42501"}, // PostgreSQL reads "role"
		{map[string]string{"user": "a", "options": "--Session-Authorization=postgres"}, "42501"},
		{map[string]string{"user": "a", "replication": "database"}, "0A000"},
	} {
		r := dialRaw(t, gw.Addr)
		msgs := r.startup(c.params)
		e, ok := msgs[len(msgs)-1].(*pgproto3.ErrorResponse)
		if !ok || e.Code != c.code || e.Severity != "FATAL" {
			t.Errorf("%v: got %s, want FATAL %s", c.params, describe(msgs), c.code)
		}
	}
}

// TestIdentityStartupParams drops the startup parameters that would
// change the session's role upstream, in any case: the session runs as its
// user's login.
func TestIdentityStartupParams(t *testing.T) {
	gw := gatewaytest.Start(t, pg, "identity")
	for _, p := range []map[string]string{
		{"ROLE": "none"}, {"Role": "postgres"}, {"role": "postgres"},
		{"SESSION_AUTHORIZATION": "postgres"}, {"Session_Authorization": "postgres"},
	} {
		p["user"], p["database"] = "bob", "identity"
		r := dialRaw(t, gw.Addr)
		r.startup(p)
		r.send(&pgproto3.Query{String: "SELECT current_user || ' ' || session_user"})
		expect(t, fmt.Sprint(p), r.ready(), `T D["featuregate_reader featuregate_reader"] C(SELECT 1) Z(I)`)
	}
}

// TestConnectionLimit refuses the connection past the limit with 53300.
func TestConnectionLimit(t *testing.T) {
	gw := gatewaytest.Start(t, pg, "limit", func(c *wire.Config) { c.MaxConnections = 2 })
	for i := 0; i < 2; i++ {
		dialRaw(t, gw.Addr).startup(map[string]string{"user": "a", "database": "limit"})
	}
	msgs := dialRaw(t, gw.Addr).startup(map[string]string{"user": "a", "database": "limit"})
	expect(t, "third connection", msgs, "E(53300)")
}

// TestIdleSessionTimeout ends a session idle for too long with 57P05, and
// one idle inside a transaction with 25P03.
func TestIdleSessionTimeout(t *testing.T) {
	gw := gatewaytest.Start(t, pg, "idle", func(c *wire.Config) {
		c.IdleSessionTimeout = 300 * time.Millisecond
		c.IdleInTransactionTimeout = 200 * time.Millisecond
	})
	r := dialRaw(t, gw.Addr)
	r.startup(map[string]string{"user": "a", "database": "idle"})
	expect(t, "idle", r.until(func(pgproto3.BackendMessage) bool { return true }), "E(57P05)")
	r = dialRaw(t, gw.Addr)
	r.startup(map[string]string{"user": "a", "database": "idle"})
	r.send(&pgproto3.Query{String: "BEGIN"})
	r.ready()
	expect(t, "idle in transaction", r.until(func(pgproto3.BackendMessage) bool { return true }), "E(25P03)")
}

// TestDeallocateLocalStatements drops statements the gateway prepared
// itself (here SHOW ENTITIES) with DEALLOCATE and DISCARD ALL, as
// PostgreSQL drops its own.
func TestDeallocateLocalStatements(t *testing.T) {
	r, _ := session(t, "dealloc")
	for _, name := range []string{"s1", "s2"} {
		r.send(&pgproto3.Parse{Name: name, Query: "SHOW ENTITIES"}, &pgproto3.Sync{})
		expect(t, "parse "+name, r.ready(), "1 Z(I)")
	}
	r.send(&pgproto3.Bind{PreparedStatement: "s1"}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expect(t, "run s1", r.ready(), "2 C(SHOW) Z(I)")
	r.send(&pgproto3.Query{String: "DEALLOCATE s1"})
	expect(t, "deallocate", r.ready(), "C(DEALLOCATE) Z(I)")
	r.send(&pgproto3.Bind{PreparedStatement: "s1"}, &pgproto3.Sync{})
	expect(t, "s1 is gone", r.ready(), "E(26000) Z(I)")
	r.send(&pgproto3.Query{String: "DISCARD ALL"})
	expect(t, "discard", r.ready(), "C(DISCARD ALL) Z(I)")
	r.send(&pgproto3.Bind{PreparedStatement: "s2"}, &pgproto3.Sync{})
	expect(t, "s2 is gone", r.ready(), "E(26000) Z(I)")
}

// TestBindFormatCodes: format codes on a statement the gateway answers
// itself are checked as PostgreSQL checks them: an unknown code is 22023,
// a count that is neither 0, 1 nor one per item is 08P01, and the session
// goes on.
func TestBindFormatCodes(t *testing.T) {
	r, _ := session(t, "formats")
	r.send(&pgproto3.Parse{Name: "p", Query: "SHOW PROJECTS"}, &pgproto3.Sync{})
	expect(t, "parse", r.ready(), `1 Z(I)`)
	for _, c := range []struct {
		bind *pgproto3.Bind
		want string
	}{
		{&pgproto3.Bind{PreparedStatement: "p", ResultFormatCodes: []int16{9}}, `E(22023) Z(I)`},
		{&pgproto3.Bind{PreparedStatement: "p", ResultFormatCodes: []int16{0, 0, 0}}, `E(08P01) Z(I)`},
		{&pgproto3.Bind{PreparedStatement: "p", ParameterFormatCodes: []int16{0, 0, 0, 0, 0}}, `E(08P01) Z(I)`},
		{&pgproto3.Bind{PreparedStatement: "p", ResultFormatCodes: []int16{0}}, `2 C(SHOW) Z(I)`},
	} {
		r.send(c.bind, &pgproto3.Execute{}, &pgproto3.Sync{})
		expect(t, fmt.Sprintf("bind %v %v", c.bind.ParameterFormatCodes, c.bind.ResultFormatCodes), r.ready(), c.want)
	}
}
