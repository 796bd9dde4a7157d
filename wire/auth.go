package wire

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/xdg-go/scram"
)

// credentials holds what authentication compares against: the passwords and
// their SCRAM-SHA-256 verifiers, derived once at start.
type credentials struct {
	users map[string]User
	scram map[string]scram.StoredCredentials
	// secret keys the made-up verifiers of unknown users (mockFor), so
	// that they fail like a wrong password and cannot be told apart.
	secret [32]byte
	// endPoint is the channel binding of SCRAM-SHA-256-PLUS over TLS.
	endPoint scram.ChannelBinding
}

const scramIterations = 4096

func newCredentials(users []User, tlsConfig *tls.Config) (*credentials, error) {
	c := &credentials{users: map[string]User{}, scram: map[string]scram.StoredCredentials{},
		endPoint: serverEndPoint(tlsConfig)}
	for _, u := range users {
		if u.Name == "" {
			return nil, errors.New("wire: a configured user has no name")
		}
		if _, dup := c.users[u.Name]; dup {
			return nil, fmt.Errorf("wire: user %q is configured twice", u.Name)
		}
		c.users[u.Name] = u
		sc, err := storedCredentials(u.Password)
		if err != nil {
			return nil, err
		}
		c.scram[u.Name] = sc
	}
	_, _ = rand.Read(c.secret[:])
	return c, nil
}

// mockFor is the SCRAM verifier an unknown user gets: its salt and keys
// are an HMAC of the name under the server's secret, so each unknown name
// has its own salt, the same at every attempt, as a known user has, and
// no password matches it.
func (c *credentials) mockFor(name string) scram.StoredCredentials {
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, c.secret[:])
		m.Write([]byte(label))
		m.Write([]byte{0})
		m.Write([]byte(name))
		return m.Sum(nil)
	}
	return scram.StoredCredentials{
		KeyFactors: scram.KeyFactors{Salt: string(derive("salt")[:16]), Iters: scramIterations},
		StoredKey:  derive("stored"),
		ServerKey:  derive("server"),
	}
}

func storedCredentials(password string) (scram.StoredCredentials, error) {
	client, err := scram.SHA256.NewClientUnprepped("", password, "")
	if err != nil {
		return scram.StoredCredentials{}, fmt.Errorf("wire: scram: %w", err)
	}
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	sc, err := client.GetStoredCredentialsWithError(scram.KeyFactors{Salt: string(salt), Iters: scramIterations})
	if err != nil {
		return scram.StoredCredentials{}, fmt.Errorf("wire: scram: %w", err)
	}
	return sc, nil
}

// authError is what every authentication failure looks like to the
// client: nothing that tells a wrong user from a wrong password.
type authError struct{ user string }

func (e *authError) Error() string {
	return fmt.Sprintf("password authentication failed for user %q", e.user)
}

// authenticate runs the configured exchange and returns the user.
func (s *Server) authenticate(c *clientConn, name string) (User, error) {
	switch s.cfg.AuthMethod {
	case "", AuthTrust:
		if u, ok := s.creds.users[name]; ok {
			return u, nil
		}
		return User{Name: name, Upstream: s.cfg.DefaultLogin, Admin: s.cfg.DefaultAdmin}, nil
	case AuthPassword:
		return s.authPassword(c, name)
	default:
		return s.authSCRAM(c, name)
	}
}

func (s *Server) authPassword(c *clientConn, name string) (User, error) {
	msg, err := c.authStep(&pgproto3.AuthenticationCleartextPassword{}, pgproto3.AuthTypeCleartextPassword)
	if err != nil {
		return User{}, err
	}
	pm, ok := msg.(*pgproto3.PasswordMessage)
	if !ok {
		return User{}, &authError{user: name}
	}
	u, known := s.creds.users[name]
	want := u.Password
	if !known {
		want = string(s.creds.mockFor(name).StoredKey) // compare anyway: same time either way
	}
	if subtle.ConstantTimeCompare([]byte(pm.Password), []byte(want)) != 1 || !known {
		return User{}, &authError{user: name}
	}
	return u, nil
}

