// Package offline prepares the offline PostgreSQL for the gateway. The
// gateway's own role (the user of the offline DSN, the owner) keeps the
// registry and the PostgreSQL online store, and never runs a client's
// statement: client sessions log in as one of two roles the gateway creates
// and keeps, one per access level, and materialization reads sources as the
// read-only one. Prepare sets those roles up (attributes, grants, secrets)
// and returns how to log in as each.
package offline

import (
	"context"
	"errors"
	"fmt"
	"github.com/featuregate/featuregate/catalog"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Access is a level of access to the offline store.
type Access string

// The access levels, as featuregate.yaml spells them.
const (
	ReadOnly  Access = "read-only"
	ReadWrite Access = "read-write"
)

// Roles names the two managed roles.
type Roles struct {
	Reader string // read-only sessions and materialization
	Writer string // read-write sessions
}

// DefaultRoles are the managed roles' names unless the config says otherwise.
var DefaultRoles = Roles{Reader: "featuregate_reader", Writer: "featuregate_writer"}

func (r Roles) of(a Access) string {
	if a == ReadWrite {
		return r.Writer
	}
	return r.Reader
}

// Options say what Prepare sets up.
type Options struct {
	Roles Roles // empty names: DefaultRoles'
	// ReadSchemas are the schemas the roles use (nil: public); the schemas
	// of the registry's table sources are added.
	ReadSchemas []string
	Logger      *slog.Logger // nil: no logs
}

func (o Options) withDefaults() Options {
	if o.Roles.Reader == "" {
		o.Roles.Reader = DefaultRoles.Reader
	}
	if o.Roles.Writer == "" {
		o.Roles.Writer = DefaultRoles.Writer
	}
	if len(o.ReadSchemas) == 0 {
		o.ReadSchemas = []string{"public"}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o
}

// Login is how to log in as one role of the offline store.
type Login struct {
	User string
	// Password returns the role's password; renew asks again after the
	// offline store refused the last one (the secret may have been rotated).
	Password func(ctx context.Context, renew bool) (string, error)
}

// FixedPassword is a Password function for a password that never changes.
func FixedPassword(p string) func(context.Context, bool) (string, error) {
	return func(context.Context, bool) (string, error) { return p, nil }
}

// Upstream is the offline store as Prepare left it: how to log in as each
// managed role.
type Upstream struct {
	dsn     string
	owner   *pgconn.Config
	roles   Roles
	secrets *secrets
	log     *slog.Logger
}

// Prepare connects to the offline store at dsn as its owner and creates or
// repairs the managed roles: their attributes, memberships, grants and
// secrets (see docs/gateway.md). Several gateways may prepare one database
// at once. The owner must be a superuser or have CREATEROLE; otherwise the
// error names the SQL an administrator must run.
func Prepare(ctx context.Context, dsn string, o Options) (*Upstream, error) {
	o = o.withDefaults()
	owner, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("offline.dsn: %w", err)
	}
	if err := checkSchemas(o.ReadSchemas); err != nil {
		return nil, err
	}
	u := &Upstream{dsn: dsn, owner: owner, roles: o.Roles, log: o.Logger}
	conn, err := u.connectOwner(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	who, err := whoAmI(ctx, conn)
	if err != nil {
		return nil, err
	}
	if err := who.check(o.Roles); err != nil {
		return nil, err
	}
	err = retryRace(ctx, func() error { return setUp(ctx, conn, who, o) })
	if err != nil {
		return nil, fmt.Errorf("offline store: set up the roles %s and %s: %w", o.Roles.Reader, o.Roles.Writer, err)
	}
	u.secrets = &secrets{u: u, db: who.db, cur: map[string]string{}, renewed: map[string]time.Time{}}
	for _, r := range []string{o.Roles.Reader, o.Roles.Writer} {
		if err := u.secrets.verify(ctx, conn, r); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// Roles returns the managed roles' names.
func (u *Upstream) Roles() Roles { return u.roles }

// Base returns the offline store's connection settings (host, port,
// database, TLS, parameters) with neither user nor password: every login
// sets its own.
func (u *Upstream) Base() *pgconn.Config {
	c := u.owner.Copy()
	c.User, c.Password = "", ""
	return c
}

// Login returns how to log in as the managed role of access level a.
func (u *Upstream) Login(a Access) Login {
	role := u.roles.of(a)
	return Login{User: role, Password: func(ctx context.Context, renew bool) (string, error) {
		return u.secrets.password(ctx, role, renew)
	}}
}

// ConnConfig returns the full connection settings of access level a's
// role, with its current secret.
func (u *Upstream) ConnConfig(ctx context.Context, a Access) (*pgconn.Config, error) {
	l := u.Login(a)
	pw, err := l.Password(ctx, false)
	if err != nil {
		return nil, err
	}
	c := u.Base()
	c.User, c.Password = l.User, pw
	return c, nil
}

// connectOwner connects as the owner with pg_catalog alone on the search
// path, so that nothing another role created can stand in for what the
// owner's statements name.
func (u *Upstream) connectOwner(ctx context.Context) (*pgx.Conn, error) {
	cc, err := pgx.ParseConfig(u.dsn)
	if err != nil {
		return nil, fmt.Errorf("offline.dsn: %w", err)
	}
	cc.RuntimeParams["search_path"] = "pg_catalog"
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return nil, fmt.Errorf("offline store: %w", err)
	}
	return conn, nil
}

// forbiddenSchema reports why s may not be granted to the managed roles,
// or "".
func forbiddenSchema(s string) string {
	switch {
	case s == "featuregate_registry" || s == "featuregate_online":
		return "it belongs to featuregate itself"
	case s == catalog.FileSchema:
		return "it holds the tables of file sources, which featuregate grants itself"
	case s == "information_schema" || strings.HasPrefix(s, "pg_"):
		return "it is a system schema"
	case strings.HasPrefix(s, "fg_"):
		return "fg_ schemas hold feature relations, which every role may use already"
	}
	return ""
}

func checkSchemas(schemas []string) error {
	for _, s := range schemas {
		if why := forbiddenSchema(s); why != "" {
			return fmt.Errorf("offline.read_schemas: schema %q cannot be granted: %s", s, why)
		}
	}
	if slices.Contains(schemas, "") {
		return fmt.Errorf("offline.read_schemas: an empty schema name")
	}
	return nil
}

// CheckRole refuses role as the upstream role of a user (the role an
// administrator manages, auth.users[].upstream) when sessions would run
// with the owner's rights: the owner itself, a member of it, a superuser,
// or a role that cannot log in.
func (u *Upstream) CheckRole(ctx context.Context, role string) error {
	conn, err := u.connectOwner(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var super, login, ownerish bool
	err = conn.QueryRow(ctx, `SELECT rolsuper, rolcanlogin, rolname = current_user OR pg_has_role(rolname, current_user, 'MEMBER')
		FROM pg_roles WHERE rolname = $1`, role).Scan(&super, &login, &ownerish)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("role %s does not exist on the offline store", role)
	case err != nil:
		return fmt.Errorf("offline store: %w", err)
	case ownerish:
		return fmt.Errorf("role %s is the gateway's own role (offline.dsn) or a member of it; sessions never log in as it", role)
	case super:
		return fmt.Errorf("role %s is a superuser; sessions never log in as one", role)
	case !login:
		return fmt.Errorf("role %s cannot log in (NOLOGIN)", role)
	case role == u.roles.Reader || role == u.roles.Writer:
		return fmt.Errorf("role %s is managed by featuregate: give the user access read-only or read-write instead", role)
	}
	return nil
}
