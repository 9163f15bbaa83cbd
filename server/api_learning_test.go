package server_test

import (
	"context"
	"testing"
	"time"

	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
)

// result is the JSON of GET /api/v1/enrollments/{id}.
type result struct {
	ID             string   `json:"id"`
	Status         string   `json:"status"`
	Label          string   `json:"label"`
	Score          *float64 `json:"score"`
	AutoReenrolled bool     `json:"auto_reenrolled"`
	Modules        []struct {
		ID         string   `json:"id"`
		Status     string   `json:"status"`
		Score      *float64 `json:"score"`
		Attempt    int      `json:"attempt"`
		Activities []struct {
			ID     string   `json:"id"`
			Status string   `json:"status"`
			Score  *float64 `json:"score"`
		} `json:"activities"`
	} `json:"modules"`
	Certificate *struct {
		Status      string  `json:"status"`
		DeliveredAt *string `json:"delivered_at"`
		ExpiresAt   *string `json:"expires_at"`
	} `json:"certificate"`
}

type tree = apitest.Tree

// journey is the organisation of the learner's journey: a prerequisite
// training, and a training needing approval with a question module that
// allows a retake and a manually scored essay.
type journey struct {
	env                  *apitest.Env
	learner, other       *apitest.Client
	learnerID, otherID   string
	instructor           *apitest.Client
	prereq, main         tree
	prereqSess, mainSess string
	cert                 string
}

func newJourney(t *testing.T, dialect string) *journey {
	e := apitest.Start(t, dialect, time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC))
	j := &journey{env: e}
	var g, u ids
	e.Admin.Must(201, "POST", "/api/v1/groups", map[string]any{"name": "Team"}, &g)
	e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "lee@example.com", "name": "Lee", "group_ids": []string{g.ID}}, &u)
	j.learnerID, j.learner = u.ID, e.As(idOf(t, u.ID))
	e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "max@example.com", "name": "Max", "group_ids": []string{g.ID}}, &u)
	j.otherID, j.other = u.ID, e.As(idOf(t, u.ID))
	e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "ivy@example.com", "name": "Ivy"}, &u)
	j.instructor = e.As(idOf(t, u.ID))
	instructorID := u.ID
	var c ids
	e.Admin.Must(201, "POST", "/api/v1/certificates", map[string]any{"title": "Forklift licence", "owner_group_id": g.ID, "validity_months": 1}, &c)
	j.cert = c.ID
	e.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Safety basics", "modules": []any{
		map[string]any{"title": "Read", "activities": []any{map[string]any{"title": "Rules", "kind": "content"}}},
	}}, &j.prereq)
	e.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{
		"title": "Forklift", "requires_approval": true, "prerequisite_ids": []string{j.prereq.ID},
		"certificate_ids": []string{j.cert}, "instructor_ids": []string{instructorID},
		"modules": []any{
			map[string]any{"title": "Quiz", "min_score": 100, "max_attempts": 2, "activities": []any{
				map[string]any{"title": "Intro", "kind": "content"},
				map[string]any{"title": "Which lever?", "kind": "choice", "choices": []string{"left", "right"}, "correct": "right"},
			}},
			map[string]any{"title": "Essay", "activities": []any{
				map[string]any{"title": "Explain stacking", "kind": "text", "points": 10, "manual_scoring": true},
			}},
		},
	}, &j.main)
	var s ids
	e.Admin.Must(201, "POST", "/api/v1/trainings/"+j.prereq.ID+"/sessions", map[string]any{"name": "Always", "starts_at": "2026-01-01T00:00:00Z"}, &s)
	j.prereqSess = s.ID
	e.Admin.Must(201, "POST", "/api/v1/trainings/"+j.main.ID+"/sessions", map[string]any{"name": "Winter", "starts_at": "2026-01-01T00:00:00Z"}, &s)
	j.mainSess = s.ID
	return j
}

func (j *journey) expect(t *testing.T, c *apitest.Client, enrollment, status, label string) result {
	t.Helper()
	var r result
	c.Must(200, "GET", "/api/v1/enrollments/"+enrollment, nil, &r)
	if r.Status != status || r.Label != label {
		t.Fatalf("enrollment %s: status %q (%q), want %q (%q)", enrollment, r.Status, r.Label, status, label)
	}
	j.checkStored(t)
	return r
}

// checkStored proves the stored statuses equal the pure rules' answer.
func (j *journey) checkStored(t *testing.T) {
	t.Helper()
	mismatches, err := j.env.Store.CheckStatuses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(mismatches) > 0 {
		t.Fatalf("stored statuses differ from the facts: %+v", mismatches)
	}
}

