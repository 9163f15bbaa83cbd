package server

import (
	"encoding/json"
	"net/http"

	"skillpath"
	"skillpath/server/input"
	"skillpath/store"
)

func (s *Server) apiUsers() {
	s.handle("POST /api/v1/users", s.createUser)
	s.handle("POST /api/v1/users/import", s.importUsers)
	s.handle("GET /api/v1/users", s.listUsers)
	s.handle("GET /api/v1/users/{id}", s.getUser)
	s.handle("PATCH /api/v1/users/{id}", s.updateUser)
	s.handle("DELETE /api/v1/users/{id}", s.deleteUser)
}

// userInput is the body of POST /api/v1/users.
type userInput = input.User

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	if err := requirePlatformAdmin(caller); err != nil {
		return err
	}
	var in userInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u := &skillpath.User{Email: in.Email, Name: in.Name, CustomFields: in.CustomFields, GroupIDs: in.GroupIDs, PlatformAdmin: in.PlatformAdmin}
	if in.RegisteredAt != nil {
		t, err := parseTime("registered_at", *in.RegisteredAt, true, s.Store.Zone)
		if err != nil {
			return err
		}
		u.RegisteredAt = t
	}
	if u.CustomFields == nil {
		u.CustomFields = map[string]string{}
	}
	if u.GroupIDs == nil {
		u.GroupIDs = []skillpath.ID{}
	}
	if err := s.Store.CreateUser(r.Context(), u, in.Password); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	q := r.URL.Query()
	limit, after, err := adminListPage(q, caller)
	if err != nil {
		return err
	}
	f := store.UserFilter{Query: q.Get("q"), After: after, Limit: limit, Status: skillpath.UserStatus(q.Get("status"))}
	switch f.Status {
	case "", skillpath.UserActive, skillpath.UserDeleted:
	case "all":
		f.Status = ""
	default:
		return skillpath.Invalid("status", "must be active, deleted or all")
	}
	users, next, err := s.Store.ListUsers(r.Context(), f)
	if err != nil {
		return err
	}
	body := struct {
		Users []*skillpath.User `json:"users"`
		Next  *skillpath.ID     `json:"next,omitempty"`
	}{Users: users}
	if users == nil {
		body.Users = []*skillpath.User{}
	}
	if next != 0 {
		body.Next = &next
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// userAccess returns the user named in the path if the caller may see them:
// themself, a platform admin, or staff of one of their groups.
func (s *Server) userAccess(r *http.Request, caller *skillpath.User) (skillpath.ID, skillpath.Access, error) {
	id, err := pathID(r, "id", "user")
	if err != nil {
		return 0, skillpath.Access{}, err
	}
	a, err := s.Store.Access(r.Context(), caller, id, 0)
	if err != nil {
		return 0, a, err
	}
	if !a.CanView() {
		return 0, a, skillpath.Errorf(skillpath.ENOTFOUND, "user %s not found", id)
	}
	return id, a, nil
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	id, _, err := s.userAccess(r, caller)
	if err != nil {
		return err
	}
	u, err := s.Store.FindUser(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	id, a, err := s.userAccess(r, caller)
	if err != nil {
		return err
	}
	var in struct {
		Name          *string            `json:"name"`
		CustomFields  *map[string]string `json:"custom_fields"`
		GroupIDs      *[]skillpath.ID    `json:"group_ids"`
		PlatformAdmin *bool              `json:"platform_admin"`
		Password      *string            `json:"password"`
		// CurrentPassword is required with password when users change
		// their own.
		CurrentPassword *string `json:"current_password"`
	}
	if err := decodeNoNulls(w, r, &in); err != nil {
		return err
	}
	// Learners may change their own name and password; the rest is for
	// platform admins.
	if !a.PlatformAdmin && (in.CustomFields != nil || in.GroupIDs != nil || in.PlatformAdmin != nil || !a.Self) {
		return skillpath.Errorf(skillpath.EFORBIDDEN, "only platform admins may change a user's custom fields, groups or role")
	}
	if in.CurrentPassword != nil && in.Password == nil {
		return skillpath.Invalid("current_password", "goes with password, the new one")
	}
	up := store.UserUpdate{Name: in.Name, CustomFields: in.CustomFields, GroupIDs: in.GroupIDs, PlatformAdmin: in.PlatformAdmin,
		Password: in.Password, RequireCurrent: a.Self, CurrentPassword: in.CurrentPassword, Client: s.clientAddress(r)}
	if a.Self {
		// The token this is done with stays; the user's others end.
		if up.KeepTokenID, err = s.Store.TokenID(r.Context(), bearer(r)); err != nil {
			return err
		}
	}
	u, err := s.Store.UpdateUser(r.Context(), id, up)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	if err := requirePlatformAdmin(caller); err != nil {
		return err
	}
	id, err := pathID(r, "id", "user")
	if err != nil {
		return err
	}
	if id == caller.ID {
		return skillpath.Errorf(skillpath.EUNPROCESSABLE, "you cannot delete yourself")
	}
	if err := s.Store.DeleteUser(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// rawPresent tells whether an optional JSON member was sent (even as null).
func rawPresent(m json.RawMessage) bool { return m != nil }
