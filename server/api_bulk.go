package server

import (
	"net/http"

	"skillpath"
)

// Bulk enrollment and approvals (SPEC §6, issue 15).
func (s *Server) apiBulk() {
	s.handle("POST /api/v1/sessions/{id}/enrollments/bulk", s.enrollMany)
	s.handle("GET /api/v1/approvals", s.listApprovals)
	s.handle("POST /api/v1/enrollments/{id}/refuse", s.refuseEnrollment)
}

// maxBulkGroups bounds group_ids of one bulk enrollment.
const maxBulkGroups = 1000

// bulkInput is the body of POST /api/v1/sessions/{id}/enrollments/bulk.
type bulkInput struct {
	UserIDs  []skillpath.ID `json:"user_ids"`
	GroupIDs []skillpath.ID `json:"group_ids"`
}

// requireAssigner refuses a caller who may assign no learner at all: only
// platform admins and group admins enroll others (skillpath.Access.CanAssign).
func (s *Server) requireAssigner(r *http.Request, caller *skillpath.User, what string) error {
	if caller.PlatformAdmin {
		return nil
	}
	roles, err := s.Store.UserRoles(r.Context(), caller)
	if err != nil {
		return err
	}
	if !roles.GroupAdmin {
		return skillpath.Errorf(skillpath.EFORBIDDEN, "only platform admins and group admins may %s", what)
	}
	return nil
}

// enrollMany assigns the users and the members of the groups (subgroups
// included) to the session in one transaction, answering 200 with
// {enrolled, skipped: [{user_id, reason}]} (store.EnrollMany).
func (s *Server) enrollMany(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	sessionID, err := pathID(r, "id", "session")
	if err != nil {
		return err
	}
	var in bulkInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if len(in.GroupIDs) > maxBulkGroups {
		return skillpath.Invalid("group_ids", "at most %d groups in one call", maxBulkGroups)
	}
	if len(in.UserIDs) > skillpath.MaxBulkEnrollment {
		return skillpath.Invalid("user_ids", "at most %d users in one call", skillpath.MaxBulkEnrollment)
	}
	if err := s.requireAssigner(r, caller, "enroll other users"); err != nil {
		return err
	}
	res, err := s.Store.EnrollMany(r.Context(), sessionID, caller, in.UserIDs, in.GroupIDs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// listApprovals answers {approvals: [...], next?}: the self-enrollments
// awaiting approval that the caller may approve, oldest first, paged with
// limit (1–500, default 100) and after.
func (s *Server) listApprovals(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	limit, after, err := page(r.URL.Query(), 100, 500)
	if err != nil {
		return err
	}
	if err := s.requireAssigner(r, caller, "approve enrollments"); err != nil {
		return err
	}
	list, next, err := s.Store.ListApprovals(r.Context(), caller, after, limit)
	if err != nil {
		return err
	}
	out := map[string]any{"approvals": list}
	if next != "" {
		out["next"] = next
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// refuseEnrollment refuses a self-enrollment awaiting approval: it is
// deleted (and marked refused for the audit); 204.
func (s *Server) refuseEnrollment(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	id, err := pathID(r, "id", "enrollment")
	if err != nil {
		return err
	}
	if err := s.Store.Refuse(r.Context(), id, caller, approver(id, nil)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
