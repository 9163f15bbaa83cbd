package server_test

import (
	"fmt"
	"net/url"
)

// matrix is the rule of every route of the route table (server.Routes):
// who may call it, on objects in and out of the caller's scope. A route
// without an entry, or an entry without its route, fails
// TestAuthorizationMatrix. To add a route, add one entry: its path with
// the fixture's {placeholders} (see objects), a body if it takes one, and
// who may call it.
//
// The roles: platformAdmin; groupAdmin and coach of North, whose subgroup
// holds the learner; instructor and author of the training in scope;
// learner, who owns the objects in scope; otherLearner, of another group.
// A deleted user and no token answer 401 on API routes and are sent to
// /login by pages, unless the entry is public. "In scope" objects are the
// learner Leo's (his user, enrollment, training, session, certificate);
// "out" ones are those of Sam, a learner of South in a training nobody of
// the matrix staffs. Following docs/API.md, a caller who may not even see
// an object gets 404 (users, enrollments, certificate statistics), and one
// who sees it but may not act, or who is refused a whole kind of call, 403.
var matrix = map[string]entry{
	// Service and sign-in: public.
	"GET /healthz":                   {path: "/healthz", public: true},
	"GET /metrics":                   {path: "/metrics", public: true},
	"GET /static/":                   {path: "/static/style.css", public: true},
	"GET /login":                     {path: "/login", public: true},
	"POST /login":                    {path: "/login", public: true, body: form("email", "leo@matrix.test", "password", learnerPass)},
	"GET /api/v1/openapi.json":       {path: "/api/v1/openapi.json", public: true},
	"POST /api/v1/tokens":            {path: "/api/v1/tokens", public: true, body: jsonBody(map[string]any{"email": "leo@matrix.test", "password": learnerPass})},
	"GET /api/v1/me":                 {path: "/api/v1/me", in: everyone},
	"POST /api/v1/users/{id}/tokens": {path: "/api/v1/users/{user}/tokens", in: admins, out: admins},
	// A user's tokens: the user themself or a platform admin; group staff
	// who see the user get 403, the others 404.
	"GET /api/v1/users/{id}/tokens": {path: "/api/v1/users/{user}/tokens", in: selfOrAdmin, out: only(404, platformAdmin)},
	"DELETE /api/v1/users/{id}/tokens/{token_id}": {path: "/api/v1/users/{user}/tokens/{token}", in: selfOrAdmin, out: only(404, platformAdmin),
		fresh: func(f *fixture, o *objects) { o.token = f.newToken(o.user) }},
	"GET /api/v1/audit": {path: "/api/v1/audit", in: admins},

	// Users (docs/API.md "Users").
	"POST /api/v1/users/import": {path: "/api/v1/users/import", in: admins},
	"POST /api/v1/users": {path: "/api/v1/users", in: admins, body: func(f *fixture, o *objects) any {
		n := f.next()
		return map[string]any{"email": fmt.Sprintf("made%d@matrix.test", n), "name": "Made", "group_ids": []string{o.learnerGroup}}
	}},
	"GET /api/v1/users":      {path: "/api/v1/users", in: admins},
	"GET /api/v1/users/{id}": {path: "/api/v1/users/{user}", in: only(404, platformAdmin, groupAdmin, coach, learner), out: only(404, platformAdmin)},
	"PATCH /api/v1/users/{id}": {path: "/api/v1/users/{user}", body: jsonBody(map[string]any{"name": "Renamed"}),
		in: selfOrAdmin, out: only(404, platformAdmin)},
	"DELETE /api/v1/users/{id}": {path: "/api/v1/users/{user}", in: admins, out: admins,
		fresh: func(f *fixture, o *objects) { o.user = f.newLearner(o) }},

	// Groups: everyone reads the tree, platform admins change it.
	"POST /api/v1/groups":       {path: "/api/v1/groups", in: admins, body: jsonBody(map[string]any{"name": "Made"})},
	"GET /api/v1/groups":        {path: "/api/v1/groups", in: everyone},
	"GET /api/v1/groups/{id}":   {path: "/api/v1/groups/{group}", in: everyone, out: everyone},
	"PATCH /api/v1/groups/{id}": {path: "/api/v1/groups/{group}", in: admins, out: admins, body: func(f *fixture, o *objects) any { return map[string]any{"name": "Group " + o.scope} }},
	// Staff: platform admins, and the admins of the group or a group above.
	"POST /api/v1/groups/{id}/staff": {path: "/api/v1/groups/{group}/staff", in: groupAdmins, out: admins,
		// A learner of the group: a group admin names only people she manages (review of issue 14).
		body:  func(f *fixture, o *objects) any { return map[string]any{"user_id": o.user, "role": "coach"} },
		fresh: func(f *fixture, o *objects) { o.user = f.newLearner(o) }},
	"GET /api/v1/groups/{id}/staff": {path: "/api/v1/groups/{group}/staff", in: everyone, out: everyone},
	"DELETE /api/v1/groups/{id}/staff/{user_id}/{role}": {path: "/api/v1/groups/{group}/staff/{staff}/coach", in: groupAdmins, out: admins,
		fresh: func(f *fixture, o *objects) { o.staff = f.newStaff(o.group) }},

	// Catalog.
	"POST /api/v1/certificates": {path: "/api/v1/certificates", in: admins,
		body: func(f *fixture, o *objects) any { return map[string]any{"title": "Made", "owner_group_id": o.group} }},
	"GET /api/v1/certificates":      {path: "/api/v1/certificates", in: everyone},
	"GET /api/v1/certificates/{id}": {path: "/api/v1/certificates/{certificate}", in: everyone, out: everyone},
	// Recertification (issue 13): platform admins only; the preview
	// changes nothing, so every call meets the same certificate.
	"PATCH /api/v1/certificates/{id}": {path: "/api/v1/certificates/{certificate}?dry_run=true", in: admins, out: admins,
		body: jsonBody(map[string]any{"reenroll_days_before": 60, "reminder_days": []int{30, 7}})},
	"POST /api/v1/certificates/{id}/awards": {path: "/api/v1/certificates/{certificate}/awards", in: admins, out: admins,
		body: func(f *fixture, o *objects) any {
			return map[string]any{"user_id": f.newLearner(o), "session_id": f.newSession(o), "reason": "Certified elsewhere"}
		}},
	"GET /api/v1/awards/{id}": {path: "/api/v1/awards/{award}", in: admins, out: admins},
	"POST /api/v1/awards/{id}/extend": {path: "/api/v1/awards/{award}/extend", in: admins, out: admins,
		body: jsonBody(map[string]any{"expires_at": "2099-01-01", "reason": "Audit postponed"})},
	"POST /api/v1/awards/{id}/revoke": {path: "/api/v1/awards/{award}/revoke", in: admins, out: admins,
		body: jsonBody(map[string]any{"reason": "Issued in error"}), fresh: func(f *fixture, o *objects) { o.award = f.newAward(o) }},
	"POST /api/v1/trainings": {path: "/api/v1/trainings", in: admins, body: jsonBody(map[string]any{"title": "Made",
		"modules": []any{map[string]any{"title": "M", "activities": []any{map[string]any{"title": "A", "kind": "content"}}}}})},
	"GET /api/v1/trainings":      {path: "/api/v1/trainings", in: everyone},
	"GET /api/v1/trainings/{id}": {path: "/api/v1/trainings/{training}", in: everyone, out: everyone},
	"PUT /api/v1/trainings/{id}": {path: "/api/v1/trainings/{training}", in: admins, out: admins,
		body: func(f *fixture, o *objects) any { return f.trees[o.training] }},
	"POST /api/v1/trainings/{id}/publish": {path: "/api/v1/trainings/{training}/publish", in: only(403, platformAdmin, author), out: admins},
	// Attachments of content (issue 18): added by platform admins and the
	// training's authors; served to the training's people (its staff and
	// learners), hidden (404) from everyone else.
	"POST /api/v1/trainings/{id}/attachments": {path: "/api/v1/trainings/{training}/attachments", in: only(403, platformAdmin, author), out: admins,
		body: func(*fixture, *objects) any { return pngBytes }},
	"GET /trainings/{id}/attachments/{attachment_id}": {path: "/trainings/{training}/attachments/{attachment}",
		in: only(404, platformAdmin, author, instructor, learner), out: only(404, platformAdmin)},

	// Sessions.
	"POST /api/v1/trainings/{id}/sessions": {path: "/api/v1/trainings/{training}/sessions", in: admins, out: admins,
		body: jsonBody(map[string]any{"name": "Made", "starts_at": "2026-04-01T00:00:00Z"})},
	"GET /api/v1/trainings/{id}/sessions": {path: "/api/v1/trainings/{training}/sessions", in: everyone, out: everyone},
	"GET /api/v1/sessions/{id}":           {path: "/api/v1/sessions/{session}", in: everyone, out: everyone},
	"PUT /api/v1/sessions/{id}": {path: "/api/v1/sessions/{session}", in: admins, out: admins,
		body: jsonBody(map[string]any{"name": "Renamed", "starts_at": "2026-03-01T00:00:00Z"})},
	"POST /api/v1/sessions/{id}/archive": {path: "/api/v1/sessions/{session}/archive", in: admins, out: admins,
		fresh: func(f *fixture, o *objects) { o.session = f.newSession(o) }},
	"DELETE /api/v1/sessions/{id}": {path: "/api/v1/sessions/{session}", in: admins, out: admins,
		fresh: func(f *fixture, o *objects) { o.session = f.newSession(o) }},

	// Enrollments: the learner is already enrolled, so an allowed call
	// answers 409; assigning another is for admins of the learner's groups.
	"POST /api/v1/sessions/{id}/enrollments": {path: "/api/v1/sessions/{session}/enrollments",
		body: func(f *fixture, o *objects) any { return map[string]any{"user_id": o.user} },
		in:   only(403, platformAdmin, groupAdmin, learner), out: admins},
	"GET /api/v1/enrollments/{id}": {path: "/api/v1/enrollments/{enrollment}", in: viewers, out: only(404, platformAdmin)},
	"DELETE /api/v1/enrollments/{id}": {path: "/api/v1/enrollments/{enrollment}", in: assigners, out: only(404, platformAdmin),
		fresh: func(f *fixture, o *objects) { o.session = f.newSession(o); o.enrollment = f.newEnrollment(o) }},
	"POST /api/v1/enrollments/{id}/approve": {path: "/api/v1/enrollments/{enrollment}/approve", in: assigners, out: only(404, platformAdmin)},
	// Bulk enrollment and approvals (issue 15): platform admins and group
	// admins; a group admin's learners outside their groups are skipped,
	// not refused. The learner is already enrolled (skipped) and his
	// enrollment awaits no approval (422).
	"POST /api/v1/sessions/{id}/enrollments/bulk": {path: "/api/v1/sessions/{session}/enrollments/bulk",
		body: func(f *fixture, o *objects) any { return map[string]any{"user_ids": []string{o.user}} },
		in:   only(403, platformAdmin, groupAdmin), out: only(403, platformAdmin, groupAdmin)},
	"GET /api/v1/approvals":                {path: "/api/v1/approvals", in: only(403, platformAdmin, groupAdmin)},
	"POST /api/v1/enrollments/{id}/refuse": {path: "/api/v1/enrollments/{enrollment}/refuse", in: assigners, out: only(404, platformAdmin)},
	// Leaving: only the learner, of their own self-enrollment not started;
	// Leo's was assigned, so his allowed call is refused by the rule (422).
	"POST /api/v1/enrollments/{id}/leave": {path: "/api/v1/enrollments/{enrollment}/leave", in: learnerOnly, out: nobodysOwn},
	"POST /api/v1/trainings/{id}/purchases": {path: "/api/v1/trainings/{training}/purchases",
		body: func(f *fixture, o *objects) any { return map[string]any{"user_id": o.user} },
		in:   only(403, platformAdmin, groupAdmin), out: admins},

	// Certificate documents (SPEC §8): the PDF as the enrollment itself
	// (the learner and staff who see it; 404 others); verification is
	// public, called here 18 times in all, under its limit of 60 at once
	// per client address.
	"GET /api/v1/enrollments/{id}/certificate.pdf": {path: "/api/v1/enrollments/{certified}/certificate.pdf", in: viewers, out: only(404, platformAdmin)},
	"GET /api/v1/verify/{code}":                    {path: "/api/v1/verify/{code}", public: true},

	// Learning: only the enrollment's learner; staff who see it get 403.
	"POST /api/v1/enrollments/{id}/start":                         {path: "/api/v1/enrollments/{enrollment}/start", in: learnerOnly, out: nobodysOwn},
	"POST /api/v1/enrollments/{id}/activities/{activity_id}/view": {path: "/api/v1/enrollments/{enrollment}/activities/{content}/view", in: learnerOnly, out: nobodysOwn},
	"POST /api/v1/enrollments/{id}/modules/{module_id}/retake":    {path: "/api/v1/enrollments/{enrollment}/modules/{module}/retake", in: learnerOnly, out: nobodysOwn},
	"POST /api/v1/enrollments/{id}/activities/{activity_id}/answer": {path: "/api/v1/enrollments/{enrollment}/activities/{essay}/answer", in: learnerOnly, out: nobodysOwn,
		body: jsonBody(map[string]any{"response": "Again."})},
	"POST /api/v1/enrollments/{id}/activities/{activity_id}/score": {path: "/api/v1/enrollments/{enrollment}/activities/{essay}/score", in: scorers, out: only(404, platformAdmin),
		body: jsonBody(map[string]any{"score": 5})},
	"GET /api/v1/catalog":        {path: "/api/v1/catalog", in: everyone},
	"GET /api/v1/me/enrollments": {path: "/api/v1/me/enrollments", in: everyone},
	"GET /api/v1/grading":        {path: "/api/v1/grading", in: everyone},

	// Results: staff see the rows of their scope (an out-of-scope training
	// answers its rows they may see: none).
	"GET /api/v1/trainings/{id}/results": {path: "/api/v1/trainings/{training}/results", in: staffOnly, out: staffOnly},

	// Results tracking (docs/API-LRS.md): platform admins and the
	// training's authors; the outbox is the platform admins'.
	"GET /api/v1/trainings/{id}/lrs": {path: "/api/v1/trainings/{training}/lrs", in: trackers, out: admins},
	"PUT /api/v1/trainings/{id}/lrs": {path: "/api/v1/trainings/{training}/lrs", in: trackers, out: admins,
		body: jsonBody(map[string]any{"endpoint": lrsEndpoint, "verbs": []string{"passed"}})},
	"GET /api/v1/lrs/outbox":        {path: "/api/v1/lrs/outbox", in: admins},
	"POST /api/v1/lrs/outbox/retry": {path: "/api/v1/lrs/outbox/retry", in: admins, body: jsonBody(map[string]any{})},

	// Notifications and webhooks (SPEC §7, docs/NOTIFICATIONS.md):
	// platform admins only.
	"GET /api/v1/notifications":        {path: "/api/v1/notifications", in: admins},
	"POST /api/v1/notifications/retry": {path: "/api/v1/notifications/retry", in: admins, body: jsonBody(map[string]any{})},
	"POST /api/v1/webhooks": {path: "/api/v1/webhooks", in: admins,
		body: jsonBody(map[string]any{"url": "https://hooks.example.com/skillpath", "events": []string{"certificate.delivered"}})},
	"GET /api/v1/webhooks": {path: "/api/v1/webhooks", in: admins},
	"GET /api/v1/webhooks/{id}": {path: "/api/v1/webhooks/{webhook}", in: admins,
		fresh: func(f *fixture, o *objects) { o.webhook = f.newWebhook() }},
	"DELETE /api/v1/webhooks/{id}": {path: "/api/v1/webhooks/{webhook}", in: admins,
		fresh: func(f *fixture, o *objects) { o.webhook = f.newWebhook() }},

	// Certificate statistics (docs/API-STATS.md): staff; a certificate
	// outside the caller's scope answers 404; learners get 403.
	"GET /api/v1/stats/certificates":                                     {path: "/api/v1/stats/certificates", in: staffOnly},
	"GET /api/v1/stats/certificates/{id}/learners":                       {path: "/api/v1/stats/certificates/{certificate}/learners", in: staffOnly, out: statsOut},
	"GET /api/v1/stats/certificates/{id}/certified":                      {path: "/api/v1/stats/certificates/{certificate}/certified", in: staffOnly, out: statsOut},
	"GET /api/v1/stats/certificates/{id}/paths":                          {path: "/api/v1/stats/certificates/{certificate}/paths", in: staffOnly, out: statsOut},
	"GET /api/v1/stats/certificates/{id}/learners/{user_id}/history":     {path: "/api/v1/stats/certificates/{certificate}/learners/{user}/history", in: staffOnly, out: statsOut},
	"GET /api/v1/stats/certificates.csv":                                 {path: "/api/v1/stats/certificates.csv", in: staffOnly},
	"GET /api/v1/stats/certificates/{id}/learners.csv":                   {path: "/api/v1/stats/certificates/{certificate}/learners.csv", in: staffOnly, out: statsOut},
	"GET /api/v1/stats/certificates/{id}/certified.csv":                  {path: "/api/v1/stats/certificates/{certificate}/certified.csv", in: staffOnly, out: statsOut},
	"GET /api/v1/stats/certificates/{id}/paths.csv":                      {path: "/api/v1/stats/certificates/{certificate}/paths.csv", in: staffOnly, out: statsOut},
	"GET /api/v1/stats/certificates/{id}/learners/{user_id}/history.csv": {path: "/api/v1/stats/certificates/{certificate}/learners/{user}/history.csv", in: staffOnly, out: statsOut},

	// Pages (docs/WEB.md): the same rules as their API twins.
	"GET /{$}":     {path: "/", in: everyone},
	"POST /logout": {path: "/logout", in: everyone, body: form(), endsSession: true},
	"GET /learn":   {path: "/learn", in: everyone},
	// Anyone may enroll themself, in a session of a training that grants
	// nothing, so that the callers' new enrollments change no one's scope.
	"POST /learn/enroll": {path: "/learn/enroll", in: everyone,
		body:  func(f *fixture, o *objects) any { return url.Values{"session_id": {o.session}} },
		fresh: func(f *fixture, o *objects) { o.session = f.newSession(&objects{training: f.open}) }},
	"GET /learn/enrollments/{id}":                                  {path: "/learn/enrollments/{enrollment}", in: learnerOnly, out: nobodysOwn},
	"POST /learn/enrollments/{id}/start":                           {path: "/learn/enrollments/{enrollment}/start", in: learnerOnly, out: nobodysOwn, body: form()},
	"POST /learn/enrollments/{id}/activities/{activity_id}/view":   {path: "/learn/enrollments/{enrollment}/activities/{content}/view", in: learnerOnly, out: nobodysOwn, body: form()},
	"POST /learn/enrollments/{id}/activities/{activity_id}/answer": {path: "/learn/enrollments/{enrollment}/activities/{essay}/answer", in: learnerOnly, out: nobodysOwn, body: form("response", "Again.")},
	"POST /learn/enrollments/{id}/leave":                           {path: "/learn/enrollments/{enrollment}/leave", in: learnerOnly, out: nobodysOwn, body: form()},
	"POST /learn/enrollments/{id}/modules/{module_id}/retake":      {path: "/learn/enrollments/{enrollment}/modules/{module}/retake", in: learnerOnly, out: nobodysOwn, body: form()},
	"GET /grading": {path: "/grading", in: everyone},
	"POST /grading/enrollments/{id}/activities/{activity_id}/score": {path: "/grading/enrollments/{enrollment}/activities/{essay}/score", in: scorers, out: only(404, platformAdmin), body: form("score", "5")},
	"GET /trainings":              {path: "/trainings", in: staffOnly},
	"GET /trainings/{id}/results": {path: "/trainings/{training}/results", in: staffOnly, out: staffOnly},
	"GET /tracking":               {path: "/tracking", in: only(403, platformAdmin, author)},
	"GET /notifications":          {path: "/notifications", in: admins},
	"POST /notifications/retry":   {path: "/notifications/retry", in: admins, body: form()},
	"GET /webhooks":               {path: "/webhooks", in: admins},
	"POST /webhooks":              {path: "/webhooks", in: admins, body: form("url", "https://hooks.example.com/page", "events", "certificate.expired")},
	"POST /webhooks/{id}/delete": {path: "/webhooks/{webhook}/delete", in: admins, body: form(),
		fresh: func(f *fixture, o *objects) { o.webhook = f.newWebhook() }},
	"GET /trainings/{id}/results.csv":                       {path: "/trainings/{training}/results.csv", in: staffOnly, out: staffOnly},
	"GET /trainings/{id}/tracking":                          {path: "/trainings/{training}/tracking", in: trackers, out: admins},
	"POST /trainings/{id}/tracking":                         {path: "/trainings/{training}/tracking", in: trackers, out: admins, body: form("endpoint", lrsEndpoint, "verbs", "passed")},
	"POST /trainings/{id}/tracking/publish":                 {path: "/trainings/{training}/tracking/publish", in: trackers, out: admins, body: form()},
	"POST /trainings/{id}/tracking/retry":                   {path: "/trainings/{training}/tracking/retry", in: admins, out: admins, body: form()},
	"GET /certificates":                                     {path: "/certificates", in: staffOnly},
	"GET /certificates/{id}":                                {path: "/certificates/{certificate}", in: staffOnly, out: statsOut},
	"GET /certificates/{id}/certified":                      {path: "/certificates/{certificate}/certified", in: staffOnly, out: statsOut},
	"GET /certificates/{id}/paths":                          {path: "/certificates/{certificate}/paths", in: staffOnly, out: statsOut},
	"GET /certificates/{id}/learners/{user_id}":             {path: "/certificates/{certificate}/learners/{user}", in: staffOnly, out: statsOut},
	"GET /certificates.csv":                                 {path: "/certificates.csv", in: staffOnly},
	"GET /certificates/{id}/learners.csv":                   {path: "/certificates/{certificate}/learners.csv", in: staffOnly, out: statsOut},
	"GET /certificates/{id}/certified.csv":                  {path: "/certificates/{certificate}/certified.csv", in: staffOnly, out: statsOut},
	"GET /certificates/{id}/paths.csv":                      {path: "/certificates/{certificate}/paths.csv", in: staffOnly, out: statsOut},
	"GET /certificates/{id}/learners/{user_id}/history.csv": {path: "/certificates/{certificate}/learners/{user}/history.csv", in: staffOnly, out: statsOut},
	// Administration pages of issue 15: approvals for platform admins and
	// group admins (as GET /api/v1/approvals); sessions for platform
	// admins (as their API).
	"GET /approvals": {path: "/approvals", in: only(403, platformAdmin, groupAdmin)},
	"POST /approvals": {path: "/approvals", in: only(403, platformAdmin, groupAdmin),
		body: func(f *fixture, o *objects) any {
			return url.Values{"action": {"approve"}, "enrollment_id": {o.enrollment}}
		}},
	"GET /trainings/{id}/sessions": {path: "/trainings/{training}/sessions", in: admins, out: admins},
	"POST /trainings/{id}/sessions": {path: "/trainings/{training}/sessions", in: admins, out: admins,
		body: form("name", "Made", "starts_at", "2026-04-01T09:00")},
	"POST /trainings/{id}/purchases": {path: "/trainings/{training}/purchases", in: admins, out: admins,
		body: func(f *fixture, o *objects) any { return url.Values{"email": {o.email}} }},
	// A group admin sees a session's page with their learners only.
	"GET /sessions/{id}": {path: "/sessions/{session}", in: only(403, platformAdmin, groupAdmin), out: only(403, platformAdmin, groupAdmin)},
	"POST /sessions/{id}": {path: "/sessions/{session}", in: admins, out: admins,
		body: form("name", "Renamed", "starts_at", "2026-03-01T00:00")},
	"POST /sessions/{id}/archive": {path: "/sessions/{session}/archive", in: admins, out: admins, body: form(),
		fresh: func(f *fixture, o *objects) { o.session = f.newSession(o) }},
	"GET /sessions/{id}/delete": {path: "/sessions/{session}/delete", in: admins, out: admins},
	"POST /sessions/{id}/delete": {path: "/sessions/{session}/delete", in: admins, out: admins, body: form("confirm", "delete"),
		fresh: func(f *fixture, o *objects) { o.session = f.newSession(o) }},
	"POST /sessions/{id}/enroll": {path: "/sessions/{session}/enroll", in: only(403, platformAdmin, groupAdmin), out: only(403, platformAdmin, groupAdmin),
		body: func(f *fixture, o *objects) any { return url.Values{"user_id": {o.user}} }},
	"POST /sessions/{id}/enrollments/{enrollment_id}/delete": {path: "/sessions/{session}/enrollments/{enrollment}/delete", body: form(),
		in:    only(403, platformAdmin, groupAdmin),
		out:   only(403, platformAdmin).but(groupAdmin, 404),
		fresh: func(f *fixture, o *objects) { o.session = f.newSession(o); o.enrollment = f.newEnrollment(o) }},
	// The catalog: platform admins, and authors for the paths they author.
	"GET /catalog": {path: "/catalog", in: only(403, platformAdmin, author)},
	"POST /catalog/certificates": {path: "/catalog/certificates", in: admins,
		body: func(f *fixture, o *objects) any { return url.Values{"title": {"Made"}, "owner_group_id": {o.group}} }},
	"GET /catalog/certificates/{id}": {path: "/catalog/certificates/{certificate}", in: admins, out: admins},
	"POST /catalog/certificates/{id}": {path: "/catalog/certificates/{certificate}", in: admins, out: admins,
		body: func(f *fixture, o *objects) any {
			return url.Values{"title": {"Certificate " + o.scope}, "owner_group_id": {o.group}, "validity_months": {"12"}}
		}},
	"GET /catalog/trainings/new":  {path: "/catalog/trainings/new", in: admins},
	"POST /catalog/trainings/new": {path: "/catalog/trainings/new", in: admins, body: form("title", "Made", "action", "add-module")},
	"GET /catalog/trainings/{id}": {path: "/catalog/trainings/{training}", in: trackers, out: admins},
	"POST /catalog/trainings/{id}": {path: "/catalog/trainings/{training}", in: trackers, out: admins,
		body: form("title", "Made", "action", "add-module")},
	"POST /catalog/trainings/{id}/publish": {path: "/catalog/trainings/{training}/publish", in: trackers, out: admins, body: form()},
	// The editor's upload (issue 18): the form without a file is refused
	// with 400 after the access check, so nothing is stored.
	"POST /catalog/trainings/{id}/attachments": {path: "/catalog/trainings/{training}/attachments", in: trackers, out: admins, body: form("name", "x.png")},
	// The manual certificate actions on a learner's history (issue 13):
	// platform admins only; the award must be the path's learner's.
	"POST /certificates/{id}/learners/{user_id}/certify": {path: "/certificates/{certificate}/learners/{user}/certify", in: admins, out: admins,
		body: func(f *fixture, o *objects) any {
			return url.Values{"session_id": {f.newSession(o)}, "reason": {"Certified elsewhere"}}
		}},
	"POST /certificates/{id}/learners/{user_id}/awards/{award_id}/extend": {path: "/certificates/{certificate}/learners/{user}/awards/{award}/extend",
		in: admins, out: admins, body: form("expires_at", "2099-01-01", "reason", "Audit postponed"), fresh: freshAward},
	"POST /certificates/{id}/learners/{user_id}/awards/{award_id}/revoke": {path: "/certificates/{certificate}/learners/{user}/awards/{award}/revoke",
		in: admins, out: admins, body: form("reason", "Issued in error", "confirm", "1"), fresh: freshAward},
	// The certificate PDF for the signed-in pages, and the public
	// verification page (SPEC §8), as their API twins.
	"GET /enrollments/{id}/certificate.pdf": {path: "/enrollments/{certified}/certificate.pdf", in: viewers, out: only(404, platformAdmin)},
	"GET /verify/{code}":                    {path: "/verify/{code}", public: true},

	// People and groups pages (issue 14): platform admins manage people;
	// a group's admins and coaches see their groups' people and groups,
	// its admins name and remove their staff.
	"GET /people":     {path: "/people", in: groupStaff},
	"GET /people/new": {path: "/people/new", in: admins},
	"POST /people/new": {path: "/people/new", in: admins, body: func(f *fixture, o *objects) any {
		return url.Values{"email": {fmt.Sprintf("page%d@matrix.test", f.next())}, "name": {"Page"}}
	}},
	"GET /people/{id}":      {path: "/people/{user}", in: groupStaff.but(learner, 404).but(otherLearner, 404).but(instructor, 404).but(author, 404), out: only(404, platformAdmin)},
	"GET /people/{id}/edit": {path: "/people/{user}/edit", in: admins, out: admins},
	"POST /people/{id}/edit": {path: "/people/{user}/edit", in: admins, out: admins, // the form names every group the person keeps
		body: func(f *fixture, o *objects) any { return url.Values{"name": {"Renamed"}, "group": {o.learnerGroup}} }},
	"GET /people/{id}/delete":  {path: "/people/{user}/delete", in: admins, out: admins},
	"POST /people/{id}/delete": {path: "/people/{user}/delete", in: admins, out: admins, body: form(), fresh: func(f *fixture, o *objects) { o.user = f.newLearner(o) }},
	"POST /people/{id}/purchases": {path: "/people/{user}/purchases", in: only(404, platformAdmin, groupAdmin).but(coach, 403), out: only(404, platformAdmin),
		body: func(f *fixture, o *objects) any { return url.Values{"training_id": {o.training}} }},
	"GET /people/import":        {path: "/people/import", in: admins},
	"POST /people/import":       {path: "/people/import", in: admins, body: form("file_text", "email,name\nx@matrix.test,X\n")},
	"POST /people/import/apply": {path: "/people/import/apply", in: admins, body: form("file_text", "email,name,groups\nx@matrix.test,X,Nowhere\n")},
	"GET /groups":               {path: "/groups", in: groupStaff},
	"POST /groups/new":          {path: "/groups/new", in: admins, body: form("name", "Made by a page")},
	"GET /groups/{id}":          {path: "/groups/{group}", in: groupStaff, out: groupStaffOut},
	"POST /groups/{id}/rename":  {path: "/groups/{group}/rename", in: admins, out: admins, body: func(f *fixture, o *objects) any { return url.Values{"name": {"Group " + o.scope}} }},
	"POST /groups/{id}/move":    {path: "/groups/{group}/move", in: admins, out: admins, body: form("parent_id", "")},
	"POST /groups/{id}/delete":  {path: "/groups/{group}/delete", in: admins, out: admins, body: form()},
	"POST /groups/{id}/staff": {path: "/groups/{group}/staff", in: groupAdmins, out: groupStaffOut.but(coach, 404), body: func(f *fixture, o *objects) any { return url.Values{"user_id": {o.user}, "role": {"coach"}} },
		fresh: func(f *fixture, o *objects) { o.user = f.newLearner(o) }},
	"POST /groups/{id}/staff/remove": {path: "/groups/{group}/staff/remove", in: groupAdmins, out: groupStaffOut.but(coach, 404),
		body: func(f *fixture, o *objects) any { return url.Values{"user_id": {o.staff}, "role": {"coach"}} }, fresh: func(f *fixture, o *objects) { o.staff = f.newStaff(o.group) }},
}

