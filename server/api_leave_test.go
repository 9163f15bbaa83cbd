package server_test

import (
	"strings"
	"testing"

	"skillpath/internal/testdb"
)

// TestLeaveAndPrerequisites (issue 18): the catalog names each training's
// prerequisites and whether the learner passed them; a learner leaves a
// self-enrollment they have not started (awaiting approval too), and
// cannot leave an assignment, a started training or another's enrollment.
func TestLeaveAndPrerequisites(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		j := newJourney(t, dialect)
		admin, learner := j.env.Admin, j.learner
		type catalog struct {
			Currency  string `json:"currency"`
			Trainings []struct {
				ID            string `json:"id"`
				Prerequisites []struct {
					ID     string `json:"id"`
					Title  string `json:"title"`
					Passed bool   `json:"passed"`
				} `json:"prerequisites"`
			} `json:"trainings"`
		}
		prereqOf := func() (title string, passed bool) {
			var c catalog
			learner.Must(200, "GET", "/api/v1/catalog", nil, &c)
			if c.Currency != "EUR" {
				t.Errorf("catalog currency %q, want EUR", c.Currency)
			}
			for _, tr := range c.Trainings {
				if tr.ID == j.main.ID && len(tr.Prerequisites) == 1 && tr.Prerequisites[0].ID == j.prereq.ID {
					return tr.Prerequisites[0].Title, tr.Prerequisites[0].Passed
				}
			}
			t.Fatalf("the catalog does not name the prerequisite: %+v", c)
			return "", false
		}
		if title, passed := prereqOf(); title != "Safety basics" || passed {
			t.Errorf("before: %q passed=%v", title, passed)
		}

		// A self-enrollment awaiting approval (and prerequisites) is left.
		var enr result
		learner.Must(201, "POST", "/api/v1/sessions/"+j.mainSess+"/enrollments", map[string]any{}, &enr)
		j.other.Must(404, "POST", "/api/v1/enrollments/"+enr.ID+"/leave", nil, nil)
		admin.Must(403, "POST", "/api/v1/enrollments/"+enr.ID+"/leave", nil, nil)
		learner.Must(204, "POST", "/api/v1/enrollments/"+enr.ID+"/leave", nil, nil)
		learner.Must(404, "GET", "/api/v1/enrollments/"+enr.ID, nil, nil)
		learner.Must(404, "POST", "/api/v1/enrollments/"+enr.ID+"/leave", nil, nil)
		var mine struct {
			Enrollments []struct{ ID string } `json:"enrollments"`
		}
		learner.Must(200, "GET", "/api/v1/me/enrollments", nil, &mine)
		if len(mine.Enrollments) != 0 {
			t.Errorf("after leaving, still enrolled: %+v", mine)
		}
		// Enrolling again works.
		learner.Must(201, "POST", "/api/v1/sessions/"+j.mainSess+"/enrollments", map[string]any{}, &enr)

		// The prerequisite passed: the catalog says so.
		var pre result
		learner.Must(201, "POST", "/api/v1/sessions/"+j.prereqSess+"/enrollments", map[string]any{}, &pre)
		learner.Must(200, "POST", "/api/v1/enrollments/"+pre.ID+"/start", nil, nil)
		learner.Must(200, "POST", "/api/v1/enrollments/"+pre.ID+"/activities/"+j.prereq.Modules[0].Activities[0].ID+"/view", nil, nil)
		if _, passed := prereqOf(); !passed {
			t.Error("the passed prerequisite is not marked passed")
		}
		// A started enrollment is kept.
		r := learner.Do("POST", "/api/v1/enrollments/"+pre.ID+"/leave", nil)
		if r.Status != 422 || !strings.Contains(string(r.Body), "started") {
			t.Errorf("leaving a started training: %d %s", r.Status, r.Body)
		}
		// An administrator's assignment is theirs to remove.
		var assigned result
		admin.Must(201, "POST", "/api/v1/sessions/"+j.prereqSess+"/enrollments", map[string]any{"user_id": j.otherID}, &assigned)
		r = j.other.Do("POST", "/api/v1/enrollments/"+assigned.ID+"/leave", nil)
		if r.Status != 422 || !strings.Contains(string(r.Body), "administrator enrolled you") {
			t.Errorf("leaving an assignment: %d %s", r.Status, r.Body)
		}
		j.checkStored(t)
	})
}

// TestRetakeOfAPassedModule (issue 18): a passed module is not retaken
// while the training is under way; a failed one is.
func TestRetakeOfAPassedModule(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		j := newJourney(t, dialect)
		admin, learner := j.env.Admin, j.learner
		var pre, enr result
		admin.Must(201, "POST", "/api/v1/sessions/"+j.prereqSess+"/enrollments", map[string]any{"user_id": j.learnerID}, &pre)
		learner.Must(200, "POST", "/api/v1/enrollments/"+pre.ID+"/start", nil, nil)
		learner.Must(200, "POST", "/api/v1/enrollments/"+pre.ID+"/activities/"+j.prereq.Modules[0].Activities[0].ID+"/view", nil, nil)
		admin.Must(201, "POST", "/api/v1/sessions/"+j.mainSess+"/enrollments", map[string]any{"user_id": j.learnerID}, &enr)
		base := "/api/v1/enrollments/" + enr.ID
		learner.Must(200, "POST", base+"/start", nil, nil)
		quiz := j.main.Modules[0]
		learner.Must(200, "POST", base+"/activities/"+quiz.Activities[0].ID+"/view", nil, nil)
		var after result
		learner.Must(200, "POST", base+"/activities/"+quiz.Activities[1].ID+"/answer", map[string]any{"response": "right"}, &after)
		if after.Modules[0].Status != "passed" || after.Status != "started" {
			t.Fatalf("after the right answer: module %s, training %s", after.Modules[0].Status, after.Status)
		}
		var canRetake struct {
			Modules []struct {
				CanRetake bool `json:"can_retake"`
			} `json:"modules"`
		}
		learner.Must(200, "GET", base, nil, &canRetake)
		if canRetake.Modules[0].CanRetake {
			t.Error("a passed module offers a retake while the training is under way")
		}
		r := learner.Do("POST", base+"/modules/"+quiz.ID+"/retake", nil)
		if r.Status != 422 || !strings.Contains(string(r.Body), "its pass counts") {
			t.Errorf("retaking a passed module: %d %s", r.Status, r.Body)
		}
		learner.Must(200, "GET", base, nil, &after)
		if after.Modules[0].Status != "passed" || after.Modules[0].Attempt != 1 {
			t.Errorf("the refused retake changed the module: %+v", after.Modules[0])
		}
		j.checkStored(t)
	})
}
