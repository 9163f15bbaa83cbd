package store_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"skillpath/internal/testdb"
	"skillpath/internal/testorg"
	"skillpath/report"
	"skillpath/store"
)

// certificate_learners follows every change of the facts it is derived
// from: the story enrolls, delivers, archives, deletes sessions,
// enrollments and users, and re-enrolls; here a rename, a recompute and
// the migration's backfill follow.
func TestCertificateLearnersFollowTheFacts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := newStatsEnv(t, dialect)
		ctx := context.Background()
		check := func(when string) {
			t.Helper()
			diff, err := e.st.CheckCertificateLearners(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(diff) > 0 {
				t.Errorf("%s: %d rows differ from the facts, e.g. %+v", when, len(diff), diff[0])
			}
		}
		check("after the story")

		name := "Zoe Archer"
		if _, err := e.st.UpdateUser(ctx, e.org.Users["Alice"].ID, store.UserUpdate{Name: &name}); err != nil {
			t.Fatal(err)
		}
		check("after a rename")
		rows, err := e.learners(t, report.Scope{All: true}, report.Filter{UserStatus: report.UsersActive}, testorg.FirstAid, false)
		if err != nil || len(rows) != 3 || rows[2].Name != name {
			t.Errorf("learners after the rename: %+v (%v); want Alice renamed, now last", rows, err)
		}

		if err := e.st.Recompute(ctx, nil); err != nil {
			t.Fatal(err)
		}
		check("after recompute")

		db := testdb.Raw(t, e.url)
		if _, err := db.Exec(`DELETE FROM certificate_learners`); err != nil {
			t.Fatal(err)
		}
		for _, migration := range []string{"00005_certificate_learners.sql", "00019_learner_sorting.sql"} {
			if _, err := db.Exec(backfill(t, migration)); err != nil {
				t.Fatal(err)
			}
		}
		check("after the migration's backfill")
	})
}

// backfill is the statement by which a migration fills the table.
func backfill(t *testing.T, migration string) string {
	b, err := os.ReadFile("migrations/" + migration)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok1 := strings.Cut(string(b), "-- backfill:")
	stmt, _, ok2 := strings.Cut(rest, "-- end backfill")
	_, stmt, ok3 := strings.Cut(stmt, "\n")
	if !ok1 || !ok2 || !ok3 {
		t.Fatal("the migration's backfill is not between its markers")
	}
	return strings.TrimSuffix(strings.TrimSpace(stmt), ";")
}
