package xapi_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/lrstest"
	"skillpath/xapi"
)

func ptr[T any](v T) *T { return &v }

// training is a path with a content page, a choice question, a text
// question with a correct answer and an essay.
func training() *skillpath.Training {
	return &skillpath.Training{ID: 7, Title: "Forklift", Modules: []*skillpath.Module{
		{ID: 11, Title: "Quiz", Activities: []*skillpath.Activity{
			{ID: 101, Title: "Intro", Kind: skillpath.KindContent},
			{ID: 102, Title: "Which lever?", Kind: skillpath.KindChoice, Points: 2, Choices: []string{"left one", "right one"}, Correct: ptr("right one")},
			{ID: 103, Title: "Brake colour", Kind: skillpath.KindText, Points: 1, Correct: ptr("Red")},
		}},
		{ID: 12, Title: "Essay", Activities: []*skillpath.Activity{
			{ID: 104, Title: "Explain stacking", Kind: skillpath.KindText, Points: 10, ManualScoring: true},
		}},
	}}
}

const base = "https://learn.example.com"

// TestBuild is the table of SPEC §4: each verb's statement is valid xAPI
// 1.0.3 and carries the object, result and context the verb calls for.
func TestBuild(t *testing.T) {
	at := time.Date(2026, 1, 31, 10, 0, 0, 123e6, time.UTC)
	learner := &skillpath.User{ID: 3, Name: "Lee Park", Email: "lee@example.com"}
	attempt := "4f7c2a36-2b8e-4b8a-9a55-0c1d2e3f4a5b"
	course := base + "/xapi/trainings/7"
	cases := []struct {
		name       string
		ev         skillpath.LearningEvent
		object     string
		objectType string
		parent     string // context.contextActivities.parent[0].id, "" for none
		check      func(t *testing.T, s map[string]any)
	}{
		{name: "started", ev: skillpath.LearningEvent{Verb: skillpath.VerbStarted}, object: course, objectType: xapi.TypeCourse,
			check: func(t *testing.T, s map[string]any) {
				if _, ok := s["result"]; ok {
					t.Errorf("started has a result: %v", s["result"])
				}
			}},
		{name: "progressed", ev: skillpath.LearningEvent{Verb: skillpath.VerbProgressed, Progress: ptr(200.0 / 3)}, object: course, objectType: xapi.TypeCourse,
			check: func(t *testing.T, s map[string]any) {
				ext := get(s, "result", "extensions").(map[string]any)
				if ext[xapi.ProgressExtension] != 66.0 {
					t.Errorf("progress extension %v, want 66 (whole percent, rounded down)", ext)
				}
			}},
		{name: "experienced content", ev: skillpath.LearningEvent{Verb: skillpath.VerbExperienced, ModuleID: 11, ActivityID: 101, Completion: ptr(true)},
			object: base + "/xapi/activities/101", objectType: xapi.TypeInteraction, parent: base + "/xapi/modules/11",
			check: func(t *testing.T, s map[string]any) {
				want(t, get(s, "object", "definition", "interactionType"), "other")
				want(t, get(s, "result", "completion"), true)
			}},
		{name: "answered choice, right", ev: skillpath.LearningEvent{Verb: skillpath.VerbAnswered, ModuleID: 11, ActivityID: 102,
			Response: ptr("right one"), Score: ptr(2.0), MaxScore: 2, Success: ptr(true), Completion: ptr(true)},
			object: base + "/xapi/activities/102", objectType: xapi.TypeInteraction, parent: base + "/xapi/modules/11",
			check: func(t *testing.T, s map[string]any) {
				want(t, get(s, "object", "definition", "interactionType"), "choice")
				want(t, get(s, "object", "definition", "correctResponsesPattern", 0), "choice-2")
				want(t, get(s, "object", "definition", "choices", 0, "description", "en-US"), "left one")
				want(t, get(s, "result", "response"), "choice-2")
				want(t, get(s, "result", "success"), true)
				want(t, get(s, "result", "score", "scaled"), 1.0)
				want(t, get(s, "result", "score", "raw"), 2.0)
				want(t, get(s, "result", "score", "max"), 2.0)
				want(t, get(s, "context", "contextActivities", "grouping", 0, "id"), course)
			}},
		{name: "answered text, wrong", ev: skillpath.LearningEvent{Verb: skillpath.VerbAnswered, ModuleID: 11, ActivityID: 103,
			Response: ptr("blue"), Score: ptr(0.0), MaxScore: 1, Success: ptr(false), Completion: ptr(true)},
			object: base + "/xapi/activities/103", objectType: xapi.TypeInteraction, parent: base + "/xapi/modules/11",
			check: func(t *testing.T, s map[string]any) {
				want(t, get(s, "object", "definition", "interactionType"), "fill-in")
				want(t, get(s, "object", "definition", "correctResponsesPattern", 0), "Red")
				want(t, get(s, "result", "response"), "blue")
				want(t, get(s, "result", "success"), false)
				want(t, get(s, "result", "score", "scaled"), 0.0)
			}},
		{name: "answered essay awaiting scoring", ev: skillpath.LearningEvent{Verb: skillpath.VerbAnswered, ModuleID: 12, ActivityID: 104,
			Response: ptr("Heaviest at the bottom."), MaxScore: 10, Completion: ptr(true)},
			object: base + "/xapi/activities/104", objectType: xapi.TypeInteraction, parent: base + "/xapi/modules/12",
			check: func(t *testing.T, s map[string]any) {
				want(t, get(s, "object", "definition", "interactionType"), "long-fill-in")
				want(t, get(s, "result", "response"), "Heaviest at the bottom.")
				if get(s, "result", "score") != nil || get(s, "result", "success") != nil {
					t.Errorf("an unscored answer has a score or success: %v", s["result"])
				}
			}},
		{name: "mastered before completion", ev: skillpath.LearningEvent{Verb: skillpath.VerbMastered, Score: ptr(80.0), MaxScore: 100, Success: ptr(true)},
			object: course, objectType: xapi.TypeCourse,
			check: func(t *testing.T, s map[string]any) {
				want(t, get(s, "result", "score", "scaled"), 0.8)
				want(t, get(s, "result", "success"), true)
				if get(s, "result", "completion") != nil {
					t.Errorf("mastered claims completion")
				}
			}},
		{name: "passed", ev: skillpath.LearningEvent{Verb: skillpath.VerbPassed, Score: ptr(100.0), MaxScore: 100, Success: ptr(true), Completion: ptr(true),
			Duration: time.Hour + 2*time.Minute + 3450*time.Millisecond}, object: course, objectType: xapi.TypeCourse,
			check: func(t *testing.T, s map[string]any) {
				want(t, get(s, "result", "duration"), "PT1H2M3.45S")
				want(t, get(s, "result", "completion"), true)
				want(t, get(s, "result", "score", "scaled"), 1.0)
			}},
		{name: "failed", ev: skillpath.LearningEvent{Verb: skillpath.VerbFailed, Score: ptr(25.0), MaxScore: 100, Success: ptr(false), Completion: ptr(true),
			Duration: 90 * time.Second}, object: course, objectType: xapi.TypeCourse,
			check: func(t *testing.T, s map[string]any) {
				want(t, get(s, "result", "duration"), "PT1M30S")
				want(t, get(s, "result", "success"), false)
				want(t, get(s, "result", "score", "raw"), 25.0)
			}},
	}
	b := xapi.Builder{BaseURL: base + "/"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev := tc.ev
			ev.ID, ev.At, ev.UserID, ev.TrainingID, ev.AttemptUUID = "0b5e5e7a-6d2c-4c1e-8f3a-1a2b3c4d5e6f", at, 3, 7, attempt
			st, err := b.Build(ev, learner, training())
			if err != nil {
				t.Fatal(err)
			}
			raw, err := json.Marshal(st)
			if err != nil {
				t.Fatal(err)
			}
			var s map[string]any
			if err := json.Unmarshal(raw, &s); err != nil {
				t.Fatal(err)
			}
			if err := lrstest.Validate(s); err != nil {
				t.Fatalf("%v\n%s", err, raw)
			}
			want(t, s["id"], ev.ID)
			want(t, s["timestamp"], "2026-01-31T10:00:00.123Z")
			want(t, get(s, "actor", "mbox"), "mailto:lee@example.com")
			want(t, get(s, "actor", "name"), "Lee Park")
			want(t, get(s, "verb", "id"), "http://adlnet.gov/expapi/verbs/"+string(ev.Verb))
			want(t, get(s, "verb", "display", "en-US"), string(ev.Verb))
			want(t, get(s, "object", "id"), tc.object)
			want(t, get(s, "object", "definition", "type"), tc.objectType)
			want(t, get(s, "context", "registration"), attempt)
			want(t, get(s, "context", "platform"), "skillpath")
			if tc.parent == "" {
				if get(s, "context", "contextActivities") != nil {
					t.Errorf("a course statement has context activities: %v", get(s, "context", "contextActivities"))
				}
			} else {
				want(t, get(s, "context", "contextActivities", "parent", 0, "id"), tc.parent)
			}
			tc.check(t, s)
		})
	}
}

