package server

import (
	"net/http"
	"time"

	"skillpath"
	"skillpath/server/input"
	"skillpath/store"
)

func (s *Server) apiAccess() {
	s.handlePublic("POST /api/v1/tokens", s.createToken)
	s.handle("POST /api/v1/users/{id}/tokens", s.createUserToken)
	s.handle("GET /api/v1/users/{id}/tokens", s.listTokens)
	s.handle("DELETE /api/v1/users/{id}/tokens/{token_id}", s.revokeToken)
	s.handle("GET /api/v1/me", s.getMe)
	s.handle("GET /api/v1/audit", s.getAudit)
}

// tokenResponse is a token just minted: its secret, shown this once, and
// the token as listed.
type tokenResponse struct {
	Secret string `json:"token"`
	*store.Token
}

// expiryInput is the optional expiry of a token being minted: a lifetime
// in seconds or an end, not both.
type expiryInput struct {
	ExpiresIn *int64  `json:"expires_in"`
	ExpiresAt *string `json:"expires_at"`
}

// maxExpiresIn is the longest expires_in, in seconds (store.MaxTokenLifetime).
const maxExpiresIn = int64(store.MaxTokenLifetime / time.Second)

func (e expiryInput) at(now time.Time) (*time.Time, error) {
	switch {
	case e.ExpiresIn != nil && e.ExpiresAt != nil:
		return nil, skillpath.Invalid("expires_in", "give expires_in or expires_at, not both")
	case e.ExpiresIn != nil:
		if *e.ExpiresIn < 1 || *e.ExpiresIn > maxExpiresIn {
			return nil, skillpath.Invalid("expires_in", "must be a number of seconds from 1 to %d (10 years)", maxExpiresIn)
		}
		t := now.Add(time.Duration(*e.ExpiresIn) * time.Second)
		return &t, nil
	case e.ExpiresAt != nil:
		t, err := parseTime("expires_at", *e.ExpiresAt, false, time.UTC)
		if err != nil {
			return nil, err
		}
		return &t, nil
	}
	return nil, nil
}

// createToken exchanges an email and password for an API token, throttled
// by email and client address (store.LoginFrom).
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
		expiryInput
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.Email == "" {
		return skillpath.Invalid("email", "is required")
	}
	if in.Password == "" {
		return skillpath.Invalid("password", "is required")
	}
	expires, err := in.at(s.Store.Wall())
	if err != nil {
		return err
	}
	u, err := s.Store.LoginFrom(r.Context(), in.Email, in.Password, s.clientAddress(r))
	if err != nil {
		return err
	}
	secret, tok, err := s.Store.MintToken(r.Context(), u.ID, u.ID, expires)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, tokenResponse{Secret: secret, Token: tok})
	return nil
}

// createUserToken lets a platform admin mint a token for a user, for
// integrations and tests (SPEC §5), with an optional expiry; the body may
// be empty.
func (s *Server) createUserToken(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	if err := requirePlatformAdmin(caller); err != nil {
		return err
	}
	id, err := pathID(r, "id", "user")
	if err != nil {
		return err
	}
	var in expiryInput
	if err := decodeOptional(w, r, &in); err != nil {
		return err
	}
	expires, err := in.at(s.Store.Wall())
	if err != nil {
		return err
	}
	secret, tok, err := s.Store.MintToken(r.Context(), id, caller.ID, expires)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, tokenResponse{Secret: secret, Token: tok})
	return nil
}

// decodeOptional is decode for a body that may also be empty.
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	return input.DecodeOptional(w, r, v)
}

// tokenOwner returns the user of a token route's path when the caller may
// manage their tokens: the user themself or a platform admin. Anyone else
// gets 404, as for a user they may not see, or 403 when they may see them.
func (s *Server) tokenOwner(r *http.Request, caller *skillpath.User) (skillpath.ID, error) {
	id, a, err := s.userAccess(r, caller)
	if err != nil {
		return 0, err
	}
	if !a.Self && !a.PlatformAdmin {
		return 0, skillpath.Errorf(skillpath.EFORBIDDEN, "only the user and platform admins may see or revoke a user's tokens")
	}
	return id, nil
}

// listTokens lists a user's API tokens, never their secrets.
func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	id, err := s.tokenOwner(r, caller)
	if err != nil {
		return err
	}
	tokens, err := s.Store.Tokens(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": tokens})
	return nil
}

// revokeToken deletes one of a user's API tokens.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	id, err := s.tokenOwner(r, caller)
	if err != nil {
		return err
	}
	tokenID, err := pathID(r, "token_id", "token")
	if err != nil {
		return err
	}
	if err := s.Store.RevokeToken(r.Context(), id, tokenID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getMe(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	u, err := s.Store.FindUser(r.Context(), caller.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}
