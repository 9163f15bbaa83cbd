package server_test

import (
	"testing"

	"skillpath/internal/testdb"
)

// fullTree is GET /api/v1/trainings/{id} as a PUT body can reuse it.
type fullTree struct {
	ID               string       `json:"id"`
	Title            string       `json:"title"`
	CertificateIDs   []string     `json:"certificate_ids"`
	PrerequisiteIDs  []string     `json:"prerequisite_ids"`
	RequiresApproval bool         `json:"requires_approval"`
	PassingScore     *float64     `json:"passing_score"`
	MasteryScore     *float64     `json:"mastery_score"`
	Modules          []fullModule `json:"modules"`
	AuthorIDs        []string     `json:"author_ids"`
	InstructorIDs    []string     `json:"instructor_ids"`
	Price            *float64     `json:"price"`
}

type fullModule struct {
	ID          string         `json:"id,omitempty"`
	Title       string         `json:"title"`
	MinScore    *float64       `json:"min_score"`
	MaxAttempts int            `json:"max_attempts"`
	Activities  []fullActivity `json:"activities"`
}

type fullActivity struct {
	ID            string   `json:"id,omitempty"`
	Title         string   `json:"title"`
	Kind          string   `json:"kind"`
	Points        float64  `json:"points"`
	ManualScoring bool     `json:"manual_scoring"`
	Choices       []string `json:"choices,omitempty"`
	Correct       *string  `json:"correct,omitempty"`
}

func (j *journey) tree(t *testing.T, id string) fullTree {
	var tr fullTree
	j.env.Admin.Must(200, "GET", "/api/v1/trainings/"+id, nil, &tr)
	return tr
}

// TestChangingScoresRecomputes: a new minimum or passing score applies to
// learners who already started, and removing what learners worked on is
// refused.
func TestChangingScoresRecomputes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		j := newJourney(t, dialect)
		admin, learner := j.env.Admin, j.learner
		// The learner passes the prerequisite with its only content page.
		var pre result
		admin.Must(201, "POST", "/api/v1/sessions/"+j.prereqSess+"/enrollments", map[string]any{"user_id": j.learnerID}, &pre)
		learner.Must(200, "POST", "/api/v1/enrollments/"+pre.ID+"/start", nil, nil)

		// A quiz of two questions, one answered right: 50%.
		var quiz tree
		admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Quiz", "certificate_ids": []string{j.cert}, "modules": []any{
			map[string]any{"title": "Q", "min_score": 50, "activities": []any{
				map[string]any{"title": "One", "kind": "choice", "choices": []string{"a", "b"}, "correct": "a"},
				map[string]any{"title": "Two", "kind": "choice", "choices": []string{"a", "b"}, "correct": "a"},
				map[string]any{"title": "Untouched", "kind": "content"},
			}},
		}}, &quiz)
		var s ids
		admin.Must(201, "POST", "/api/v1/trainings/"+quiz.ID+"/sessions", map[string]any{"name": "S", "starts_at": "2026-01-01T00:00:00Z"}, &s)
		var enr result
		admin.Must(201, "POST", "/api/v1/sessions/"+s.ID+"/enrollments", map[string]any{"user_id": j.learnerID}, &enr)
		base := "/api/v1/enrollments/" + enr.ID
		learner.Must(200, "POST", base+"/start", nil, nil)
		a := quiz.Modules[0].Activities
		learner.Must(200, "POST", base+"/activities/"+a[0].ID+"/answer", map[string]any{"response": "a"}, nil)
		learner.Must(200, "POST", base+"/activities/"+a[1].ID+"/answer", map[string]any{"response": "b"}, nil)
		j.expect(t, learner, enr.ID, "started", "In progress")

		// Removing the untouched content page lets the module complete: passed at 50%.
		tr := j.tree(t, quiz.ID)
		tr.Modules[0].Activities = tr.Modules[0].Activities[:2]
		admin.Must(200, "PUT", "/api/v1/trainings/"+quiz.ID, tr, nil)
		r := j.expect(t, learner, enr.ID, "passed", "Passed")
		if r.Certificate == nil || r.Certificate.Status != "expiring_soon" {
			t.Fatalf("certificate after passing: %+v", r.Certificate)
		}
		delivered := *r.Certificate.DeliveredAt

		steps := []struct {
			name         string
			minScore     float64
			passingScore *float64
			status       string
		}{
			{"minimum raised above the score", 60, nil, "failed"},
			{"minimum lowered again", 50, nil, "passed"},
			{"passing score above the score", 50, ptr(75.0), "failed"},
			{"passing score met", 50, ptr(50.0), "passed"},
		}
		for _, step := range steps {
			tr := j.tree(t, quiz.ID)
			tr.Modules[0].MinScore, tr.PassingScore = &step.minScore, step.passingScore
			admin.Must(200, "PUT", "/api/v1/trainings/"+quiz.ID, tr, nil)
			r := j.expect(t, learner, enr.ID, step.status, label(step.status))
			if r.Certificate.DeliveredAt == nil || *r.Certificate.DeliveredAt != delivered {
				t.Errorf("%s: the certificate delivered at %s changed: %+v", step.name, delivered, r.Certificate)
			}
		}

		// What learners worked on cannot be removed.
		tr = j.tree(t, quiz.ID)
		tr.Modules[0].Activities = tr.Modules[0].Activities[:1]
		admin.Must(409, "PUT", "/api/v1/trainings/"+quiz.ID, tr, nil)
		tr = j.tree(t, quiz.ID)
		tr.Modules = append(tr.Modules[:0], fullModule{Title: "New", MaxAttempts: 1, Activities: []fullActivity{{Title: "Page", Kind: "content"}}})
		admin.Must(409, "PUT", "/api/v1/trainings/"+quiz.ID, tr, nil)

		// Ids from elsewhere and prerequisite cycles are refused.
		tr = j.tree(t, quiz.ID)
		tr.Modules[0].ID = j.main.Modules[0].ID
		if e := admin.Do("PUT", "/api/v1/trainings/"+quiz.ID, tr).Err(); e.Field != "modules[0].id" {
			t.Errorf("a module of another training: %+v", e)
		}
		tr = j.tree(t, j.prereq.ID)
		tr.PrerequisiteIDs = []string{j.main.ID}
		admin.Must(422, "PUT", "/api/v1/trainings/"+j.prereq.ID, tr, nil)
		if got := j.tree(t, j.prereq.ID); len(got.PrerequisiteIDs) != 0 {
			t.Errorf("a refused update changed the prerequisites: %v", got.PrerequisiteIDs)
		}
		j.expect(t, learner, enr.ID, "passed", "Passed")
	})
}

func ptr[T any](v T) *T { return &v }

func label(status string) string {
	return map[string]string{"passed": "Passed", "failed": "Failed", "started": "In progress"}[status]
}
