// Command pgfloor is the floor of BenchmarkOnline's single-key legs: a
// PostgreSQL-protocol server, in Go like the gateway, that does no work.
// It accepts any startup without authentication and answers every
// statement, prepared or simple, with the same constant row of six text
// columns, decoding the client's messages with pgproto3 and writing each
// answer with one system call at Sync (pgproto3's Backend buffers what it sends until Flush), as the gateway does. Its CPU per
// lookup is what any Go server pays for a round trip on this machine
// (the reads, the write, the network poller and the scheduler) before it
// looks anything up, so a gateway target below it cannot be met.
//
// Usage: pgfloor ADDRESS. It prints "ready" on standard output once it
// listens, and serves until killed.
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/jackc/pgx/v5/pgproto3"
)

// textOID is the type of every column of the constant row.
const textOID = 25

// answer is the constant result every statement gets.
type answer struct {
	desc *pgproto3.RowDescription
	row  *pgproto3.DataRow
}

func newAnswer() answer {
	a := answer{desc: &pgproto3.RowDescription{}, row: &pgproto3.DataRow{}}
	for i, v := range []string{"0.4275", "17", "t", "2025-06-02 10:00:00+00", "paperless", "3.25"} {
		a.desc.Fields = append(a.desc.Fields, pgproto3.FieldDescription{
			Name: []byte(fmt.Sprintf("f%d", i+1)), DataTypeOID: textOID, DataTypeSize: -1, TypeModifier: -1})
		a.row.Values = append(a.row.Values, []byte(v))
	}
	return a
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: pgfloor ADDRESS")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("ready")
	a := newAnswer()
	for {
		c, err := ln.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		go serve(c, a)
	}
}

// serve answers one connection until it ends.
func serve(c net.Conn, a answer) {
	defer c.Close()
	be := pgproto3.NewBackend(bufio.NewReaderSize(c, 8192), c)
	if err := startup(be, c); err != nil {
		return
	}
	for {
		msg, err := be.Receive()
		if err != nil {
			return
		}
		if done := respond(be, msg, a); done {
			return
		}
		if _, sync := msg.(*pgproto3.Sync); sync || isQuery(msg) {
			if err := be.Flush(); err != nil {
				return
			}
		}
	}
}

func isQuery(msg pgproto3.FrontendMessage) bool {
	_, ok := msg.(*pgproto3.Query)
	return ok
}

// startup refuses SSL, accepts the startup message and says the server
// is ready.
func startup(be *pgproto3.Backend, c net.Conn) error {
	for {
		msg, err := be.ReceiveStartupMessage()
		if err != nil {
			return err
		}
		switch msg.(type) {
		case *pgproto3.SSLRequest, *pgproto3.GSSEncRequest:
			if _, err := c.Write([]byte{'N'}); err != nil {
				return err
			}
			continue
		case *pgproto3.StartupMessage:
		default:
			return io.ErrUnexpectedEOF
		}
		be.Send(&pgproto3.AuthenticationOk{})
		for _, p := range [][2]string{{"server_version", "15.0"}, {"client_encoding", "UTF8"},
			{"standard_conforming_strings", "on"}, {"DateStyle", "ISO, MDY"}, {"integer_datetimes", "on"}} {
			be.Send(&pgproto3.ParameterStatus{Name: p[0], Value: p[1]})
		}
		be.Send(&pgproto3.BackendKeyData{ProcessID: 1, SecretKey: []byte{0, 0, 0, 1}})
		be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
		return be.Flush()
	}
}

// respond queues the answer to msg; done says the client said goodbye.
func respond(be *pgproto3.Backend, msg pgproto3.FrontendMessage, a answer) (done bool) {
	switch m := msg.(type) {
	case *pgproto3.Parse:
		be.Send(&pgproto3.ParseComplete{})
	case *pgproto3.Describe:
		if m.ObjectType == 'S' {
			be.Send(&pgproto3.ParameterDescription{ParameterOIDs: []uint32{textOID}})
		}
		be.Send(a.desc)
	case *pgproto3.Bind:
		be.Send(&pgproto3.BindComplete{})
	case *pgproto3.Execute:
		be.Send(a.row)
		be.Send(&pgproto3.CommandComplete{CommandTag: []byte("SELECT 1")})
	case *pgproto3.Sync:
		be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
	case *pgproto3.Query:
		be.Send(a.desc)
		be.Send(a.row)
		be.Send(&pgproto3.CommandComplete{CommandTag: []byte("SELECT 1")})
		be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
	case *pgproto3.Close:
		be.Send(&pgproto3.CloseComplete{})
	case *pgproto3.Terminate:
		return true
	}
	return false
}
