package demo_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"skillpath"
	"skillpath/demo"
	"skillpath/internal/testdb"
	"skillpath/store"
)

// TestDemoTracking: the demo organisation has results tracking for the
// Forklift training as a draft only, so its page shows real settings while
// nothing is queued for, let alone sent to, the example LRS; and it needs
// no secret key (no password).
func TestDemoTracking(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		st := testdb.Open(t, dialect, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		if _, err := demo.Load(ctx, st, "", ""); err != nil {
			t.Fatal(err)
		}
		admin := &skillpath.User{ID: 1, PlatformAdmin: true}
		list, err := st.TrackingOverview(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		var configured []store.TrackingRow
		for _, row := range list {
			if row.Configured {
				configured = append(configured, row)
			}
		}
		if len(configured) != 1 || configured[0].Title != "Forklift Operator Certification" || configured[0].Live != nil || !configured[0].UnpublishedChanges {
			t.Fatalf("configured trainings: %+v, want the Forklift training as an unpublished draft", configured)
		}
		v, err := st.LRSSettings(ctx, configured[0].TrainingID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Endpoint != demo.LRSEndpoint || v.PasswordSet || len(v.Verbs) == 0 || !slices.Contains(v.Verbs, skillpath.VerbPassed) {
			t.Errorf("the demo's draft: %+v", v)
		}
		answerEssay(t, st, configured[0].TrainingID) // learning goes on after the demo is loaded
		counts, err := st.CountOutbox(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if counts != (store.OutboxCounts{}) {
			t.Errorf("the outbox holds statements of an unpublished draft: %+v", counts)
		}
		if err := st.CheckLRSSecrets(ctx); err != nil {
			t.Errorf("the demo needs a secret key: %v", err)
		}
	})
}

// answerEssay has the demo learner in progress in the training answer its
// essay (an "answered" event the draft selects).
func answerEssay(t *testing.T, st *store.Store, trainingID skillpath.ID) {
	t.Helper()
	ctx := context.Background()
	users, _, err := st.ListUsers(ctx, store.UserFilter{Query: "learner01@demo.skillpath.test", Limit: 1})
	if err != nil || len(users) != 1 {
		t.Fatalf("demo learner: %v", err)
	}
	list, err := st.UserEnrollments(ctx, users[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := st.FindTraining(ctx, trainingID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range list {
		if e.TrainingID == trainingID {
			if err := st.Answer(ctx, e.ID, tr.Modules[1].Activities[0].ID, "Heavy loads low."); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatal("the demo learner is not enrolled in the training")
}