// TestLearnerJourney follows one learner through every training status of
// seed 000, in the order a learner meets them, through the HTTP API.
func TestLearnerJourney(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		j := newJourney(t, dialect)
		admin, learner := j.env.Admin, j.learner
		quiz, essay := j.main.Modules[0], j.main.Modules[1]
		intro, lever, explain := quiz.Activities[0].ID, quiz.Activities[1].ID, essay.Activities[0].ID

		var enr result
		learner.Must(201, "POST", "/api/v1/sessions/"+j.mainSess+"/enrollments", map[string]any{}, &enr)
		j.expect(t, learner, enr.ID, "prerequisites_pending", "Prerequisites pending")
		learner.Must(422, "POST", "/api/v1/enrollments/"+enr.ID+"/start", nil, nil)

		// Passing the prerequisite leaves the approval pending.
		var pre result
		admin.Must(201, "POST", "/api/v1/sessions/"+j.prereqSess+"/enrollments", map[string]any{"user_id": j.learnerID}, &pre)
		j.expect(t, learner, pre.ID, "not_started", "Not started")
		learner.Must(200, "POST", "/api/v1/enrollments/"+pre.ID+"/start", nil, nil)
		learner.Must(200, "POST", "/api/v1/enrollments/"+pre.ID+"/activities/"+j.prereq.Modules[0].Activities[0].ID+"/view", nil, nil)
		j.expect(t, learner, pre.ID, "passed", "Passed")
		j.expect(t, learner, enr.ID, "approval_pending", "Approval pending")
		learner.Must(422, "POST", "/api/v1/enrollments/"+enr.ID+"/start", nil, nil)

		admin.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/approve", nil, nil)
		r := j.expect(t, learner, enr.ID, "not_started", "Not started")
		if r.Modules[0].Status != "not_started" || r.Certificate == nil || r.Certificate.Status != "not_obtained" {
			t.Fatalf("before starting: %+v", r)
		}
		learner.Must(422, "POST", "/api/v1/enrollments/"+enr.ID+"/activities/"+intro+"/view", nil, nil)

		learner.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/start", nil, nil)
		j.expect(t, learner, enr.ID, "started", "In progress")
		learner.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/activities/"+intro+"/view", nil, nil)
		r = j.expect(t, learner, enr.ID, "started", "In progress")
		if r.Modules[0].Status != "started" || r.Modules[0].Activities[0].Status != "done" || r.Modules[1].Status != "not_started" {
			t.Fatalf("after a view: %+v", r.Modules)
		}

		// A wrong answer fails the quiz; the essay waits for a person.
		learner.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/activities/"+lever+"/answer", map[string]any{"response": "left"}, nil)
		learner.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/activities/"+explain+"/answer", map[string]any{"response": "Heaviest at the bottom."}, nil)
		r = j.expect(t, learner, enr.ID, "awaiting_scoring", "Awaiting scoring")
		if r.Modules[0].Status != "failed" || r.Modules[1].Status != "awaiting_scoring" || r.Modules[1].Activities[0].Status != "awaiting_scoring" {
			t.Fatalf("awaiting scoring: %+v", r.Modules)
		}
		var grading struct {
			Answers []struct {
				EnrollmentID string `json:"enrollment_id"`
				ActivityID   string `json:"activity_id"`
				Response     string `json:"response"`
			} `json:"answers"`
		}
		j.instructor.Must(200, "GET", "/api/v1/grading", nil, &grading)
		if len(grading.Answers) != 1 || grading.Answers[0].ActivityID != explain || grading.Answers[0].Response != "Heaviest at the bottom." {
			t.Fatalf("instructor's grading list: %+v", grading)
		}
		j.instructor.Must(400, "POST", "/api/v1/enrollments/"+enr.ID+"/activities/"+explain+"/score", map[string]any{"score": 11}, nil)
		j.instructor.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/activities/"+explain+"/score", map[string]any{"score": 10}, nil)
		r = j.expect(t, learner, enr.ID, "failed", "Failed")
		if r.Certificate.Status != "not_obtained" {
			t.Fatalf("a failed training delivered its certificate: %+v", r.Certificate)
		}

		// The retake of the quiz passes the training and delivers the certificate.
		learner.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/modules/"+quiz.ID+"/retake", nil, nil)
		r = j.expect(t, learner, enr.ID, "started", "In progress")
		if r.Modules[0].Attempt != 2 || r.Modules[0].Status != "started" || r.Modules[1].Status != "passed" {
			t.Fatalf("after the retake: %+v", r.Modules)
		}
		learner.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/activities/"+intro+"/view", nil, nil)
		learner.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/activities/"+lever+"/answer", map[string]any{"response": "right"}, nil)
		r = j.expect(t, learner, enr.ID, "passed", "Passed")
		if r.Score == nil || *r.Score != 100 {
			t.Errorf("score %v, want 100", r.Score)
		}
		if r.Certificate.Status != "expiring_soon" || r.Certificate.DeliveredAt == nil || *r.Certificate.DeliveredAt != "2026-01-31T10:00:00Z" ||
			r.Certificate.ExpiresAt == nil || *r.Certificate.ExpiresAt != "2026-02-28T10:00:00Z" {
			t.Errorf("certificate: %+v", *r.Certificate)
		}
		learner.Must(422, "POST", "/api/v1/enrollments/"+enr.ID+"/modules/"+quiz.ID+"/retake", nil, nil)
	})
}

