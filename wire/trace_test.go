package wire_test

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/jackc/pgx/v5/pgproto3"
)

// TestProtocolTraces runs the traces of testdata/trace: each case sends
// frontend messages, one per line, to a session of a real gateway and
// prints the backend messages it answers, one per line, in a stable form.
// `trace` records the gateway alone (for what only the gateway does, such
// as refusing a statement); `trace-pg` also sends the same messages to
// PostgreSQL directly and fails unless both answer alike, so that the
// golden file is the server's own behaviour. Run with -rewrite to update.
//
// Input lines: Query "sql" | Parse [name] "sql" | Bind [portal] [stmt] [p1 p2 …]
// | Describe S|P [name] | Execute [portal] [max] | Close S|P [name] | Sync |
// Flush | CopyData "text" | CopyDone | CopyFail "msg", and `recv`, which
// sends what came before and reads until the server falls quiet (for
// Flush). The case ends by reading up to the ReadyForQuery of its last
// Sync or Query.
func TestProtocolTraces(t *testing.T) {
	r, gw := session(t, "traces")
	_ = gw
	direct := dialRaw(t, "127.0.0.1:"+strconv.Itoa(pg.Port))
	if msgs := direct.startup(map[string]string{"user": "postgres", "database": "traces"}); describe(msgs[len(msgs)-1:]) != "Z(I)" {
		t.Fatalf("direct startup: %s", describe(msgs))
	}
	datadriven.Walk(t, "testdata/trace", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			steps, err := parseTrace(d.Input)
			if err != nil {
				t.Fatalf("%s: %v", d.Pos, err)
			}
			got := runTrace(t, r, steps)
			switch d.Cmd {
			case "trace":
			case "trace-pg":
				if want := runTrace(t, direct, steps); got != want {
					t.Fatalf("%s: the gateway answers\n%s\nPostgreSQL answers\n%s", d.Pos, got, want)
				}
			default:
				t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
			}
			return got
		})
	})
}

// step is a frontend message, or nil for `recv`.
type step struct{ msg pgproto3.FrontendMessage }

// parseTrace reads the input lines of a case.
func parseTrace(input string) ([]step, error) {
	var steps []step
	for _, line := range strings.Split(input, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		words, err := traceWords(line)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", line, err)
		}
		m, err := traceMessage(words)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", line, err)
		}
		steps = append(steps, step{m})
	}
	return steps, nil
}

// traceWords splits a line into words, a quoted word unquoted (Go syntax).
func traceWords(line string) ([]string, error) {
	var words []string
	for line = strings.TrimSpace(line); line != ""; line = strings.TrimSpace(line) {
		if line[0] == '"' {
			q, err := strconv.QuotedPrefix(line)
			if err != nil {
				return nil, err
			}
			w, _ := strconv.Unquote(q)
			words, line = append(words, w), line[len(q):]
			continue
		}
		w, rest, _ := strings.Cut(line, " ")
		words, line = append(words, w), rest
	}
	return words, nil
}

// traceMessage makes the message of one line's words; nil for recv.
func traceMessage(w []string) (pgproto3.FrontendMessage, error) {
	arg := func(i int) string {
		if i < len(w) {
			return w[i]
		}
		return ""
	}
	switch w[0] {
	case "recv":
		return nil, nil
	case "Query":
		return &pgproto3.Query{String: arg(1)}, nil
	case "Parse":
		if len(w) == 2 {
			return &pgproto3.Parse{Query: w[1]}, nil
		}
		return &pgproto3.Parse{Name: arg(1), Query: arg(2)}, nil
	case "Bind":
		b := &pgproto3.Bind{DestinationPortal: arg(1), PreparedStatement: arg(2)}
		for _, p := range w[min(3, len(w)):] {
			b.Parameters = append(b.Parameters, []byte(p))
		}
		return b, nil
	case "Describe":
		return &pgproto3.Describe{ObjectType: arg(1)[0], Name: arg(2)}, nil
	case "Execute":
		n, _ := strconv.Atoi(arg(2))
		return &pgproto3.Execute{Portal: arg(1), MaxRows: uint32(n)}, nil
	case "Close":
		return &pgproto3.Close{ObjectType: arg(1)[0], Name: arg(2)}, nil
	case "Sync":
		return &pgproto3.Sync{}, nil
	case "Flush":
		return &pgproto3.Flush{}, nil
	case "CopyData":
		return &pgproto3.CopyData{Data: []byte(arg(1))}, nil
	case "CopyDone":
		return &pgproto3.CopyDone{}, nil
	case "CopyFail":
		return &pgproto3.CopyFail{Message: arg(1)}, nil
	}
	return nil, fmt.Errorf("unknown message %q", w[0])
}

