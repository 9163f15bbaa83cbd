package server_test

import (
	"strings"
	"testing"

	"skillpath/internal/apitest"
	"skillpath/internal/lrstest"
	"skillpath/internal/testdb"
)

// verbsOf lists the verbs of the statements the LRS holds, in order.
func verbsOf(stored []map[string]any) string {
	var verbs []string
	for _, s := range stored {
		id := s["verb"].(map[string]any)["id"].(string)
		verbs = append(verbs, id[strings.LastIndexByte(id, '/')+1:])
	}
	return strings.Join(verbs, ",")
}

// TestEssayScoreReachesLRS: an essay's answer is reported without a score,
// and the score an instructor gives later goes out as a second answered
// statement carrying it (issue 10), before the passed that it causes.
func TestEssayScoreReachesLRS(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := apitest.Start(t, dialect, lrsNow)
		stand := lrstest.Start(t)
		var instructor, learnerRef, tr, sess, enr ids
		e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "ivy@example.com", "name": "Ivy"}, &instructor)
		e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "lee@example.com", "name": "Lee"}, &learnerRef)
		var created apitest.Tree
		e.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Stacking", "instructor_ids": []string{instructor.ID}, "passing_score": 70,
			"modules": []any{map[string]any{"title": "Essay", "activities": []any{
				map[string]any{"title": "Explain stacking", "kind": "text", "points": 3, "manual_scoring": true}}}}}, &created)
		tr.ID = created.ID
		essay := created.Modules[0].Activities[0].ID
		e.Admin.Must(200, "PUT", "/api/v1/trainings/"+tr.ID+"/lrs", map[string]any{"endpoint": stand.URL, "verbs": []string{"answered", "passed", "failed"}}, nil)
		e.Admin.Must(200, "POST", "/api/v1/trainings/"+tr.ID+"/publish", nil, nil)
		e.Admin.Must(201, "POST", "/api/v1/trainings/"+tr.ID+"/sessions", map[string]any{"name": "S", "starts_at": "2026-01-01T00:00:00Z"}, &sess)
		e.Admin.Must(201, "POST", "/api/v1/sessions/"+sess.ID+"/enrollments", map[string]any{"user_id": learnerRef.ID}, &enr)
		lee := e.As(idOf(t, learnerRef.ID))
		lee.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/start", nil, nil)
		lee.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/activities/"+essay+"/answer", map[string]any{"response": "Heaviest at the bottom."}, nil)
		e.As(idOf(t, instructor.ID)).Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/activities/"+essay+"/score", map[string]any{"score": 2.5}, nil)

		deliverAll(t, e, stand, 3)
		stored := stand.Stored()
		if got := verbsOf(stored); got != "answered,answered,passed" {
			t.Fatalf("statements %s, want answered,answered,passed", got)
		}
		first, second := stored[0]["result"].(map[string]any), stored[1]["result"].(map[string]any)
		if _, scored := first["score"]; scored {
			t.Errorf("the answer awaiting scoring has a score: %v", first)
		}
		score := second["score"].(map[string]any)
		if second["response"] != "Heaviest at the bottom." || score["raw"] != 2.5 || score["max"] != 3.0 || score["scaled"] != 0.8333 {
			t.Errorf("the scored answer: %v", second)
		}
		if _, success := second["success"]; success {
			t.Errorf("a score given by hand claims success: %v", second)
		}
		if stored[1]["object"].(map[string]any)["id"] != stored[0]["object"].(map[string]any)["id"] ||
			stored[1]["context"].(map[string]any)["registration"] != stored[0]["context"].(map[string]any)["registration"] {
			t.Errorf("the scored answer is about another activity or attempt")
		}
		// 2.5 of 3 points is 83.333…%: sent rounded.
		passed := stored[2]["result"].(map[string]any)["score"].(map[string]any)
		if passed["raw"] != 83.33 || passed["scaled"] != 0.8333 {
			t.Errorf("the passed score: %v", passed)
		}
	})
}

// TestPassedIsFinalForTheLRS: an edit of the training that lowers a passed
// learner's result changes their status in skillpath, but the LRS, told
// the attempt was passed, is not told it failed; nor is it told passed a
// second time when the result rises again (docs/DECISIONS.md).
func TestPassedIsFinalForTheLRS(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := apitest.Start(t, dialect, lrsNow)
		stand := lrstest.Start(t)
		var created apitest.Tree
		e.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Quiz", "modules": []any{
			map[string]any{"title": "Q", "min_score": 50, "activities": []any{
				map[string]any{"title": "One", "kind": "choice", "choices": []string{"a", "b"}, "correct": "a"},
				map[string]any{"title": "Two", "kind": "choice", "choices": []string{"a", "b"}, "correct": "a"},
				map[string]any{"title": "Three", "kind": "choice", "choices": []string{"a", "b"}, "correct": "a"},
			}},
		}}, &created)
		id := created.ID
		e.Admin.Must(200, "PUT", "/api/v1/trainings/"+id+"/lrs", map[string]any{"endpoint": stand.URL, "verbs": []string{"passed", "failed"}}, nil)
		e.Admin.Must(200, "POST", "/api/v1/trainings/"+id+"/publish", nil, nil)
		var sess, u, enr ids
		e.Admin.Must(201, "POST", "/api/v1/trainings/"+id+"/sessions", map[string]any{"name": "S", "starts_at": "2026-01-01T00:00:00Z"}, &sess)
		e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "lee@example.com", "name": "Lee"}, &u)
		e.Admin.Must(201, "POST", "/api/v1/sessions/"+sess.ID+"/enrollments", map[string]any{"user_id": u.ID}, &enr)
		lee := e.As(idOf(t, u.ID))
		base := "/api/v1/enrollments/" + enr.ID
		lee.Must(200, "POST", base+"/start", nil, nil)
		acts := created.Modules[0].Activities
		for i, response := range []string{"a", "a", "b"} {
			lee.Must(200, "POST", base+"/activities/"+acts[i].ID+"/answer", map[string]any{"response": response}, nil)
		}
		deliverAll(t, e, stand, 1)
		if got := verbsOf(stand.Stored()); got != "passed" {
			t.Fatalf("statements %s, want passed", got)
		}
		if raw := stand.Stored()[0]["result"].(map[string]any)["score"].(map[string]any)["raw"]; raw != 66.67 {
			t.Errorf("2 of 3 sent as %v, want 66.67", raw)
		}

		for _, step := range []struct {
			minScore float64
			status   string
		}{{90, "failed"}, {50, "passed"}, {90, "failed"}} {
			var tr map[string]any
			e.Admin.Must(200, "GET", "/api/v1/trainings/"+id, nil, &tr)
			tr["modules"].([]any)[0].(map[string]any)["min_score"] = step.minScore
			e.Admin.Must(200, "PUT", "/api/v1/trainings/"+id, tr, nil)
			var r result
			lee.Must(200, "GET", base, nil, &r)
			if r.Status != step.status {
				t.Fatalf("minimum %v: status %s, want %s", step.minScore, r.Status, step.status)
			}
		}
		var counts struct {
			Pending, Delivered, Parked int
		}
		e.Admin.Must(200, "GET", "/api/v1/lrs/outbox", nil, &counts)
		if counts.Pending != 0 || counts.Delivered != 1 {
			t.Errorf("outbox %+v: the edits wrote statements", counts)
		}
	})
}
