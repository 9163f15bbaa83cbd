package server

import (
	"net/http"
)

// bodyless lists the API routes that change something and take no body:
// a body there is still read strictly, so that `{"reason": "x"}` sent to
// POST /api/v1/enrollments/{id}/refuse is a 400 naming "reason" rather
// than a success that silently dropped what the client meant (review of
// issue 16). An empty body or {} is accepted.
var bodyless = map[string]bool{
	"POST /api/v1/enrollments/{id}/refuse":                        true,
	"POST /api/v1/enrollments/{id}/approve":                       true,
	"POST /api/v1/enrollments/{id}/leave":                         true,
	"POST /api/v1/enrollments/{id}/start":                         true,
	"POST /api/v1/enrollments/{id}/activities/{activity_id}/view": true,
	"POST /api/v1/enrollments/{id}/modules/{module_id}/retake":    true,
	"POST /api/v1/sessions/{id}/archive":                          true,
	"POST /api/v1/trainings/{id}/publish":                         true,
	"DELETE /api/v1/sessions/{id}":                                true,
	"DELETE /api/v1/users/{id}":                                   true,
	"DELETE /api/v1/users/{id}/tokens/{token_id}":                 true,
	"DELETE /api/v1/enrollments/{id}":                             true,
	"DELETE /api/v1/webhooks/{id}":                                true,
	"DELETE /api/v1/groups/{id}/staff/{user_id}/{role}":           true,
}

// BodylessRoutes lists the patterns of bodyless, for the test that keeps
// it in step with the routes.
func BodylessRoutes() []string {
	out := make([]string, 0, len(bodyless))
	for p := range bodyless {
		out = append(out, p)
	}
	return out
}

// noBody refuses a body with any member (EINVALID naming it) or that is
// not a JSON object.
func noBody(w http.ResponseWriter, r *http.Request) error {
	var none struct{}
	return decodeOptional(w, r, &none)
}
