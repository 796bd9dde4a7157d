package offline

import (
	"context"
	"fmt"
	"maps"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// SessionConnector returns a function that connects to the offline store
// at base (Upstream.Base) as the role a user's sessions log in as
// (loginOf), with the given startup parameters, in UTC: what the gateway
// runs on a session's behalf (CREATE DATASET's query) runs with exactly
// the session's rights. When the offline store refuses the password, the
// secret is read again and the login tried once more.
func SessionConnector(base *pgconn.Config, loginOf func(user string) Login) func(ctx context.Context, user string, params map[string]string) (*pgx.Conn, error) {
	return func(ctx context.Context, user string, params map[string]string) (*pgx.Conn, error) {
		login := loginOf(user)
		if login.User == "" || login.Password == nil {
			return nil, fmt.Errorf("offline store: user %q has no upstream login", user)
		}
		conn, err := connectAs(ctx, base, login, params, false)
		if isAuthFailure(err) {
			conn, err = connectAs(ctx, base, login, params, true)
		}
		return conn, err
	}
}

func connectAs(ctx context.Context, base *pgconn.Config, login Login, params map[string]string, renew bool) (*pgx.Conn, error) {
	pw, err := login.Password(ctx, renew)
	if err != nil {
		return nil, err
	}
	cc, err := pgx.ParseConfig("")
	if err != nil {
		return nil, err
	}
	cc.Config = *base.Copy()
	cc.User, cc.Password = login.User, pw
	cc.RuntimeParams = maps.Clone(base.RuntimeParams)
	if cc.RuntimeParams == nil {
		cc.RuntimeParams = map[string]string{}
	}
	for k, v := range params {
		if !identityParam(k) {
			cc.RuntimeParams[k] = v
		}
	}
	cc.RuntimeParams["timezone"] = "UTC"
	return pgx.ConnectConfig(ctx, cc)
}

// identityParam reports a startup parameter that would change the role.
func identityParam(k string) bool {
	switch k {
	case "role", "session_authorization", "user", "options":
		return true
	}
	return false
}
