package server

import (
	"net/http"

	"skillpath"
)

func (s *Server) apiAccess() {
	s.handlePublic("POST /api/v1/tokens", s.createToken)
	s.handle("POST /api/v1/users/{id}/tokens", s.createUserToken)
	s.handle("GET /api/v1/me", s.getMe)
}

type tokenResponse struct {
	Token  string       `json:"token"`
	UserID skillpath.ID `json:"user_id"`
}

// createToken exchanges an email and password for an API token.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
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
	u, err := s.Store.Login(r.Context(), in.Email, in.Password)
	if err != nil {
		return err
	}
	token, err := s.Store.CreateToken(r.Context(), u.ID, u.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, tokenResponse{Token: token, UserID: u.ID})
	return nil
}

// createUserToken lets a platform admin mint a token for a user, for
// integrations and tests (SPEC §5).
func (s *Server) createUserToken(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	if err := requirePlatformAdmin(caller); err != nil {
		return err
	}
	id, err := pathID(r, "id", "user")
	if err != nil {
		return err
	}
	token, err := s.Store.CreateToken(r.Context(), id, caller.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, tokenResponse{Token: token, UserID: id})
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
