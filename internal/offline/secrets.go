package offline

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/xdg-go/scram"
)

// The secrets of the managed roles live in the registry's schema, readable
// by the owner alone, so that every gateway of the database shares them.
const credentialsTable = "featuregate_registry.upstream_credentials"

func ensureCredentialsTable(ctx context.Context, tx pgx.Tx) error {
	return execAll(ctx, tx,
		`CREATE SCHEMA IF NOT EXISTS featuregate_registry`,
		`CREATE TABLE IF NOT EXISTS `+credentialsTable+` (
			role       text        PRIMARY KEY,
			secret     text        NOT NULL,
			rotated_at timestamptz NOT NULL DEFAULT now()
		)`,
		`REVOKE ALL ON SCHEMA featuregate_registry FROM PUBLIC`,
		`REVOKE ALL ON `+credentialsTable+` FROM PUBLIC`)
}

// newSecret is 32 random bytes, base64url.
func newSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// scramIterations is PostgreSQL's default scram_iterations.
const scramIterations = 4096

// scramVerifier is the SCRAM-SHA-256 verifier PostgreSQL stores for
// secret: ALTER ROLE sends it rather than the secret, so that no server log
// of the statement holds the secret.
func scramVerifier(secret string) (string, error) {
	client, err := scram.SHA256.NewClient("", secret, "")
	if err != nil {
		return "", err
	}
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	sc, err := client.GetStoredCredentialsWithError(scram.KeyFactors{Salt: string(salt), Iters: scramIterations})
	if err != nil {
		return "", err
	}
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", scramIterations, b64(salt), b64(sc.StoredKey), b64(sc.ServerKey)), nil
}

// setPassword makes secret the password of role, as SCRAM-SHA-256.
func setPassword(ctx context.Context, tx pgx.Tx, role, secret string) error {
	v, err := scramVerifier(secret)
	if err != nil {
		return err
	}
	return execAll(ctx, tx, `SET LOCAL password_encryption = 'scram-sha-256'`,
		"ALTER ROLE "+ident(role)+" PASSWORD "+literal(v))
}

// ensureSecret gives role a stored secret if it has none, and sets the
// role's password to it when this database's gateways (just) own the role.
func ensureSecret(ctx context.Context, tx pgx.Tx, role string, st roleState) error {
	var secret string
	err := tx.QueryRow(ctx, `SELECT secret FROM `+credentialsTable+` WHERE role = $1`, role).Scan(&secret)
	stored := err == nil
	if errors.Is(err, pgx.ErrNoRows) {
		secret = newSecret()
		_, err = tx.Exec(ctx, `INSERT INTO `+credentialsTable+` (role, secret) VALUES ($1, $2)`, role, secret)
	}
	if err != nil {
		return err
	}
	if st.fresh || (st.ours && !stored) {
		return setPassword(ctx, tx, role, secret)
	}
	return nil
}

// queryRower is a connection or a transaction.
type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// readSecret returns role's stored secret and whether the gateways of
// database db own the role.
func readSecret(ctx context.Context, q queryRower, db, role string) (secret string, ours bool, err error) {
	err = q.QueryRow(ctx, `SELECT c.secret, coalesce(shobj_description(r.oid, 'pg_authid'), '') IN ($2, $3)
		FROM `+credentialsTable+` c JOIN pg_roles r ON r.rolname = c.role
		WHERE c.role = $1`, role, marker(db, ReadOnly), marker(db, ReadWrite)).Scan(&secret, &ours)
	if errors.Is(err, pgx.ErrNoRows) {
		err = fmt.Errorf("role %s has no secret in %s: start a gateway, or run featuregate roles setup", role, credentialsTable)
	}
	return secret, ours, err
}

// secrets caches the managed roles' secrets for the logins of a gateway.
type secrets struct {
	u       *Upstream
	db      string
	renewMu sync.Mutex // one renewal at a time
	mu      sync.Mutex // guards cur and renewed
	cur     map[string]string
	renewed map[string]time.Time
}

func (s *secrets) get(role string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur[role]
}

// set stores role's secret; renewed says it was just read again.
func (s *secrets) set(role, secret string, renewed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur[role] = secret
	if renewed {
		s.renewed[role] = time.Now()
	}
}

// password returns role's secret; renew reads it again first.
func (s *secrets) password(ctx context.Context, role string, renew bool) (string, error) {
	if renew {
		return s.renew(ctx, role)
	}
	return s.get(role), nil
}

// renew reads role's secret again after the offline store refused it: a
// gateway rotated it, or something changed the role's password outside
// featuregate (a client can change its own role's password), which is then
// set back to the stored secret. At most once a second per role.
func (s *secrets) renew(ctx context.Context, role string) (string, error) {
	s.renewMu.Lock()
	defer s.renewMu.Unlock()
	s.mu.Lock()
	last, cur := s.renewed[role], s.cur[role]
	s.mu.Unlock()
	if time.Since(last) < time.Second {
		return cur, nil
	}
	conn, err := s.u.connectOwner(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	secret, ours, err := readSecret(ctx, conn, s.db, role)
	if err != nil {
		return "", fmt.Errorf("offline store: %w", err)
	}
	if secret == cur && ours {
		s.u.log.Warn("the offline store refused the stored secret of a managed role: setting its password again", "role", role)
		if err := s.heal(ctx, conn, role, secret); err != nil {
			return "", err
		}
	}
	s.set(role, secret, true)
	return secret, nil
}

// heal sets role's password to its stored secret again.
func (s *secrets) heal(ctx context.Context, conn *pgx.Conn, role, secret string) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if err := execAll(ctx, tx, lockSQL); err != nil {
			return err
		}
		if err := setPassword(ctx, tx, role, secret); err != nil {
			return fmt.Errorf("offline store: set the password of %s: %w", role, err)
		}
		return nil
	})
}

// verify loads role's secret and logs in with it once. A refused password
// is set again when this database's gateways own the role; a role owned by
// another database's gateways is an error that says what to configure.
func (s *secrets) verify(ctx context.Context, conn *pgx.Conn, role string) error {
	secret, ours, err := readSecret(ctx, conn, s.db, role)
	if err != nil {
		return fmt.Errorf("offline store: %w", err)
	}
	s.set(role, secret, false)
	err = s.u.tryLogin(ctx, role, secret)
	if isAuthFailure(err) && ours {
		if err = s.heal(ctx, conn, role, secret); err == nil {
			err = s.u.tryLogin(ctx, role, secret)
		}
	}
	switch {
	case err == nil:
		return nil
	case isAuthFailure(err) && !ours:
		return fmt.Errorf("offline store: role %s belongs to the gateways of another database of this PostgreSQL "+
			"(roles are shared by the whole cluster, their secrets are kept per database); "+
			"give this database's gateways roles of their own with offline.roles (reader, writer) in featuregate.yaml: %w", role, err)
	}
	return fmt.Errorf("offline store: role %s cannot log in (%w); pg_hba.conf must let it log in "+
		"with a password (scram-sha-256) from the gateway's host", role, err)
}

// tryLogin logs in as role once.
func (u *Upstream) tryLogin(ctx context.Context, role, secret string) error {
	c := u.Base()
	c.User, c.Password = role, secret
	conn, err := pgconn.ConnectConfig(ctx, c)
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// isAuthFailure reports whether err is PostgreSQL refusing a password.
func isAuthFailure(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "28P01"
}
