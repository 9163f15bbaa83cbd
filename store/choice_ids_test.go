package store_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/testdb"
)

// TestChoiceIDsMigration: choices stored before choice ids existed get the
// ids they were always sent with, choice-1, choice-2… by position, and a
// choice added later never takes one of them (issue 10).
func TestChoiceIDsMigration(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		url := testdb.URL(t, dialect)
		st := testdb.OpenURL(t, url, time.Time{})
		tricky := []string{`say "a","b"`, `back\slash`, `","`, "d"}
		tr := &skillpath.Training{Title: "Forklift", Modules: []*skillpath.Module{{Title: "Quiz", MaxAttempts: 1, Activities: []*skillpath.Activity{
			{Title: "Tricky", Kind: skillpath.KindChoice, Points: 1, Choices: tricky, Correct: &tricky[2]},
			{Title: "Plain", Kind: skillpath.KindChoice, Points: 1, Choices: []string{"x", "y"}, Correct: ptr("y")},
			{Title: "Essay", Kind: skillpath.KindText, Points: 1, ManualScoring: true},
		}}}}
		if err := st.CreateTraining(ctx, tr); err != nil {
			t.Fatal(err)
		}
		up := st.Schema(migrationUp(t, "migrations/00010_choice_ids.sql"))
		st.Close()

		// The database as it was before migration 10, then migration 10's
		// Up run on it (later migrations stay applied: goose refuses to
		// apply an older one after them).
		raw := testdb.Raw(t, url)
		// (migration 15's index on passed_at goes first, and comes back after)
		for _, q := range []string{`ALTER TABLE activities DROP COLUMN choice_ids`, `ALTER TABLE activities DROP COLUMN choice_seq`,
			`DROP INDEX enrollments_one_live`, `ALTER TABLE enrollments DROP COLUMN passed_at`} {
			if _, err := raw.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if _, err := raw.Exec(up); err != nil {
			t.Fatalf("migration 10: %v", err)
		}
		if _, err := raw.Exec(`CREATE UNIQUE INDEX enrollments_one_live ON enrollments (session_id, user_id)
			WHERE deleted_at IS NULL AND auto_reenrolled = FALSE AND passed_at IS NULL`); err != nil {
			t.Fatal(err)
		}
		raw.Close()
		st = testdb.OpenURL(t, url, time.Time{})
		got, err := st.FindTraining(ctx, tr.ID)
		if err != nil {
			t.Fatal(err)
		}
		acts := got.Modules[0].Activities
		if !slices.Equal(acts[0].ChoiceIDs, []string{"choice-1", "choice-2", "choice-3", "choice-4"}) || !slices.Equal(acts[0].Choices, tricky) {
			t.Errorf("tricky choices after the migration: %q %q", acts[0].Choices, acts[0].ChoiceIDs)
		}
		if !slices.Equal(acts[1].ChoiceIDs, []string{"choice-1", "choice-2"}) {
			t.Errorf("plain choices after the migration: %q", acts[1].ChoiceIDs)
		}
		if acts[2].ChoiceIDs != nil {
			t.Errorf("a text question has choice ids: %q", acts[2].ChoiceIDs)
		}

		// The last choice removed, another added: it is choice-5, not choice-4.
		acts[0].Choices, acts[0].ChoiceIDs = []string{tricky[2], tricky[0], tricky[1], "e"}, nil
		if err := st.UpdateTraining(ctx, got); err != nil {
			t.Fatal(err)
		}
		if got, err = st.FindTraining(ctx, tr.ID); err != nil {
			t.Fatal(err)
		}
		if ids := got.Modules[0].Activities[0].ChoiceIDs; !slices.Equal(ids, []string{"choice-3", "choice-1", "choice-2", "choice-5"}) {
			t.Errorf("choice ids after an edit: %q", ids)
		}
	})
}

// migrationUp is the Up section of a migration file, to run again by hand.
func migrationUp(t *testing.T, file string) string {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	up, ok := strings.CutPrefix(string(b)[strings.Index(string(b), "-- +goose Up"):], "-- +goose Up")
	if !ok {
		t.Fatalf("%s has no Up section", file)
	}
	up, _, _ = strings.Cut(up, "-- +goose Down")
	return up
}