// TestLearningAuthorization: a learner cannot approve, score, or touch
// another learner's enrollment; staff cannot act as the learner.
func TestLearningAuthorization(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		j := newJourney(t, dialect)
		var enr, pre result
		j.learner.Must(201, "POST", "/api/v1/sessions/"+j.mainSess+"/enrollments", map[string]any{}, &enr)
		j.env.Admin.Must(201, "POST", "/api/v1/sessions/"+j.prereqSess+"/enrollments", map[string]any{"user_id": j.learnerID}, &pre)
		j.learner.Must(200, "POST", "/api/v1/enrollments/"+pre.ID+"/start", nil, nil)
		j.learner.Must(200, "POST", "/api/v1/enrollments/"+pre.ID+"/activities/"+j.prereq.Modules[0].Activities[0].ID+"/view", nil, nil)
		explain := j.main.Modules[1].Activities[0].ID
		base := "/api/v1/enrollments/" + enr.ID
		cases := []struct {
			name   string
			client *apitest.Client
			method string
			path   string
			body   any
			status int
		}{
			{"learner approves own enrollment", j.learner, "POST", base + "/approve", nil, 403},
			{"instructor approves", j.instructor, "POST", base + "/approve", nil, 403},
			{"other learner sees it", j.other, "GET", base, nil, 404},
			{"other learner starts it", j.other, "POST", base + "/start", nil, 404},
			{"other learner answers in it", j.other, "POST", base + "/activities/" + explain + "/answer", map[string]any{"response": "x"}, 404},
			{"other learner deletes it", j.other, "DELETE", base, nil, 404},
			{"learner deletes own enrollment", j.learner, "DELETE", base, nil, 403},
			{"learner enrolls another user", j.learner, "POST", "/api/v1/sessions/" + j.mainSess + "/enrollments", map[string]any{"user_id": j.otherID}, 403},
			{"learner records a purchase", j.learner, "POST", "/api/v1/trainings/" + j.main.ID + "/purchases", map[string]any{"user_id": j.learnerID}, 403},
			{"instructor starts the learner's training", j.instructor, "POST", base + "/start", nil, 403},
			{"unknown enrollment", j.learner, "GET", "/api/v1/enrollments/999999", nil, 404},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				if r := tc.client.Do(tc.method, tc.path, tc.body); r.Status != tc.status {
					t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
				}
			})
		}
		// Nothing changed: still awaiting approval; then the learner may not score.
		j.expect(t, j.learner, enr.ID, "approval_pending", "Approval pending")
		j.env.Admin.Must(200, "POST", base+"/approve", nil, nil)
		j.learner.Must(200, "POST", base+"/start", nil, nil)
		j.learner.Must(200, "POST", base+"/activities/"+explain+"/answer", map[string]any{"response": "My essay"}, nil)
		j.learner.Must(403, "POST", base+"/activities/"+explain+"/score", map[string]any{"score": 10}, nil)
		j.other.Must(404, "POST", base+"/activities/"+explain+"/score", map[string]any{"score": 10}, nil)
		var grading struct {
			Answers []any `json:"answers"`
		}
		j.other.Must(200, "GET", "/api/v1/grading", nil, &grading)
		if len(grading.Answers) != 0 {
			t.Errorf("a learner sees answers to score: %+v", grading)
		}
		r := j.expect(t, j.learner, enr.ID, "started", "In progress")
		if r.Modules[1].Activities[0].Status != "awaiting_scoring" {
			t.Errorf("essay: %+v", r.Modules[1])
		}
	})
}
