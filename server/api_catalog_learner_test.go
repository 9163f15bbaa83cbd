package server_test

import (
	"testing"

	"skillpath/internal/testdb"
)

type catalogEntry struct {
	ID           string  `json:"id"`
	Title        string  `json:"title"`
	Action       string  `json:"action"`
	EnrollmentID *string `json:"enrollment_id"`
	Status       *string `json:"status"`
	Sessions     []struct {
		ID string `json:"id"`
	} `json:"sessions"`
}

func (j *journey) catalog(t *testing.T, title string) catalogEntry {
	t.Helper()
	var c struct {
		Trainings []catalogEntry `json:"trainings"`
	}
	j.learner.Must(200, "GET", "/api/v1/catalog", nil, &c)
	for _, e := range c.Trainings {
		if e.Title == title {
			return e
		}
	}
	t.Fatalf("%q is not in the catalog: %+v", title, c)
	return catalogEntry{}
}

// TestPaidTraining: a paid training shows "buy" and refuses self-enrollment
// (422) until a purchase is recorded; then "enroll"; then "open" with the
// learner's status (SPEC §1, commerce).
func TestPaidTraining(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		j := newJourney(t, dialect)
		admin, learner := j.env.Admin, j.learner
		var paid tree
		admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Negotiation", "price": 49.90, "modules": []any{
			map[string]any{"title": "M", "activities": []any{map[string]any{"title": "Page", "kind": "content"}}}}}, &paid)
		var s ids
		admin.Must(201, "POST", "/api/v1/trainings/"+paid.ID+"/sessions", map[string]any{"name": "Open", "starts_at": "2026-01-01T00:00:00Z"}, &s)

		if c := j.catalog(t, "Negotiation"); c.Action != "buy" || len(c.Sessions) != 1 {
			t.Fatalf("before buying: %+v", c)
		}
		learner.Must(422, "POST", "/api/v1/sessions/"+s.ID+"/enrollments", map[string]any{}, nil)
		admin.Must(422, "POST", "/api/v1/trainings/"+j.prereq.ID+"/purchases", map[string]any{"user_id": j.learnerID}, nil) // free
		admin.Must(201, "POST", "/api/v1/trainings/"+paid.ID+"/purchases", map[string]any{"user_id": j.learnerID}, nil)
		admin.Must(409, "POST", "/api/v1/trainings/"+paid.ID+"/purchases", map[string]any{"user_id": j.learnerID}, nil)
		if c := j.catalog(t, "Negotiation"); c.Action != "enroll" {
			t.Fatalf("after buying: %+v", c)
		}
		var enr result
		learner.Must(201, "POST", "/api/v1/sessions/"+s.ID+"/enrollments", map[string]any{}, &enr)
		if c := j.catalog(t, "Negotiation"); c.Action != "open" || c.EnrollmentID == nil || *c.EnrollmentID != enr.ID || *c.Status != "not_started" {
			t.Fatalf("after enrolling: %+v", c)
		}
		// An administrator's assignment needs no purchase.
		admin.Must(201, "POST", "/api/v1/sessions/"+s.ID+"/enrollments", map[string]any{"user_id": j.otherID}, nil)

		var mine struct {
			Enrollments []struct {
				ID            string `json:"id"`
				TrainingTitle string `json:"training_title"`
				Status        string `json:"status"`
				Label         string `json:"label"`
			} `json:"enrollments"`
		}
		learner.Must(200, "GET", "/api/v1/me/enrollments", nil, &mine)
		if len(mine.Enrollments) != 1 || mine.Enrollments[0].ID != enr.ID || mine.Enrollments[0].Label != "Not started" {
			t.Fatalf("my enrollments: %+v", mine)
		}
	})
}