// The rules the matrix names most.
var (
	everyone = access{allow: signedIn}
	admins   = only(403, platformAdmin)
	// groupAdmins: platform admins and the admins of the group in scope.
	// groupStaff: platform admins and the group's admins and coaches;
	// groupStaffOut: a group outside their scope is hidden from them.
	groupStaff    = only(403, platformAdmin, groupAdmin, coach)
	groupStaffOut = only(403, platformAdmin).but(groupAdmin, 404).but(coach, 404)
	groupAdmins   = only(403, platformAdmin, groupAdmin)
	// staffOnly: platform admins, group admins, coaches, instructors and
	// authors; learners are refused the whole kind of call.
	staffOnly = only(403, platformAdmin, groupAdmin, coach, instructor, author)
	// statsOut: a certificate outside the staff's scope is hidden.
	statsOut = only(404, platformAdmin).but(learner, 403).but(otherLearner, 403)
	// viewers: who may see the learner's enrollment (docs/API.md).
	viewers = only(404, platformAdmin, groupAdmin, coach, instructor, author, learner)
	// assigners: platform admins and admins of the learner's groups; the
	// others who see the enrollment get 403.
	assigners = only(403, platformAdmin, groupAdmin).but(otherLearner, 404)
	// scorers: platform admins, instructors, group admins and coaches.
	scorers = only(403, platformAdmin, groupAdmin, coach, instructor).but(otherLearner, 404)
	// learnerOnly: the enrollment's learner; staff who see it get 403.
	learnerOnly = only(403, learner).but(otherLearner, 404)
	// nobodysOwn: an enrollment none of the roles owns; only the platform
	// admin sees it (403), the others do not (404).
	nobodysOwn = only(404).but(platformAdmin, 403)
	// trackers: platform admins and the training's authors (403 others).
	trackers = only(403, platformAdmin, author)
	// selfOrAdmin: the user themself and platform admins; group staff
	// who see the user get 403, the others 404.
	selfOrAdmin = only(404, platformAdmin, learner).but(groupAdmin, 403).but(coach, 403)
)

