package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/featuregate/featuregate/plan"
)

// identityKey is the request context key of the caller's identity.
type identityKey struct{}

// authenticate finds who r acts as: with Config.Auth, the user of its
// bearer token (ok false when it has none or an unknown one); without,
// Config.Anonymous.
func (s *server) authenticate(r *http.Request) (plan.Identity, bool) {
	if s.cfg.Auth == nil {
		return s.cfg.Anonymous, true
	}
	scheme, token, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return plan.Identity{}, false
	}
	return s.cfg.Auth(strings.TrimSpace(token))
}

// unauthorized answers 401 with the challenge of RFC 6750.
func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="featuregate"`)
	writeError(w, http.StatusUnauthorized, "authentication required",
		`send the header "Authorization: Bearer <token>" with a token of auth.users in the gateway's featuregate.yaml`)
}

func withIdentity(ctx context.Context, id plan.Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

func identityOf(ctx context.Context) plan.Identity {
	id, _ := ctx.Value(identityKey{}).(plan.Identity)
	return id
}

// Tokens returns an Auth function over a map of bearer tokens to
// identities. It compares digests of the tokens in constant time, so that
// how long a refusal takes tells nothing of the tokens it holds.
func Tokens(tokens map[string]plan.Identity) func(token string) (plan.Identity, bool) {
	type entry struct {
		digest [sha256.Size]byte
		id     plan.Identity
	}
	entries := make([]entry, 0, len(tokens))
	for t, id := range tokens {
		if t != "" {
			entries = append(entries, entry{sha256.Sum256([]byte(t)), id})
		}
	}
	return func(token string) (plan.Identity, bool) {
		d := sha256.Sum256([]byte(token))
		var found plan.Identity
		ok := 0
		for _, e := range entries {
			if subtle.ConstantTimeCompare(d[:], e.digest[:]) == 1 {
				found, ok = e.id, 1
			}
		}
		return found, ok == 1
	}
}
