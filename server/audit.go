package server

import (
	"net/http"
	"strings"

	"skillpath"
	"skillpath/store"
)

// The audit log (issue 11) records every action that changes something —
// every API route and page form other than GET — done by a signed-in
// caller, except the learner's own progress below, which the learning
// events keep already. It is recorded by the handler wrappers (handle,
// page), so a new route is audited without a line of its own, and written
// by the store in the transaction of the action (store.WithAudit).
var unaudited = map[string]bool{
	"POST /api/v1/enrollments/{id}/start":                           true,
	"POST /api/v1/enrollments/{id}/activities/{activity_id}/view":   true,
	"POST /api/v1/enrollments/{id}/activities/{activity_id}/answer": true,
	"POST /api/v1/enrollments/{id}/modules/{module_id}/retake":      true,
	"POST /learn/enrollments/{id}/start":                            true,
	"POST /learn/enrollments/{id}/activities/{activity_id}/view":    true,
	"POST /learn/enrollments/{id}/activities/{activity_id}/answer":  true,
	"POST /learn/enrollments/{id}/modules/{module_id}/retake":       true,
	"POST /logout": true,
}

// collections maps the last segment of a create route to the table its
// rows go to, where the two differ.
var collections = map[string]string{"tokens": "api_tokens", "enroll": "enrollments"}

// audit returns the request with its action to record, when it is one.
// The object is the one the route's {id} names ("users/42"), or the row a
// create inserts into the route's collection.
func (s *Server) audit(r *http.Request, pattern string, caller *skillpath.User) *http.Request {
	method, path, _ := strings.Cut(pattern, " ")
	if method == http.MethodGet || method == http.MethodHead || unaudited[pattern] {
		return r
	}
	segments := strings.Split(strings.Trim(path, "/"), "/")
	var object, collection string
	for i, seg := range segments {
		if seg == "{id}" && i > 0 {
			object = segments[i-1] + "/" + r.PathValue("id")
		}
	}
	if last := segments[len(segments)-1]; method == http.MethodPost && !strings.HasPrefix(last, "{") {
		collection = last
		if t, ok := collections[last]; ok {
			collection = t
		}
	}
	return r.WithContext(store.WithAudit(r.Context(), caller.ID, pattern, object, r.URL.Path, collection))
}

// getAudit lists the audit log for platform admins, newest first.
func (s *Server) getAudit(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	q := r.URL.Query()
	limit, after, err := adminListPage(q, caller)
	if err != nil {
		return err
	}
	actor, err := queryID(q, "actor_id")
	if err != nil {
		return err
	}
	entries, next, err := s.Store.Audit(r.Context(), store.AuditFilter{ActorID: actor, Action: q.Get("action"),
		Object: q.Get("object"), After: after, Limit: limit})
	if err != nil {
		return err
	}
	body := struct {
		Entries []store.AuditEntry `json:"entries"`
		Next    *skillpath.ID      `json:"next,omitempty"`
	}{Entries: entries}
	if next != 0 {
		body.Next = &next
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}
