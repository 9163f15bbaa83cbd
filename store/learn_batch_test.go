package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/testdb"
	"skillpath/store"
)

// TestBatchedActionsStandAlone runs learning actions that queue together
// for the one SQLite writer (learn_batch.go) — while a write transaction
// holds it — and checks that they are committed in a batch, that each
// caller gets its own answer, that an action failing after its writes
// leaves nothing behind while the others of its batch commit, and that the
// stored statuses match the facts afterwards. PostgreSQL does not batch.
func TestBatchedActionsStandAlone(t *testing.T) {
	ctx := context.Background()
	now := at("2026-05-04T09:00:00Z")
	st := testdb.Open(t, "sqlite", now)

	g := &skillpath.Group{Name: "G"}
	must(t, st.CreateGroup(ctx, g))
	tr := &skillpath.Training{Title: "Drill", Modules: []*skillpath.Module{{Title: "M", Activities: []*skillpath.Activity{
		{Title: "Q1", Kind: skillpath.KindChoice, Points: 1, Choices: []string{"no", "yes"}, Correct: ptr("yes")},
		{Title: "Q2", Kind: skillpath.KindChoice, Points: 1, Choices: []string{"no", "yes"}, Correct: ptr("yes")},
	}}}}
	must(t, st.CreateTraining(ctx, tr))
	s := &skillpath.Session{TrainingID: tr.ID, Name: "S", StartsAt: now.Add(-time.Hour)}
	must(t, st.CreateSession(ctx, s))
	const learners = 24
	enrollments := make([]skillpath.ID, learners)
	for i := range enrollments {
		u := &skillpath.User{Email: fmt.Sprintf("l%d@example.com", i), Name: fmt.Sprintf("L%d", i), GroupIDs: []skillpath.ID{g.ID}}
		must(t, st.CreateUser(ctx, u, ""))
		e, err := st.Enroll(ctx, s.ID, u.ID, u.ID, false)
		must(t, err)
		must(t, st.Start(ctx, e.ID))
		enrollments[i] = e.ID
	}

	// Every third learner's answer fails after it was written.
	failing := map[skillpath.ID]bool{}
	for i, id := range enrollments {
		failing[id] = i%3 == 0
	}
	var panicking skillpath.ID
	errFault := errors.New("fault injected after the writes")
	store.FailBatchedActions(t, func(id skillpath.ID, _ store.Act) error {
		if id == panicking {
			panic("injected bug")
		}
		if failing[id] {
			return errFault
		}
		return nil
	})

	// round answers question q of every learner at once, behind a held
	// writer, and checks each learner's answer and what was stored.
	round := func(q int) {
		t.Helper()
		activity := tr.Modules[0].Activities[q].ID
		release := st.HoldWriter(ctx)
		errs := make([]error, learners)
		var wg sync.WaitGroup
		for i, id := range enrollments {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() {
					if p := recover(); p != nil {
						errs[i] = fmt.Errorf("panic: %v", p)
					}
				}()
				// an unknown activity: refused before any write, in the batch too
				if i == 1 {
					_, errs[i] = st.Learn(ctx, id, nil, nil, store.Act{Kind: store.ActAnswer, ActivityID: 999999, Response: "yes"})
					return
				}
				_, errs[i] = st.Learn(ctx, id, nil, nil, store.Act{Kind: store.ActAnswer, ActivityID: activity, Response: "yes"})
			}()
		}
		// Let the actions queue behind the held writer, then let them run.
		time.Sleep(300 * time.Millisecond)
		release()
		wg.Wait()

		for i, id := range enrollments {
			r, err := st.Result(ctx, id)
			must(t, err)
			a := r.Modules[0].Activities[q]
			answered := a.Response != nil
			switch {
			case id == panicking:
				if errs[i] == nil || errs[i].Error() != "panic: injected bug" {
					t.Errorf("question %d, learner %d (a bug): %v, want its panic", q, i, errs[i])
				}
				if answered {
					t.Errorf("question %d, learner %d: the action that panicked left its answer", q, i)
				}
			case i == 1:
				if skillpath.ErrorCode(errs[i]) != skillpath.ENOTFOUND {
					t.Errorf("question %d, learner %d (unknown activity): %v, want not found", q, i, errs[i])
				}
				if answered {
					t.Errorf("question %d, learner %d: an answer was stored for a refused action", q, i)
				}
			case failing[id]:
				if !errors.Is(errs[i], errFault) {
					t.Errorf("question %d, learner %d: %v, want the injected fault", q, i, errs[i])
				}
				if answered || a.Status != "not_started" {
					t.Errorf("question %d, learner %d: the failed action left its answer (%v, %s)", q, i, answered, a.Status)
				}
			default:
				if errs[i] != nil {
					t.Errorf("question %d, learner %d: %v", q, i, errs[i])
				}
				if !answered || a.Score == nil || *a.Score != 1 {
					t.Errorf("question %d, learner %d: the answer was not stored: %+v", q, i, a)
				}
			}
		}
	}

	round(0)
	batches, largest := st.LearnBatches()
	if batches == 0 || largest < 2 {
		t.Fatalf("%d batches, the largest of %d actions: the queued actions were not batched", batches, largest)
	}
	// Learner 2's action panics (a bug): its caller panics, as a handler
	// would, and the rest of its batch is run again, alone.
	panicking = enrollments[2]
	round(1)
	panicking = 0
	// the writer is free again after the panic
	must(t, st.Answer(ctx, enrollments[2], tr.Modules[0].Activities[1].ID, "yes"))

	mismatches, err := st.CheckStatuses(ctx)
	must(t, err)
	if len(mismatches) > 0 {
		t.Errorf("stored statuses differ from the facts: %+v", mismatches)
	}
}

