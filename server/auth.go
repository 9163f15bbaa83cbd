package server

import (
	"net/http"
	"strings"

	"skillpath"
)

// authenticate finds the caller from the request's bearer token. Returns
// EUNAUTHORIZED when there is none or it is not valid.
func (s *Server) authenticate(r *http.Request) (*skillpath.User, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, skillpath.Errorf(skillpath.EUNAUTHORIZED, "Authorization: Bearer TOKEN is required; get a token from POST /api/v1/tokens")
	}
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || token == "" {
		return nil, skillpath.Errorf(skillpath.EUNAUTHORIZED, "Authorization must be \"Bearer TOKEN\"")
	}
	return s.userByToken(r.Context(), token)
}

// requirePlatformAdmin returns EFORBIDDEN unless the caller is a platform admin.
func requirePlatformAdmin(caller *skillpath.User) error {
	if !caller.PlatformAdmin {
		return skillpath.Errorf(skillpath.EFORBIDDEN, "only platform admins may do this")
	}
	return nil
}

// pathID reads the id named name from the URL path. An id that is not a
// positive integer cannot exist, so it is answered 404 like an unknown one.
func pathID(r *http.Request, name, what string) (skillpath.ID, error) {
	v := r.PathValue(name)
	id, ok := skillpath.ParseID(v)
	if !ok {
		return 0, skillpath.Errorf(skillpath.ENOTFOUND, "%s %q not found", what, v)
	}
	return id, nil
}
