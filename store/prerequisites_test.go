package store_test

import (
	"context"
	"testing"

	"skillpath"
	"skillpath/internal/testdb"
	"skillpath/status"
)

// TestPrerequisiteCascade: passing a prerequisite changes the learner's
// other enrollments at once, and deleting that pass (its enrollment or its
// session) changes them back; stored statuses always equal the facts.
func TestPrerequisiteCascade(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		w := newCertWorld(t, dialect, at("2026-01-10T09:00:00Z"), ptr(12), false)
		st := w.st
		next := &skillpath.Training{Title: "Next", PrerequisiteIDs: []skillpath.ID{w.training.ID}, Modules: []*skillpath.Module{
			{Title: "M", MaxAttempts: 1, Activities: []*skillpath.Activity{{Title: "Page", Kind: skillpath.KindContent}}}}}
		must(t, st.CreateTraining(ctx, next))
		se := &skillpath.Session{TrainingID: next.ID, Name: "S", StartsAt: at("2026-01-01T00:00:00Z")}
		must(t, st.CreateSession(ctx, se))
		dependent, err := st.Enroll(ctx, se.ID, w.learner, w.learner, false)
		must(t, err)

		expect := func(step string, want status.Training) {
			t.Helper()
			r, err := st.Result(ctx, dependent.ID)
			must(t, err)
			if r.Status != want {
				t.Fatalf("%s: the dependent enrollment is %s, want %s", step, r.Status, want)
			}
			mismatches, err := st.CheckStatuses(ctx)
			must(t, err)
			if len(mismatches) > 0 {
				t.Fatalf("%s: stored statuses differ from the facts: %+v", step, mismatches)
			}
		}
		expect("before the prerequisite", status.TrainingPrerequisitesPending)
		w.pass(t, w.enrollment)
		expect("after passing the prerequisite", status.TrainingNotStarted)
		must(t, st.DeleteEnrollment(ctx, w.enrollment))
		expect("after deleting the pass", status.TrainingPrerequisitesPending)

		again, err := st.Enroll(ctx, w.session.ID, w.learner, w.learner, false)
		must(t, err)
		w.pass(t, again.ID)
		expect("after passing again", status.TrainingNotStarted)
		st.Now = skillpath.FixedClock(at("2028-01-01T00:00:00Z"))
		expect("once the pass has expired (it still counts)", status.TrainingNotStarted)
		must(t, st.DeleteSession(ctx, w.session.ID))
		expect("after deleting the session of the pass", status.TrainingPrerequisitesPending)
	})
}