// TestLearningRules: the 4xx answers of the learning actions, each changing
// nothing.
func TestLearningRules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		j := newJourney(t, dialect)
		admin, learner := j.env.Admin, j.learner
		var pre result
		admin.Must(201, "POST", "/api/v1/sessions/"+j.prereqSess+"/enrollments", map[string]any{"user_id": j.learnerID}, &pre)
		base := "/api/v1/enrollments/" + pre.ID
		page := j.prereq.Modules[0].Activities[0].ID
		quizLever := j.main.Modules[0].Activities[1].ID
		learner.Must(200, "POST", base+"/start", nil, nil)
		learner.Must(200, "POST", base+"/start", nil, nil) // starting again changes nothing
		cases := []struct {
			name   string
			admin  bool // sent by the admin rather than the learner
			method string
			path   string
			body   any
			status int
			field  string
		}{
			{"activity of another training", false, "POST", base + "/activities/" + quizLever + "/answer", map[string]any{"response": "right"}, 404, ""},
			{"unknown activity", false, "POST", base + "/activities/999999/view", nil, 404, ""},
			{"activity id not a number", false, "POST", base + "/activities/abc/view", nil, 404, ""},
			{"answering content", false, "POST", base + "/activities/" + page + "/answer", map[string]any{"response": "x"}, 422, ""},
			{"answer without response", false, "POST", base + "/activities/" + page + "/answer", map[string]any{}, 400, "response"},
			{"unknown module retake", false, "POST", base + "/modules/999999/retake", nil, 404, ""},
			{"retake of a module not completed", false, "POST", base + "/modules/" + j.prereq.Modules[0].ID + "/retake", nil, 422, ""},
			{"scoring an automatic activity", true, "POST", base + "/activities/" + page + "/score", map[string]any{"score": 1}, 422, ""},
			{"approving an assignment", true, "POST", base + "/approve", nil, 422, ""},
			{"enrolling twice", true, "POST", "/api/v1/sessions/" + j.prereqSess + "/enrollments", map[string]any{"user_id": j.learnerID}, 409, ""},
			{"enrolling an unknown user", true, "POST", "/api/v1/sessions/" + j.prereqSess + "/enrollments", map[string]any{"user_id": "999999"}, 400, "user_id"},
			{"enrolling in an unknown session", false, "POST", "/api/v1/sessions/999999/enrollments", map[string]any{}, 404, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				client := learner
				if tc.admin {
					client = admin
				}
				r := client.Do(tc.method, tc.path, tc.body)
				if r.Status != tc.status || (tc.field != "" && r.Err().Field != tc.field) {
					t.Fatalf("status %d %s, want %d %s", r.Status, r.Body, tc.status, tc.field)
				}
			})
		}
		j.expect(t, learner, pre.ID, "started", "In progress")

		// Retakes stop at max_attempts.
		var quiz tree
		admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Twice", "modules": []any{
			map[string]any{"title": "Q", "min_score": 100, "max_attempts": 2, "activities": []any{
				map[string]any{"title": "Pick", "kind": "choice", "choices": []string{"a", "b"}, "correct": "a"}}}}}, &quiz)
		var s ids
		admin.Must(201, "POST", "/api/v1/trainings/"+quiz.ID+"/sessions", map[string]any{"name": "S", "starts_at": "2026-01-01T00:00:00Z"}, &s)
		var enr result
		admin.Must(201, "POST", "/api/v1/sessions/"+s.ID+"/enrollments", map[string]any{"user_id": j.learnerID}, &enr)
		qb, pick, mod := "/api/v1/enrollments/"+enr.ID, quiz.Modules[0].Activities[0].ID, quiz.Modules[0].ID
		learner.Must(200, "POST", qb+"/start", nil, nil)
		learner.Must(200, "POST", qb+"/activities/"+pick+"/answer", map[string]any{"response": "b"}, nil)
		learner.Must(422, "POST", qb+"/activities/"+pick+"/answer", map[string]any{"response": "a"}, nil) // already answered
		learner.Must(400, "POST", qb+"/activities/"+pick+"/answer", map[string]any{"response": "c"}, nil) // not a choice
		learner.Must(200, "POST", qb+"/modules/"+mod+"/retake", nil, nil)
		learner.Must(200, "POST", qb+"/activities/"+pick+"/answer", map[string]any{"response": "b"}, nil)
		j.expect(t, learner, enr.ID, "failed", "Failed")
		learner.Must(422, "POST", qb+"/modules/"+mod+"/retake", nil, nil)
		j.expect(t, learner, enr.ID, "failed", "Failed")
	})
}
