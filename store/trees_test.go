package store_test

import (
	"context"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/testdb"
)

// TestTrainingTreeFollowsEditsOfOtherProcesses: a process that cached a
// training's tree while learners worked in it sees at once an edit made by
// another process on the same database (the version is read in each
// transaction), and an edit refused and rolled back changes nothing.
func TestTrainingTreeFollowsEditsOfOtherProcesses(t *testing.T) {
	now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			url := testdb.URL(t, dialect)
			a, b := testdb.OpenURL(t, url, now), testdb.OpenURL(t, url, now)
			u := &skillpath.User{Email: "kim@example.com", Name: "Kim"}
			must(t, a.CreateUser(ctx, u, ""))
			tr := &skillpath.Training{Title: "Forklift", Modules: []*skillpath.Module{{Title: "Basics", MaxAttempts: 1,
				Activities: []*skillpath.Activity{{Title: "Read", Kind: skillpath.KindContent}, {Title: "Watch", Kind: skillpath.KindContent}}}}}
			must(t, a.CreateTraining(ctx, tr))
			se := &skillpath.Session{TrainingID: tr.ID, Name: "S", StartsAt: now.Add(-time.Hour)}
			must(t, a.CreateSession(ctx, se))
			e, err := a.Enroll(ctx, se.ID, u.ID, u.ID, false)
			must(t, err)
			must(t, a.Start(ctx, e.ID))
			must(t, a.View(ctx, e.ID, tr.Modules[0].Activities[0].ID)) // the tree is now cached in a

			// Process b renames the module and removes the second page: a
			// learner of process a has viewed every page left, and passes.
			edit := *tr
			edit.Modules = []*skillpath.Module{{ID: tr.Modules[0].ID, Title: "Basics, revised", MaxAttempts: 1,
				Activities: []*skillpath.Activity{tr.Modules[0].Activities[0]}}}
			must(t, b.UpdateTraining(ctx, &edit))
			r, err := a.Result(ctx, e.ID)
			must(t, err)
			if r.Modules[0].Title != "Basics, revised" || len(r.Modules[0].Activities) != 1 || r.Status != "passed" {
				t.Errorf("after b's edit, a answers module %q with %d activities, status %s; want the revised module, 1 activity, passed",
					r.Modules[0].Title, len(r.Modules[0].Activities), r.Status)
			}

			// An edit refused (the viewed page cannot be removed) is rolled
			// back: neither process sees any of it.
			bad := edit
			bad.Title = "Never saved"
			bad.Modules = []*skillpath.Module{{ID: tr.Modules[0].ID, Title: "Gone", MaxAttempts: 1,
				Activities: []*skillpath.Activity{{Title: "New page", Kind: skillpath.KindContent}}}}
			if err := a.UpdateTraining(ctx, &bad); skillpath.ErrorCode(err) != skillpath.ECONFLICT {
				t.Fatalf("removing a viewed page: %v, want a conflict", err)
			}
			for name, st := range map[string]interface {
				Result(context.Context, skillpath.ID) (*skillpath.EnrollmentResult, error)
			}{"a": a, "b": b} {
				r, err := st.Result(ctx, e.ID)
				must(t, err)
				if r.Modules[0].Title != "Basics, revised" {
					t.Errorf("process %s after a refused edit: module %q, want %q", name, r.Modules[0].Title, "Basics, revised")
				}
			}
		})
	}
}