// TestBuildUnknownActivity: an event naming an activity the training does
// not hold is a bug reported as an error, not a statement with a wrong object.
func TestBuildUnknownActivity(t *testing.T) {
	ev := skillpath.LearningEvent{ID: "0b5e5e7a-6d2c-4c1e-8f3a-1a2b3c4d5e6f", Verb: skillpath.VerbAnswered, ModuleID: 11, ActivityID: 999}
	if _, err := (xapi.Builder{BaseURL: base}).Build(ev, &skillpath.User{Email: "a@example.com"}, training()); err == nil {
		t.Fatal("no error for an unknown activity")
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                                       "PT0S",
		4 * time.Millisecond:                    "PT0S",
		1500 * time.Millisecond:                 "PT1.5S",
		59*time.Minute + 59990*time.Millisecond: "PT59M59.99S",
		26 * time.Hour:                          "PT26H",
		time.Hour + 5*time.Second:               "PT1H5S",
	} {
		if got := xapi.Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestValidatorCatches proves the test's validator can fail: each broken
// statement is refused, naming the broken part.
func TestValidatorCatches(t *testing.T) {
	good := func() map[string]any {
		ev := skillpath.LearningEvent{ID: "0b5e5e7a-6d2c-4c1e-8f3a-1a2b3c4d5e6f", Verb: skillpath.VerbAnswered, At: time.Now(), ModuleID: 11, ActivityID: 102,
			AttemptUUID: "4f7c2a36-2b8e-4b8a-9a55-0c1d2e3f4a5b", Response: ptr("left one"), Score: ptr(0.0), MaxScore: 2, Success: ptr(false)}
		st, err := (xapi.Builder{BaseURL: base}).Build(ev, &skillpath.User{Name: "Lee", Email: "lee@example.com"}, training())
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(st)
		var s map[string]any
		_ = json.Unmarshal(raw, &s)
		return s
	}
	if err := lrstest.Validate(good()); err != nil {
		t.Fatalf("the good statement is refused: %v", err)
	}
	cases := map[string]func(s map[string]any){
		"id: 42":               func(s map[string]any) { s["id"] = "42" },
		"actor.mbox":           func(s map[string]any) { s["actor"].(map[string]any)["mbox"] = "lee@example.com" },
		"verb.id":              func(s map[string]any) { s["verb"].(map[string]any)["id"] = "answered" },
		"object.id":            func(s map[string]any) { s["object"].(map[string]any)["id"] = "/xapi/activities/102" },
		"result.score.scaled":  func(s map[string]any) { get(s, "result", "score").(map[string]any)["scaled"] = 1.5 },
		"result.duration":      func(s map[string]any) { s["result"].(map[string]any)["duration"] = "90s" },
		"context.registration": func(s map[string]any) { s["context"].(map[string]any)["registration"] = "attempt-1" },
		"timestamp":            func(s map[string]any) { s["timestamp"] = "31/01/2026" },
		"statement.timeStamp":  func(s map[string]any) { s["timeStamp"] = "2026-01-31T10:00:00Z" },
		"result.success":       func(s map[string]any) { s["result"].(map[string]any)["success"] = nil },
		"object.definition.correctResponsesPattern": func(s map[string]any) {
			get(s, "object", "definition").(map[string]any)["correctResponsesPattern"] = []any{"right one"}
		},
	}
	for part, breakIt := range cases {
		s := good()
		breakIt(s)
		err := lrstest.Validate(s)
		if err == nil || !strings.Contains(err.Error(), part) {
			t.Errorf("breaking %s: error %v", part, err)
		}
	}
}

// get walks a decoded JSON value by keys and list indexes; nil when absent.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func want(t *testing.T, got, want any) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestScoreRounding: score.raw goes out to the hundredth, and scaled is
// raw / max to four decimals, within [0, 1] (issue 10: no 17-digit scores).
func TestScoreRounding(t *testing.T) {
	cases := []struct{ score, max, raw, scaled float64 }{
		{300.0 / 7, 100, 42.86, 0.4286},
		{200.0 / 3, 100, 66.67, 0.6667},
		{100, 100, 100, 1},
		{0, 100, 0, 0},
		{2.5, 3, 2.5, 0.8333},
		{1, 3, 1, 0.3333},
		{99.999, 100, 100, 1},
		{0.004, 1, 0, 0},
	}
	for _, tc := range cases {
		ev := skillpath.LearningEvent{ID: "0b5e5e7a-6d2c-4c1e-8f3a-1a2b3c4d5e6f", Verb: skillpath.VerbPassed, AttemptUUID: "4f7c2a36-2b8e-4b8a-9a55-0c1d2e3f4a5b",
			Score: ptr(tc.score), MaxScore: tc.max, Success: ptr(true), Completion: ptr(true)}
		st, err := (xapi.Builder{BaseURL: base}).Build(ev, &skillpath.User{Name: "Lee", Email: "lee@example.com"}, training())
		if err != nil {
			t.Fatal(err)
		}
		s := decoded(t, st)
		if err := lrstest.Validate(s); err != nil {
			t.Fatal(err)
		}
		if got := get(s, "result", "score", "raw"); got != tc.raw {
			t.Errorf("%v of %v: raw %v, want %v", tc.score, tc.max, got, tc.raw)
		}
		if got := get(s, "result", "score", "scaled"); got != tc.scaled {
			t.Errorf("%v of %v: scaled %v, want %v", tc.score, tc.max, got, tc.scaled)
		}
	}
}
