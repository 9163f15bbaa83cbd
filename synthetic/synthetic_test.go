package synthetic_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"skillpath"
	"skillpath/internal/testdb"
	"skillpath/status"
	"skillpath/store"
	"skillpath/synthetic"
)

var now = time.Date(2026, 11, 22, 9, 30, 0, 0, time.UTC)

func TestGenerate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		url := testdb.URL(t, dialect)
		st := testdb.OpenURL(t, url, now)
		db := testdb.Raw(t, url)
		sum, err := synthetic.Generate(ctx, st, synthetic.Options{Learners: 1000, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Learners != 1000 || sum.Paths != 5 || sum.Enrollments < 4000 || sum.Awards == 0 || sum.Reenrollments == 0 {
			t.Errorf("summary %+v: want 1000 learners, 5 paths, about five enrollments each, certificates and re-enrollments", sum)
		}

		t.Run("stored statuses match the facts", func(t *testing.T) {
			mismatches, err := st.CheckStatuses(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range mismatches[:min(len(mismatches), 5)] {
				t.Errorf("enrollment %s: stored %s (score %v), facts say %s (score %v)", m.EnrollmentID, m.Stored, m.StoredScore, m.Computed, m.Score)
			}
		})
		t.Run("certificate_learners matches the facts", func(t *testing.T) {
			diff, err := st.CheckCertificateLearners(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(diff) > 0 {
				t.Errorf("%d rows differ from the facts, e.g. %+v", len(diff), diff[0])
			}
			if count(t, db, `SELECT COUNT(*) FROM certificate_learners`) == 0 {
				t.Error("no learner of any certificate")
			}
		})
		t.Run("every automatic re-enrollment is already made", func(t *testing.T) {
			n, err := st.Reenroll(ctx, store.DefaultReenrollLead)
			if err != nil || n != 0 {
				t.Errorf("the sweep enrolled %d learners (%v); want 0", n, err)
			}
		})
		t.Run("a realistic mix", func(t *testing.T) {
			for _, s := range []status.Training{status.TrainingPrerequisitesPending, status.TrainingApprovalPending, status.TrainingNotStarted,
				status.TrainingStarted, status.TrainingAwaitingScoring, status.TrainingPassed, status.TrainingFailed} {
				if n := count(t, db, `SELECT COUNT(*) FROM enrollments WHERE deleted_at IS NULL AND status = $1`, string(s)); n == 0 {
					t.Errorf("no live enrollment is %s", s)
				}
			}
			at := now.UnixMilli()
			soon := now.Add(status.ExpiringSoonWindow).UnixMilli()
			for what, q := range map[string]string{
				"deleted user":                 `SELECT COUNT(*) FROM users WHERE deleted_at IS NOT NULL`,
				"deleted enrollment":           `SELECT COUNT(*) FROM enrollments WHERE deleted_at IS NOT NULL`,
				"deleted session":              `SELECT COUNT(*) FROM sessions WHERE deleted_at IS NOT NULL`,
				"archived session":             `SELECT COUNT(*) FROM sessions WHERE archived_at IS NOT NULL`,
				"automatic re-enrollment":      `SELECT COUNT(*) FROM enrollments WHERE auto_reenrolled = TRUE`,
				"expired certificate":          fmt.Sprintf(`SELECT COUNT(*) FROM awards WHERE expires_at <= %d`, at),
				"certificate expiring soon":    fmt.Sprintf(`SELECT COUNT(*) FROM awards WHERE expires_at > %d AND expires_at <= %d`, at, soon),
				"valid certificate":            fmt.Sprintf(`SELECT COUNT(*) FROM awards WHERE expires_at > %d`, soon),
				"certificate without validity": `SELECT COUNT(*) FROM certificates WHERE validity_months IS NULL`,
				"certificate granted by no path": `SELECT COUNT(*) FROM certificates c
					WHERE NOT EXISTS (SELECT 1 FROM training_certificates tc WHERE tc.certificate_id = c.id)`,
				"group three levels down": `SELECT COUNT(*) FROM group_tree WHERE depth = 3`,
				"region field":            `SELECT COUNT(DISTINCT value) FROM user_fields WHERE key = 'region'`,
				"job field":               `SELECT COUNT(DISTINCT value) FROM user_fields WHERE key = 'job'`,
				"group admin":             `SELECT COUNT(*) FROM group_staff WHERE role = 'admin'`,
				"coach":                   `SELECT COUNT(*) FROM group_staff WHERE role = 'coach'`,
				"instructor":              `SELECT COUNT(*) FROM training_staff WHERE role = 'instructor'`,
				"author":                  `SELECT COUNT(*) FROM training_staff WHERE role = 'author'`,
			} {
				if count(t, db, q) == 0 {
					t.Errorf("no %s", what)
				}
			}
		})
		t.Run("attempt UUIDs are version 7, in the order of the enrollments", func(t *testing.T) {
			rows, err := db.Query(`SELECT attempt_uuid FROM enrollments WHERE attempt_uuid IS NOT NULL ORDER BY id`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			last, n := "", 0
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				u, err := uuid.Parse(s)
				if err != nil || u.Version() != 7 || u.Variant() != uuid.RFC4122 || u.String() != s {
					t.Fatalf("attempt %q: %v, version %d, variant %s; want a canonical version 7 UUID", s, err, u.Version(), u.Variant())
				}
				if sec, _ := u.Time().UnixTime(); sec != now.Unix() {
					t.Errorf("attempt %s: time %d, want the generator's clock %d", s, sec, now.Unix())
				}
				if s <= last {
					t.Fatalf("attempt %s after %s: want each greater than the one before", s, last)
				}
				last, n = s, n+1
			}
			if err := rows.Err(); err != nil || n < 1000 {
				t.Errorf("%d attempts (%v); want more than 1,000", n, err)
			}
		})
		t.Run("the admin can log in", func(t *testing.T) {
			if _, err := st.Login(ctx, synthetic.DefaultAdminEmail, synthetic.DefaultAdminPassword); err != nil {
				t.Error(err)
			}
		})
		t.Run("refuses a database that is not empty", func(t *testing.T) {
			_, err := synthetic.Generate(ctx, st, synthetic.Options{Learners: 10, Seed: 7})
			if skillpath.ErrorCode(err) != skillpath.ECONFLICT {
				t.Errorf("second generation: %v, want a conflict", err)
			}
		})
		t.Run("new rows get new ids", func(t *testing.T) {
			g := &skillpath.Group{Name: "Added later"}
			if err := st.CreateGroup(ctx, g); err != nil {
				t.Fatal(err)
			}
			if int(g.ID) <= sum.Groups {
				t.Errorf("new group id %s collides with generated ones (%d groups)", g.ID, sum.Groups)
			}
		})
	})
}

func TestGenerateIsDeterministic(t *testing.T) {
	ctx := context.Background()
	digest := func(seed uint64) string {
		url := testdb.URL(t, "sqlite")
		st := testdb.OpenURL(t, url, now)
		if _, err := synthetic.Generate(ctx, st, synthetic.Options{Learners: 200, Seed: seed}); err != nil {
			t.Fatal(err)
		}
		db := testdb.Raw(t, url)
		h := sha256.New()
		for _, q := range []string{
			`SELECT id, email, name, registered_at, deleted_at FROM users ORDER BY id`,
			`SELECT user_id, key, value FROM user_fields ORDER BY user_id, key`,
			`SELECT id, session_id, user_id, enrolled_at, status, score, attempt_uuid, deleted_at FROM enrollments ORDER BY id`,
			`SELECT id, enrollment_id, certificate_id, delivered_at, expires_at FROM awards ORDER BY id`,
		} {
			rows, err := db.Query(q)
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				fmt.Fprintln(h, vals...)
			}
			rows.Close()
		}
		return fmt.Sprintf("%x", h.Sum(nil))
	}
	a, b, c := digest(3), digest(3), digest(4)
	if a != b {
		t.Error("two generations with seed 3 differ")
	}
	if a == c {
		t.Error("seeds 3 and 4 give the same organisation")
	}
}

func count(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
