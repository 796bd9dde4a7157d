package wire

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/xdg-go/scram"
)

// credentials holds what authentication compares against: the passwords and
// their SCRAM-SHA-256 verifiers, derived once at start.
type credentials struct {
	users map[string]User
	scram map[string]scram.StoredCredentials
	mock  scram.StoredCredentials // for unknown users, so they fail like a wrong password
}

const scramIterations = 4096

func newCredentials(users []User) (*credentials, error) {
	c := &credentials{users: map[string]User{}, scram: map[string]scram.StoredCredentials{}}
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
	var pw [24]byte
	_, _ = rand.Read(pw[:])
	mock, err := storedCredentials(string(pw[:]))
	if err != nil {
		return nil, err
	}
	c.mock = mock
	return c, nil
}

func storedCredentials(password string) (scram.StoredCredentials, error) {
	client, err := scram.SHA256.NewClientUnprepped("", password, "")
	if err != nil {
		return scram.StoredCredentials{}, fmt.Errorf("wire: scram: %w", err)
	}
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	return client.GetStoredCredentials(scram.KeyFactors{Salt: string(salt), Iters: scramIterations}), nil
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
		want = string(s.creds.mock.StoredKey) // compare anyway: same time either way
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
		return s.creds.mock, nil
	}
	srv, err := scram.SHA256.NewServer(lookup)
	if err != nil {
		return User{}, fmt.Errorf("wire: scram: %w", err)
	}
	conv := srv.NewConversation()
	msg, err := c.authStep(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{"SCRAM-SHA-256"}}, pgproto3.AuthTypeSASL)
	if err != nil {
		return User{}, err
	}
	first, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok || first.AuthMechanism != "SCRAM-SHA-256" {
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
