// Package config reads featuregate.yaml. Keys are strict: an unknown key is
// an error naming the key and its line. ${NAME} in a value is replaced by
// the environment variable NAME, so secrets need not be written down.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the whole file.
type Config struct {
	Project string `yaml:"project"`
	Listen  string `yaml:"listen"`
	// HTTPListen is the address of the HTTP API (Feast-compatible JSON,
	// health, metrics); "off" disables it.
	HTTPListen string  `yaml:"http_listen"`
	DataDir    string  `yaml:"data_dir"`
	Offline    Offline `yaml:"offline"`
	Online     Online  `yaml:"online"`
	Auth       Auth    `yaml:"auth"`
	TLS        TLS     `yaml:"tls"`
	Limits     Limits  `yaml:"limits"`
	Files      Files   `yaml:"files"`
}

// Files is where the gateway reads the files of file sources that
// statements sent over the wire name (CREATE SOURCE … AS FILE, REFRESH
// SOURCE). featuregate apply reads a repo's files on its own machine
// instead.
type Files struct {
	// Root is the directory such paths are relative to; none may lead out
	// of it. Empty (the default): file sources over the wire are refused.
	// A relative root is relative to the config file's directory.
	Root string `yaml:"root"`
}

// Offline is the offline PostgreSQL.
type Offline struct {
	Type string `yaml:"type"` // postgres
	// DSN is how the gateway logs in as itself (the owner): the registry,
	// the PostgreSQL online store, and keeping the roles of Roles.
	DSN string `yaml:"dsn"`
	// Roles names the roles client sessions log in as, one per access
	// level; the gateway creates and keeps them.
	Roles Roles `yaml:"roles"`
	// ReaderRole is the older name of roles.reader, still accepted.
	ReaderRole string `yaml:"reader_role"`
	// ReadSchemas are the schemas both roles may use: read-only sessions
	// read their tables, read-write sessions write them too. Empty means
	// public. The schemas of table sources are added on start.
	ReadSchemas []string `yaml:"read_schemas"`
}

// Roles names the managed roles of the offline store.
type Roles struct {
	Reader string `yaml:"reader"` // read-only sessions and materialization (default featuregate_reader)
	Writer string `yaml:"writer"` // read-write sessions (default featuregate_writer)
}

// ReaderName is the read-only role: roles.reader, else reader_role, else
// featuregate_reader.
func (o Offline) ReaderName() string {
	switch {
	case o.Roles.Reader != "":
		return o.Roles.Reader
	case o.ReaderRole != "":
		return o.ReaderRole
	}
	return "featuregate_reader"
}

// WriterName is the read-write role: roles.writer, else featuregate_writer.
func (o Offline) WriterName() string {
	if o.Roles.Writer != "" {
		return o.Roles.Writer
	}
	return "featuregate_writer"
}

// Online is the online store.
type Online struct {
	Type string `yaml:"type"` // pebble (default) or postgres
	// DSN is the PostgreSQL of the postgres online store; empty means the
	// offline store's database.
	DSN string `yaml:"dsn"`
	// CacheMiB is the size of Pebble's block cache in MiB: the memory the
	// store keeps of what it read, beside the memtables (0: the default).
	CacheMiB int `yaml:"cache_mib"`
	// RowCacheMiB is the size in MiB of the row cache in front of Pebble,
	// which keeps the stored bytes of recently read keys (0: none).
	RowCacheMiB int `yaml:"row_cache_mib"`
}

// DefaultCacheMiB is the default size of Pebble's block cache.
const DefaultCacheMiB = 32

// Auth configures client authentication.
type Auth struct {
	Method string `yaml:"method"` // trust, password, scram-sha-256
	Users  []User `yaml:"users"`
}

// User is a client account.
type User struct {
	Name     string `yaml:"name"`
	Password string `yaml:"password"`
	// Access is read-only (the default), read-write (may write the
	// offline store's tables) or admin (read-write, and may change
	// everything featuregate holds: definitions, permissions, projects).
	Access string `yaml:"access"`
	// Roles name the user in featuregate's permissions (CREATE
	// PERMISSION … TO role).
	Roles []string `yaml:"roles"`
	// Projects are the only projects the user may open; none listed
	// means every project.
	Projects []string `yaml:"projects"`
	// Token authenticates the user's HTTP requests ("Authorization:
	// Bearer <token>"); write it as ${ENV} to keep it out of the file.
	Token string `yaml:"token"`
	// Upstream, when its role is set, is an existing role the user's
	// sessions log in as instead of the managed role of its access level.
	Upstream Upstream `yaml:"upstream"`
}