// entry is one route's rule and how to call it.
type entry struct {
	path   string                           // the request path, with {placeholders} of objects
	body   func(f *fixture, o *objects) any // the JSON body, or url.Values for a form; nil for none
	public bool                             // anyone may call it, without a token or session
	// in and out are who may call on objects in and out of their scope;
	// out is left empty for a route that names no object (called once).
	in, out access
	// fresh makes the objects a call uses up (deleted, archived) before
	// every call, so each role meets them as they were.
	fresh func(f *fixture, o *objects)
	// endsSession: the call ends the caller's web session (signing out);
	// the caller signs in again after it.
	endsSession bool
}

// access is who may call on one side of the scopes: the roles allowed,
// the status the other live users get (403 or 404), and exceptions.
type access struct {
	allow  []role
	deny   int
	except map[role]int
}

func only(deny int, allowed ...role) access {
	return access{allow: allowed, deny: deny}
}

// but returns the access with role r refused with status instead.
func (a access) but(r role, status int) access {
	ex := map[role]int{r: status}
	for k, v := range a.except {
		ex[k] = v
	}
	a.except = ex
	return a
}

// expect says whether the role may make the call, and if not, the status
// that refuses it (303 for a page sending the signed-out to /login).
func (e entry) expect(r role, scope string, api bool) (allowed bool, refusal int) {
	if e.public {
		return true, 0
	}
	if r == anonymous || r == deletedUser {
		if api {
			return false, 401
		}
		return false, 303
	}
	a := e.in
	if scope == "out" {
		a = e.out
	}
	for _, ok := range a.allow {
		if ok == r {
			return true, 0
		}
	}
	if s, ok := a.except[r]; ok {
		return false, s
	}
	return false, a.deny
}

// jsonBody is a fixed JSON body.
func jsonBody(v any) func(*fixture, *objects) any {
	return func(*fixture, *objects) any { return v }
}

// form is a fixed form body, as name, value pairs.
func form(kv ...string) func(*fixture, *objects) any {
	return func(*fixture, *objects) any {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
}

// freshAward delivers the certificate by hand to a new learner of the
// side, who becomes the path's {user}, for the history's award actions.
func freshAward(f *fixture, o *objects) {
	o.user = f.newLearner(o)
	var a struct {
		ID string `json:"id"`
	}
	f.env.Admin.Must(201, "POST", "/api/v1/certificates/"+o.certificate+"/awards",
		map[string]any{"user_id": o.user, "session_id": f.newSession(o), "reason": "Certified elsewhere"}, &a)
	o.award = a.ID
}
