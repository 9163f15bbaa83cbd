package server

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"skillpath"
)

// Every API request looks its bearer token up; the answer — the live user
// the token belongs to — is remembered for tokenTTL (real time, like a
// lease). A change made through this process to users or tokens (any API
// request other than GET under /api/v1/users, /api/v1/tokens or
// /api/v1/me) forgets everything at once; a change made by another process
// sharing the database is seen within tokenTTL (docs/DECISIONS.md, "Token
// lookups are cached for one second").
const tokenTTL = time.Second

// tokenCacheMax bounds the tokens remembered; when full it starts afresh.
const tokenCacheMax = 10000

type tokenCache struct {
	mu      sync.Mutex
	entries map[string]tokenEntry
}

type tokenEntry struct {
	user  skillpath.User
	until time.Time
}

// userByToken is Store.UserByToken, remembered for tokenTTL. Refusals are
// not remembered.
func (s *Server) userByToken(ctx context.Context, token string) (*skillpath.User, error) {
	now := time.Now()
	c := &s.tokens
	c.mu.Lock()
	e, ok := c.entries[token]
	c.mu.Unlock()
	if ok && now.Before(e.until) {
		u := e.user
		return &u, nil
	}
	u, err := s.Store.UserByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= tokenCacheMax {
		c.entries = map[string]tokenEntry{}
	}
	c.entries[token] = tokenEntry{user: *u, until: now.Add(tokenTTL)}
	c.mu.Unlock()
	return u, nil
}

// forgetTokens empties the cache after a request that may have changed a
// user or a token.
func (s *Server) forgetTokens(r *http.Request) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return
	}
	p := r.URL.Path
	if strings.HasPrefix(p, "/api/v1/users") || strings.HasPrefix(p, "/api/v1/tokens") || strings.HasPrefix(p, "/api/v1/me") ||
		strings.HasPrefix(p, "/people/") { // the people pages edit and delete users too (issue 14)
		s.tokens.mu.Lock()
		s.tokens.entries = nil
		s.tokens.mu.Unlock()
	}
}