// TestBatchMeetsLockHeldElsewhere queues actions in a process while
// another process holds SQLite's write lock past the busy timeout: the
// batch cannot begin, and every action of it answers "unavailable" at
// once, instead of each being tried again alone after another wait.
func TestBatchMeetsLockHeldElsewhere(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := at("2026-05-04T09:00:00Z")
	url := testdb.URL(t, "sqlite")
	st := testdb.OpenURL(t, url, now)
	other := testdb.OpenURL(t, url, now) // another process
	g := &skillpath.Group{Name: "G"}
	must(t, st.CreateGroup(ctx, g))
	tr := &skillpath.Training{Title: "T", Modules: []*skillpath.Module{{Title: "M", Activities: []*skillpath.Activity{
		{Title: "Q", Kind: skillpath.KindChoice, Points: 1, Choices: []string{"no", "yes"}, Correct: ptr("yes")}}}}}
	must(t, st.CreateTraining(ctx, tr))
	s := &skillpath.Session{TrainingID: tr.ID, Name: "S", StartsAt: now.Add(-time.Hour)}
	must(t, st.CreateSession(ctx, s))
	var enrollments []skillpath.ID
	for i := range 4 {
		u := &skillpath.User{Email: fmt.Sprintf("l%d@example.com", i), Name: fmt.Sprintf("L%d", i), GroupIDs: []skillpath.ID{g.ID}}
		must(t, st.CreateUser(ctx, u, ""))
		e, err := st.Enroll(ctx, s.ID, u.ID, u.ID, false)
		must(t, err)
		must(t, st.Start(ctx, e.ID))
		enrollments = append(enrollments, e.ID)
	}

	release := other.HoldWriter(ctx)
	defer release()
	begun := time.Now()
	errs := make([]error, len(enrollments))
	took := make([]time.Duration, len(enrollments))
	var wg sync.WaitGroup
	for i, id := range enrollments {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = st.Learn(ctx, id, nil, nil, store.Act{Kind: store.ActAnswer, ActivityID: tr.Modules[0].Activities[0].ID, Response: "yes"})
			took[i] = time.Since(begun)
		}()
	}
	wg.Wait()
	var longest time.Duration
	for i := range enrollments {
		if !store.IsUnavailable(errs[i]) {
			t.Errorf("action %d: %v, want the database unavailable (locked)", i, errs[i])
		}
		longest = max(longest, took[i])
	}
	// The first batch (one action, or several) waits out one busy timeout
	// (10 s); the next batch another. Tried again alone, the actions
	// would wait one more each.
	if longest > 25*time.Second {
		t.Errorf("the last action answered after %v: the waits added up", longest)
	}
}
