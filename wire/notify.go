package wire

import (
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// idleWatch relays what the offline store sends on its own, notifications
// above all, while the session waits for its client. Only sessions that
// ran LISTEN pay for it: one goroutine per wait.
type idleWatch struct {
	up   *upstream
	done chan struct{}
}

// watchUpstream starts watching the upstream connection, when the session
// listens and nothing is in flight there. It returns nil otherwise; stop
// is safe on nil.
func (s *session) watchUpstream() *idleWatch {
	if !s.listening || s.up == nil || s.inBatch {
		return nil
	}
	w := &idleWatch{up: s.up, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for {
			// While the main goroutine waits in a client read, this one
			// alone reads upstream and writes to the client.
			msg, err := w.up.receive()
			if err != nil {
				return // stopped, or the connection broke: the next statement sees it
			}
			switch msg.(type) {
			case *pgproto3.NotificationResponse, *pgproto3.NoticeResponse, *pgproto3.ParameterStatus:
				s.c.send(msg)
				if s.c.flush() != nil {
					return
				}
			default:
				return // a FATAL error: the connection is ending
			}
		}
	}()
	return w
}

// stop ends the watch and gives the upstream connection back to the
// session. A message cut in the middle is finished by the next read.
func (w *idleWatch) stop() {
	if w == nil {
		return
	}
	_ = w.up.nc.SetReadDeadline(time.Now())
	<-w.done
	_ = w.up.nc.SetReadDeadline(time.Time{})
}
