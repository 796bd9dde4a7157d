package wire

import (
	"context"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/featuregate/featuregate/plan"
)

// Suggester is what a Planner may also do: name the feature relation a
// misspelled relation was meant to be.
type Suggester interface {
	Suggest(ctx context.Context, s plan.Session, name string) string
}

// suggestTimeout bounds looking for a suggestion (the catalog is cached).
const suggestTimeout = 2 * time.Second

// undefinedRelation reads the name out of PostgreSQL's 42P01 message.
var undefinedRelation = regexp.MustCompile(`^relation "([^"]+)" does not exist$`)

// annotate adds to an upstream error about an unknown relation a hint
// naming the feature relation the client probably meant.
func (s *session) annotate(e *pgproto3.ErrorResponse) {
	sg, ok := s.srv.planner.(Suggester)
	if !ok || e.Code != "42P01" || e.Hint != "" {
		return
	}
	m := undefinedRelation.FindStringSubmatch(e.Message)
	if m == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), suggestTimeout)
	defer cancel()
	if name := sg.Suggest(ctx, s.psess, m[1]); name != "" {
		e.Hint = `did you mean the feature relation "` + name + `"?`
	}
}