func (s *Server) authSCRAM(c *clientConn, name string) (User, error) {
	u, known := s.creds.users[name]
	lookup := func(string) (scram.StoredCredentials, error) {
		if known {
			return s.creds.scram[name], nil
		}
		return s.creds.mockFor(name), nil
	}
	srv, err := scram.SHA256.NewServer(lookup)
	if err != nil {
		return User{}, fmt.Errorf("wire: scram: %w", err)
	}
	conv, mechanisms := s.scramConversation(c, srv)
	msg, err := c.authStep(&pgproto3.AuthenticationSASL{AuthMechanisms: mechanisms}, pgproto3.AuthTypeSASL)
	if err != nil {
		return User{}, err
	}
	first, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok || !slices.Contains(mechanisms, first.AuthMechanism) {
		return User{}, &authError{user: name}
	}
	serverFirst, err := conv.Step(string(first.Data))
	if err != nil {
		return User{}, &authError{user: name}
	}
	msg, err = c.authStep(&pgproto3.AuthenticationSASLContinue{Data: []byte(serverFirst)}, pgproto3.AuthTypeSASLContinue)
	if err != nil {
		return User{}, err
	}
	final, ok := msg.(*pgproto3.SASLResponse)
	if !ok {
		return User{}, &authError{user: name}
	}
	serverFinal, err := conv.Step(string(final.Data))
	if err != nil || !conv.Valid() || !known {
		return User{}, &authError{user: name}
	}
	c.send(&pgproto3.AuthenticationSASLFinal{Data: []byte(serverFinal)})
	return u, nil
}

// SASL mechanisms.
const (
	mechSCRAM     = "SCRAM-SHA-256"
	mechSCRAMPlus = "SCRAM-SHA-256-PLUS"
)

// scramConversation starts the server's side of a SCRAM exchange and
// returns the mechanisms to offer. Over TLS it offers SCRAM-SHA-256-PLUS
// first, bound to the server certificate (tls-server-end-point, RFC 5929,
// as PostgreSQL does), and still accepts plain SCRAM-SHA-256 from clients
// that do not bind; one that could bind but says it thinks the server
// cannot is refused (a downgrade).
func (s *Server) scramConversation(c *clientConn, srv *scram.Server) (*scram.ServerConversation, []string) {
	if _, isTLS := c.nc.(*tls.Conn); isTLS && s.creds.endPoint.IsSupported() {
		return srv.NewConversationWithChannelBinding(s.creds.endPoint), []string{mechSCRAMPlus, mechSCRAM}
	}
	return srv.NewConversation(), []string{mechSCRAM}
}

// serverEndPoint is the tls-server-end-point channel binding of the
// server's certificate: its hash. It is known when the configuration has
// one certificate (the gateway's has); otherwise SCRAM-SHA-256-PLUS is not
// offered.
func serverEndPoint(cfg *tls.Config) scram.ChannelBinding {
	if cfg == nil || len(cfg.Certificates) != 1 || cfg.GetCertificate != nil || len(cfg.Certificates[0].Certificate) == 0 {
		return scram.ChannelBinding{}
	}
	leaf, err := x509.ParseCertificate(cfg.Certificates[0].Certificate[0])
	if err != nil {
		return scram.ChannelBinding{}
	}
	// The library hashes the certificate of the peer, as a client sees
	// it: give it the server's own as such.
	cb, err := scram.NewTLSServerEndpointBinding(&tls.ConnectionState{PeerCertificates: []*x509.Certificate{leaf}})
	if err != nil {
		return scram.ChannelBinding{}
	}
	return cb
}

// authStep sends an authentication request and reads the client's answer,
// which the backend decodes according to authType.
func (c *clientConn) authStep(req pgproto3.BackendMessage, authType uint32) (pgproto3.FrontendMessage, error) {
	c.send(req)
	if err := c.flush(); err != nil {
		return nil, err
	}
	if err := c.be.SetAuthType(authType); err != nil {
		return nil, err
	}
	return c.be.Receive()
}
