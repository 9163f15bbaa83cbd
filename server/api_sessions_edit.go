package server

import (
	"net/http"
	"time"

	"skillpath"
)

// apiSessionsEdit registers the edit of a session (issue 15): the page's
// edit form, for the API too.
func (s *Server) apiSessionsEdit() {
	s.handle("PUT /api/v1/sessions/{id}", s.updateSession)
}

// updateSession replaces a session's name, start, end and automatic
// re-enrollment with the body of POST /api/v1/trainings/{id}/sessions, and
// answers the session (store.UpdateSession). Platform admins only.
func (s *Server) updateSession(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	if err := requirePlatformAdmin(caller); err != nil {
		return err
	}
	id, err := pathID(r, "id", "session")
	if err != nil {
		return err
	}
	var in sessionInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	se, err := s.Store.FindSession(r.Context(), id)
	if err != nil {
		return err
	}
	if err := applySession(&in, se, s.Store.Zone); err != nil {
		return err
	}
	if err := s.Store.UpdateSession(r.Context(), se); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.sessionJSON(se))
	return nil
}

// applySession sets the session's name, times and automatic re-enrollment from
// the body of POST /api/v1/trainings/{id}/sessions or PUT
// /api/v1/sessions/{id}. Returns EINVALID naming starts_at or ends_at.
func applySession(in *sessionInput, se *skillpath.Session, zone *time.Location) error {
	se.Name, se.AutoReenroll = in.Name, in.AutoReenroll
	if in.StartsAt == nil {
		return skillpath.Invalid("starts_at", "is required (RFC 3339)")
	}
	var err error
	if se.StartsAt, err = parseTime("starts_at", *in.StartsAt, false, zone); err != nil {
		return err
	}
	se.EndsAt, err = optionalTime("ends_at", in.EndsAt, zone)
	return err
}
