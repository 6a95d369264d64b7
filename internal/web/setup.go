package web

import (
	"crypto/subtle"
	"sync"
)

// Setup is the one-time token that lets the person who started Fairline
// create the first administrator from the browser. It lives only in the
// memory of the process that printed it, and only while no account exists.
type Setup struct {
	mu     sync.Mutex
	token  string
	closed bool
}

// NewSetup makes a fresh token.
func NewSetup() *Setup { return &Setup{token: randomToken()} }

// Token is the value to print in the set-up link.
func (s *Setup) Token() string { return s.token }

func (s *Setup) valid(t string) bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.closed && subtle.ConstantTimeCompare([]byte(t), []byte(s.token)) == 1
}

func (s *Setup) close() {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}