// runTrace sends the steps over r and returns what came back, a message a
// line.
func runTrace(t *testing.T, r *raw, steps []step) string {
	t.Helper()
	var out strings.Builder
	waits := 0 // ReadyForQuery still to come
	for _, s := range steps {
		if s.msg == nil {
			r.send()
			for _, m := range r.quiet(300 * time.Millisecond) {
				out.WriteString(traceLine(m) + "\n")
			}
			continue
		}
		switch s.msg.(type) {
		case *pgproto3.Sync, *pgproto3.Query:
			waits++
		}
		r.fe.Send(s.msg)
	}
	r.send()
	for ; waits > 0; waits-- {
		for _, m := range r.ready() {
			out.WriteString(traceLine(m) + "\n")
		}
	}
	return out.String()
}

// quiet reads messages until none arrives for d.
func (r *raw) quiet(d time.Duration) []pgproto3.BackendMessage {
	r.t.Helper()
	var out []pgproto3.BackendMessage
	for {
		_ = r.nc.SetReadDeadline(time.Now().Add(d))
		m, err := r.fe.Receive()
		if err != nil {
			var ne net.Error
			if ok := asNetErr(err, &ne); ok && ne.Timeout() {
				_ = r.nc.SetDeadline(time.Now().Add(30 * time.Second))
				return out
			}
			r.t.Fatalf("receive: %v", err)
		}
		out = append(out, copyMsg(m))
	}
}

func asNetErr(err error, ne *net.Error) bool {
	e, ok := err.(net.Error)
	if ok {
		*ne = e
	}
	return ok
}

// traceLine prints a backend message without what varies between runs or
// servers (process ids, keys, parameter values, error texts' positions).
func traceLine(m pgproto3.BackendMessage) string {
	switch v := m.(type) {
	case *pgproto3.ParseComplete:
		return "ParseComplete"
	case *pgproto3.BindComplete:
		return "BindComplete"
	case *pgproto3.CloseComplete:
		return "CloseComplete"
	case *pgproto3.NoData:
		return "NoData"
	case *pgproto3.PortalSuspended:
		return "PortalSuspended"
	case *pgproto3.EmptyQueryResponse:
		return "EmptyQueryResponse"
	case *pgproto3.ReadyForQuery:
		return "ReadyForQuery " + string(v.TxStatus)
	case *pgproto3.CommandComplete:
		return fmt.Sprintf("CommandComplete %q", v.CommandTag)
	case *pgproto3.DataRow:
		vals := make([]string, len(v.Values))
		for i, b := range v.Values {
			if b == nil {
				vals[i] = "NULL"
			} else {
				vals[i] = strconv.Quote(string(b))
			}
		}
		return "DataRow [" + strings.Join(vals, " ") + "]"
	case *pgproto3.RowDescription:
		cols := make([]string, len(v.Fields))
		for i, f := range v.Fields {
			cols[i] = fmt.Sprintf("%s:%d", f.Name, f.DataTypeOID)
		}
		return "RowDescription [" + strings.Join(cols, " ") + "]"
	case *pgproto3.ParameterDescription:
		return fmt.Sprintf("ParameterDescription %v", v.ParameterOIDs)
	case *pgproto3.ErrorResponse:
		return fmt.Sprintf("ErrorResponse %s %s", v.Severity, v.Code)
	case *pgproto3.NoticeResponse:
		return fmt.Sprintf("NoticeResponse %s %s", v.Severity, v.Code)
	case *pgproto3.CopyInResponse:
		return fmt.Sprintf("CopyInResponse %d %v", v.OverallFormat, v.ColumnFormatCodes)
	case *pgproto3.CopyOutResponse:
		return fmt.Sprintf("CopyOutResponse %d %v", v.OverallFormat, v.ColumnFormatCodes)
	case *pgproto3.CopyData:
		return fmt.Sprintf("CopyData %q", v.Data)
	case *pgproto3.CopyDone:
		return "CopyDone"
	case *pgproto3.ParameterStatus:
		return "ParameterStatus " + v.Name
	}
	return fmt.Sprintf("%T", m)
}
