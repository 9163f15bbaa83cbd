package server_test

import (
	"fmt"
	"slices"
	"testing"

	"skillpath/internal/apitest"
	"skillpath/internal/lrstest"
	"skillpath/internal/testdb"
)

// question returns the first activity of the first module of a training
// as GET answers it, to edit and send back.
func question(tr map[string]any) map[string]any {
	return tr["modules"].([]any)[0].(map[string]any)["activities"].([]any)[0].(map[string]any)
}

func choiceIDs(t *testing.T, e *apitest.Env, id string) []string {
	t.Helper()
	var tr map[string]any
	e.Admin.Must(200, "GET", "/api/v1/trainings/"+id, nil, &tr)
	var out []string
	for _, c := range question(tr)["choice_ids"].([]any) {
		out = append(out, c.(string))
	}
	return out
}

// TestChoiceIDsKeptAcrossEdits: a choice keeps its id when the choices of
// an answered question are reordered or reworded, a new choice never takes
// a removed one's id, and the statements sent before and after an edit
// give each id one meaning (issue 10).
func TestChoiceIDsKeptAcrossEdits(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := apitest.Start(t, dialect, lrsNow)
		stand := lrstest.Start(t)
		var created apitest.Tree
		e.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Forklift", "modules": []any{
			map[string]any{"title": "Quiz", "activities": []any{
				map[string]any{"title": "Which lever lifts?", "kind": "choice", "choices": []string{"left", "right", "middle"}, "correct": "right"},
			}},
		}}, &created)
		id, activity := created.ID, created.Modules[0].Activities[0].ID
		if got := choiceIDs(t, e, id); !slices.Equal(got, []string{"choice-1", "choice-2", "choice-3"}) {
			t.Fatalf("choice ids of a new question: %v", got)
		}
		e.Admin.Must(200, "PUT", "/api/v1/trainings/"+id+"/lrs", map[string]any{"endpoint": stand.URL, "verbs": []string{"answered"}}, nil)
		e.Admin.Must(200, "POST", "/api/v1/trainings/"+id+"/publish", nil, nil)
		var sess ids
		e.Admin.Must(201, "POST", "/api/v1/trainings/"+id+"/sessions", map[string]any{"name": "S", "starts_at": "2026-01-01T00:00:00Z"}, &sess)
		learner := func(email string) (*apitest.Client, string) {
			var u, enr ids
			e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": email, "name": email}, &u)
			e.Admin.Must(201, "POST", "/api/v1/sessions/"+sess.ID+"/enrollments", map[string]any{"user_id": u.ID}, &enr)
			c := e.As(idOf(t, u.ID))
			c.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/start", nil, nil)
			return c, enr.ID
		}
		lee, leeEnrollment := learner("lee@example.com")
		lee.Must(200, "POST", "/api/v1/enrollments/"+leeEnrollment+"/activities/"+activity+"/answer", map[string]any{"response": "right"}, nil)

		// Reordered as GET gave them, choice_ids included: each text keeps its id.
		var tr map[string]any
		e.Admin.Must(200, "GET", "/api/v1/trainings/"+id, nil, &tr)
		question(tr)["choices"] = []string{"middle", "right", "left"}
		e.Admin.Must(200, "PUT", "/api/v1/trainings/"+id, tr, nil)
		if got := choiceIDs(t, e, id); !slices.Equal(got, []string{"choice-3", "choice-2", "choice-1"}) {
			t.Fatalf("choice ids after reordering: %v", got)
		}
		var r result
		lee.Must(200, "GET", "/api/v1/enrollments/"+leeEnrollment, nil, &r)
		if r.Status != "passed" || *r.Modules[0].Activities[0].Score != 1 {
			t.Fatalf("the answer changed meaning with the order: %+v", r)
		}

		// Reworded by id, one removed, one added: the new one is choice-4.
		e.Admin.Must(200, "GET", "/api/v1/trainings/"+id, nil, &tr)
		question(tr)["choices"] = []any{map[string]any{"id": "choice-1", "text": "the left lever"}, "right", "top"}
		e.Admin.Must(200, "PUT", "/api/v1/trainings/"+id, tr, nil)
		if got := choiceIDs(t, e, id); !slices.Equal(got, []string{"choice-1", "choice-2", "choice-4"}) {
			t.Fatalf("choice ids after rewording, removing and adding: %v", got)
		}
		e.Admin.Must(200, "POST", "/api/v1/trainings/"+id+"/publish", nil, nil)
		ann, annEnrollment := learner("ann@example.com")
		ann.Must(200, "POST", "/api/v1/enrollments/"+annEnrollment+"/activities/"+activity+"/answer", map[string]any{"response": "the left lever"}, nil)

		deliverAll(t, e, stand, 2)
		meaning := map[string]string{} // choice id → text, over both statements
		for i, st := range stand.Stored() {
			def := st["object"].(map[string]any)["definition"].(map[string]any)
			if want := "choice-2"; def["correctResponsesPattern"].([]any)[0] != want {
				t.Errorf("statement %d: correct response %v, want %s", i, def["correctResponsesPattern"], want)
			}
			for _, c := range def["choices"].([]any) {
				c := c.(map[string]any)
				id, text := c["id"].(string), c["description"].(map[string]any)["en-US"].(string)
				if before, ok := meaning[id]; ok && before != text && id != "choice-1" {
					t.Errorf("%s meant %q, then %q", id, before, text)
				}
				meaning[id] = text
			}
		}
		responses := []any{stand.Stored()[0]["result"].(map[string]any)["response"], stand.Stored()[1]["result"].(map[string]any)["response"]}
		if fmt.Sprint(responses) != "[choice-2 choice-1]" {
			t.Errorf("responses %v, want [choice-2 choice-1]", responses)
		}

		// Ids that are not this question's, given twice, or without text.
		for _, tc := range []struct {
			name    string
			choices []any
			field   string
		}{
			{"unknown id", []any{"right", map[string]any{"id": "choice-9", "text": "x"}}, "modules[0].activities[0].choices[1].id"},
			{"removed id", []any{"right", map[string]any{"id": "choice-3", "text": "middle"}}, "modules[0].activities[0].choices[1].id"},
			{"id twice", []any{map[string]any{"id": "choice-2", "text": "right"}, map[string]any{"id": "choice-2", "text": "x"}}, "modules[0].activities[0].choices[1].id"},
			{"no text", []any{"right", map[string]any{"id": "choice-1"}}, "modules[0].activities[0].choices[1]"},
			{"unknown key", []any{"right", map[string]any{"text": "x", "label": "y"}}, "modules[0].activities[0].choices[1]"},
		} {
			e.Admin.Must(200, "GET", "/api/v1/trainings/"+id, nil, &tr)
			question(tr)["choices"] = tc.choices
			resp := e.Admin.Do("PUT", "/api/v1/trainings/"+id, tr)
			if resp.Status != 400 || resp.Err().Field != tc.field {
				t.Errorf("%s: %d %s, want 400 naming %s", tc.name, resp.Status, resp.Body, tc.field)
			}
		}
		if got := choiceIDs(t, e, id); !slices.Equal(got, []string{"choice-1", "choice-2", "choice-4"}) {
			t.Fatalf("a refused edit changed the choice ids: %v", got)
		}
		resp := e.Admin.Do("POST", "/api/v1/trainings", map[string]any{"title": "New", "modules": []any{map[string]any{"title": "Q", "activities": []any{
			map[string]any{"title": "Pick", "kind": "choice", "choices": []any{map[string]any{"id": "choice-1", "text": "a"}, "b"}, "correct": "a"}}}}})
		if resp.Status != 400 || resp.Err().Field != "modules[0].activities[0].choices[0].id" {
			t.Errorf("an id in a new question: %d %s", resp.Status, resp.Body)
		}
	})
}