// Upstream is a role of the offline store that an administrator manages.
type Upstream struct {
	Role     string `yaml:"role"`
	Password string `yaml:"password"`
}

// TLS names the server certificate and key.
type TLS struct {
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
	// Required refuses PostgreSQL clients that do not use TLS.
	Required bool `yaml:"required"`
}

// Limits bounds sessions, logins and requests. Zero values mean the
// defaults of Default.
type Limits struct {
	MaxConnections           int      `yaml:"max_connections"`
	IdleSessionTimeout       Duration `yaml:"idle_session_timeout"`
	IdleInTransactionTimeout Duration `yaml:"idle_in_transaction_timeout"`
	// MaxPendingLogins caps the connections that have not authenticated.
	MaxPendingLogins int `yaml:"max_pending_logins"`
	// MaxPendingLoginsPerAddress caps those of one client address (0:
	// half of MaxPendingLogins).
	MaxPendingLoginsPerAddress int `yaml:"max_pending_logins_per_address"`
	// StartupTimeout bounds a connection's time until it authenticated.
	StartupTimeout Duration `yaml:"startup_timeout"`
	// LoginThrottleFailures failed logins from one address within
	// LoginThrottleWindow make its next attempts LoginThrottleDelay apart
	// (-1: never).
	LoginThrottleFailures int      `yaml:"login_throttle_failures"`
	LoginThrottleWindow   Duration `yaml:"login_throttle_window"`
	LoginThrottleDelay    Duration `yaml:"login_throttle_delay"`
	// MaxKeysPerLookup caps the entity keys of one online lookup.
	MaxKeysPerLookup int `yaml:"max_keys_per_lookup"`
	// The HTTP API's timeouts (net/http's Server fields of those names).
	HTTPReadHeaderTimeout Duration `yaml:"http_read_header_timeout"`
	HTTPReadTimeout       Duration `yaml:"http_read_timeout"`
	HTTPWriteTimeout      Duration `yaml:"http_write_timeout"`
	HTTPIdleTimeout       Duration `yaml:"http_idle_timeout"`
}

// DefaultLimits are the limits of a configuration that sets none.
func DefaultLimits() Limits {
	return Limits{
		MaxConnections:        100,
		MaxPendingLogins:      64,
		StartupTimeout:        Duration(10 * time.Second),
		LoginThrottleFailures: 10,
		LoginThrottleWindow:   Duration(time.Minute),
		LoginThrottleDelay:    Duration(time.Second),
		MaxKeysPerLookup:      10000,
		HTTPReadHeaderTimeout: Duration(5 * time.Second),
		HTTPReadTimeout:       Duration(30 * time.Second),
		HTTPWriteTimeout:      Duration(60 * time.Second),
		HTTPIdleTimeout:       Duration(60 * time.Second),
	}
}

// Duration is a time.Duration written as "30s", "5m".
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration (write 30s, 5m, 1h)", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration as it is read: 30s, 5m0s.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// Default returns the configuration used when no file is given.
func Default() Config {
	return Config{
		Listen:     "127.0.0.1:5433",
		HTTPListen: "127.0.0.1:6566",
		DataDir:    ".featuregate",
		Offline:    Offline{Type: "postgres"},
		Online:     Online{Type: "pebble", CacheMiB: DefaultCacheMiB},
		Limits:     DefaultLimits(),
	}
}

