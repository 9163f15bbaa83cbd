package server

import (
	"net/http"

	"skillpath"
	"skillpath/server/input"
	"skillpath/status"
)

func (s *Server) apiSessions() {
	s.handle("POST /api/v1/trainings/{id}/sessions", s.createSession)
	s.handle("GET /api/v1/trainings/{id}/sessions", s.listSessions)
	s.handle("GET /api/v1/sessions/{id}", s.getSession)
	s.handle("POST /api/v1/sessions/{id}/archive", s.archiveSession)
	s.handle("DELETE /api/v1/sessions/{id}", s.deleteSession)
}

// sessionJSON is a session with its state at "now".
type sessionJSON struct {
	*skillpath.Session
	State status.Session `json:"state"`
}

func (s *Server) sessionJSON(se *skillpath.Session) sessionJSON {
	return sessionJSON{Session: se, State: status.SessionState(se.StartsAt, se.EndsAt, se.ArchivedAt != nil, s.now())}
}

// sessionInput is the body of POST /api/v1/trainings/{id}/sessions.
type sessionInput = input.Session

func (s *Server) createSession(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	if err := requirePlatformAdmin(caller); err != nil {
		return err
	}
	trainingID, err := pathID(r, "id", "training")
	if err != nil {
		return err
	}
	var in sessionInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	se := &skillpath.Session{TrainingID: trainingID}
	if err := applySession(&in, se, s.Store.Zone); err != nil {
		return err
	}
	if err := s.Store.CreateSession(r.Context(), se); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.sessionJSON(se))
	return nil
}

func (s *Server) listSessions(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	trainingID, err := pathID(r, "id", "training")
	if err != nil {
		return err
	}
	if _, err := s.Store.FindTraining(r.Context(), trainingID); err != nil {
		return err
	}
	list, err := s.Store.ListSessions(r.Context(), trainingID)
	if err != nil {
		return err
	}
	out := make([]sessionJSON, len(list))
	for i, se := range list {
		out[i] = s.sessionJSON(se)
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": out})
	return nil
}

func (s *Server) getSession(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	id, err := pathID(r, "id", "session")
	if err != nil {
		return err
	}
	se, err := s.Store.FindSession(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.sessionJSON(se))
	return nil
}

func (s *Server) archiveSession(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	if err := requirePlatformAdmin(caller); err != nil {
		return err
	}
	id, err := pathID(r, "id", "session")
	if err != nil {
		return err
	}
	dryRun, err := dryRunParam(r)
	if err != nil {
		return err
	}
	// Archiving ends automatic re-enrollment in the session: the answer
	// says for how many learners, and ?dry_run=true says it before
	// (issue 13, fault 6).
	ended, err := s.Store.ReenrollmentsEnded(r.Context(), id)
	if err != nil {
		return err
	}
	se, err := s.Store.FindSession(r.Context(), id)
	if err != nil {
		return err
	}
	if dryRun && se.ArchivedAt != nil {
		return skillpath.Errorf(skillpath.ECONFLICT, "session %s is already archived", id)
	}
	if !dryRun {
		if se, err = s.Store.ArchiveSession(r.Context(), id); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, archiveJSON{sessionJSON: s.sessionJSON(se), DryRun: dryRun, ReenrollmentsEnded: ended})
	return nil
}

// archiveJSON is the answer of POST /api/v1/sessions/{id}/archive.
type archiveJSON struct {
	sessionJSON
	DryRun bool `json:"dry_run"`
	// ReenrollmentsEnded is how many learners the session will no longer
	// re-enroll automatically once archived.
	ReenrollmentsEnded int `json:"reenrollments_ended"`
}

func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	if err := requirePlatformAdmin(caller); err != nil {
		return err
	}
	id, err := pathID(r, "id", "session")
	if err != nil {
		return err
	}
	if err := s.Store.DeleteSession(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
