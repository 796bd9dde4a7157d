package wire

// Events observes the server, for metrics. Its methods are called from
// the sessions' goroutines and must be quick and safe for concurrent use.
type Events interface {
	// SessionStarted is called when a client authenticated and got a
	// session; SessionEnded when that session ended.
	SessionStarted()
	SessionEnded()
	// Login is called once per authentication attempt that reached the
	// exchange, with its outcome.
	Login(ok bool)
	// Error is called for each ErrorResponse sent to a client (its own
	// and those relayed from the offline store), with its SQLSTATE.
	Error(sqlstate string)
}

// noEvents is the Events of a Server configured without any.
type noEvents struct{}

func (noEvents) SessionStarted() {}
func (noEvents) SessionEnded()   {}
func (noEvents) Login(bool)      {}
func (noEvents) Error(string)    {}