// Load reads path over the defaults.
func Load(path string) (Config, error) {
	cfg := Default()
	raw, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	raw, err = expandEnv(raw)
	if err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	if cfg.Files.Root != "" && !filepath.IsAbs(cfg.Files.Root) {
		cfg.Files.Root = filepath.Join(filepath.Dir(path), cfg.Files.Root)
	}
	return cfg, cfg.Validate()
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

func expandEnv(raw []byte) ([]byte, error) {
	var missing string
	out := envRef.ReplaceAllFunc(raw, func(m []byte) []byte {
		name := string(envRef.FindSubmatch(m)[1])
		v, ok := os.LookupEnv(name)
		if !ok && missing == "" {
			missing = name
		}
		return []byte(v)
	})
	if missing != "" {
		return nil, fmt.Errorf("environment variable %s is not set", missing)
	}
	return out, nil
}

// Validate checks the values that yaml cannot.
func (c Config) Validate() error {
	if c.Offline.Type != "postgres" {
		return fmt.Errorf("config: offline.type %q is not supported (use postgres)", c.Offline.Type)
	}
	if c.Online.Type != "pebble" && c.Online.Type != "postgres" {
		return fmt.Errorf("config: online.type %q is not supported (use pebble or postgres)", c.Online.Type)
	}
	if c.Online.CacheMiB < 0 {
		return errors.New("config: online.cache_mib must not be negative")
	}
	if c.Online.RowCacheMiB < 0 {
		return errors.New("config: online.row_cache_mib must not be negative (0: no row cache)")
	}
	switch c.Auth.Method {
	case "", "trust", "password", "scram-sha-256":
	default:
		return fmt.Errorf("config: auth.method %q is not supported (use trust, password or scram-sha-256)", c.Auth.Method)
	}
	for _, u := range c.Auth.Users {
		if u.Access != "" && u.Access != "read-only" && u.Access != "read-write" && u.Access != "admin" {
			return fmt.Errorf("config: auth.users %q: access %q is not read-only, read-write or admin", u.Name, u.Access)
		}
		if u.Upstream.Password != "" && u.Upstream.Role == "" {
			return fmt.Errorf("config: auth.users %q: upstream has a password but no role", u.Name)
		}
	}
	if err := c.Offline.validateRoles(); err != nil {
		return err
	}
	if (c.TLS.Cert == "") != (c.TLS.Key == "") {
		return errors.New("config: tls needs both cert and key")
	}
	if c.TLS.Required && c.TLS.Cert == "" {
		return errors.New("config: tls.required needs tls.cert and tls.key")
	}
	return c.Limits.validate()
}

// validate refuses negative limits, which mean nothing (but for
// login_throttle_failures: -1 turns the throttle off).
func (l Limits) validate() error {
	for name, v := range map[string]int64{
		"max_connections": int64(l.MaxConnections), "max_pending_logins": int64(l.MaxPendingLogins),
		"max_pending_logins_per_address": int64(l.MaxPendingLoginsPerAddress),
		"max_keys_per_lookup":            int64(l.MaxKeysPerLookup), "startup_timeout": int64(l.StartupTimeout),
		"idle_session_timeout": int64(l.IdleSessionTimeout), "idle_in_transaction_timeout": int64(l.IdleInTransactionTimeout),
		"login_throttle_window": int64(l.LoginThrottleWindow), "login_throttle_delay": int64(l.LoginThrottleDelay),
		"http_read_header_timeout": int64(l.HTTPReadHeaderTimeout), "http_read_timeout": int64(l.HTTPReadTimeout),
		"http_write_timeout": int64(l.HTTPWriteTimeout), "http_idle_timeout": int64(l.HTTPIdleTimeout),
	} {
		if v < 0 {
			return fmt.Errorf("config: limits.%s must not be negative", name)
		}
	}
	if l.LoginThrottleFailures < -1 {
		return errors.New("config: limits.login_throttle_failures is -1 (off), 0 (the default) or a count")
	}
	return nil
}

func (o Offline) validateRoles() error {
	if o.ReaderRole != "" && o.Roles.Reader != "" && o.ReaderRole != o.Roles.Reader {
		return fmt.Errorf("config: offline.reader_role %q and offline.roles.reader %q differ (reader_role is the older name: keep one)",
			o.ReaderRole, o.Roles.Reader)
	}
	if o.ReaderName() == o.WriterName() {
		return fmt.Errorf("config: offline.roles: the reader and the writer must be two roles, not %q twice", o.ReaderName())
	}
	for _, s := range o.ReadSchemas {
		if s == "" {
			return errors.New("config: offline.read_schemas: an empty schema name")
		}
	}
	return nil
}
