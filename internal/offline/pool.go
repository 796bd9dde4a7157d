package offline

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Pool is a pool of connections to the offline store as the read-only
// role, every transaction read-only and in UTC (naive timestamps are UTC,
// as in Feast): what the gateway reads on its own behalf, materialization
// above all, runs with no more rights than a read-only session.
type Pool struct {
	*pgxpool.Pool
	login Login
}

// OpenReader opens a Pool.
func (u *Upstream) OpenReader(ctx context.Context) (*Pool, error) {
	pc, err := pgxpool.ParseConfig(u.dsn)
	if err != nil {
		return nil, fmt.Errorf("offline.dsn: %w", err)
	}
	login := u.Login(ReadOnly)
	pc.ConnConfig.User, pc.ConnConfig.Password = login.User, ""
	pc.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	pc.ConnConfig.RuntimeParams["timezone"] = "UTC"
	pc.BeforeConnect = func(ctx context.Context, cc *pgx.ConnConfig) error {
		pw, err := login.Password(ctx, false)
		cc.User, cc.Password = login.User, pw
		return err
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("offline store: %w", err)
	}
	return &Pool{Pool: pool, login: login}, nil
}

// Query runs sql; when the offline store refuses the role's password, the
// secret is read again (it may have been rotated) and sql runs once more.
func (p *Pool) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	rows, err := p.Pool.Query(ctx, sql, args...)
	if isAuthFailure(err) {
		if _, rerr := p.login.Password(ctx, true); rerr == nil {
			rows, err = p.Pool.Query(ctx, sql, args...)
		}
	}
	return rows, err
}

// Role is the role the pool logs in as.
func (p *Pool) Role() string { return p.login.User }
