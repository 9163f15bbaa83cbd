package load_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"skillpath/internal/apitest"
	"skillpath/internal/load"
	"skillpath/internal/testdb"
)

var now = time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)

// TestRunKeepsStatusesTrue drives a few learners through several passes of
// the module and checks that every stored status still matches the facts
// (what `skillpath recompute --check` proves), and that each answer and
// retake was counted.
func TestRunKeepsStatusesTrue(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := apitest.Start(t, dialect, now)
			ctx := context.Background()
			c := load.Client(4)
			cfg := load.Config{BaseURL: e.Server.URL, AdminToken: e.Admin.Token, Learners: 4, Questions: 5, Answers: 60}
			f, err := load.Setup(ctx, c, cfg)
			if err != nil {
				t.Fatal(err)
			}
			res, err := load.Run(ctx, c, cfg, f)
			if err != nil {
				t.Fatal(err)
			}
			if res.Answers < 60 || res.Retakes < 4 {
				t.Errorf("run: %d answers, %d retakes; want ≥ 60 and ≥ 4", res.Answers, res.Retakes)
			}
			mismatches, err := e.Store.CheckStatuses(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(mismatches) > 0 {
				t.Errorf("stored statuses differ from the facts after the load: %+v", mismatches)
			}
			var r struct {
				Status  string `json:"status"`
				Modules []struct {
					Attempt int `json:"attempt"`
				} `json:"modules"`
			}
			e.WithToken(f.Learners[0].Token).Must(200, "GET", "/api/v1/enrollments/"+f.Learners[0].EnrollmentID, nil, &r)
			if r.Modules[0].Attempt < 2 {
				t.Errorf("learner 0 is at attempt %d, want ≥ 2 after the retakes", r.Modules[0].Attempt)
			}
		})
	}
}

// BenchmarkLearnerAnswers is the first row of docs/PERFORMANCE.md: 64
// learners (SKILLPATH_LOAD_LEARNERS) answer over HTTP on loopback against
// the real server; beside it, the floor of the same database measured in
// the same run (SQLite: insert + update + insert transactions through the
// same driver and settings; PostgreSQL: pgbench -N). It reports answers/s,
// the floor and their ratio. Run with e.g. -benchtime 20000x.
func BenchmarkLearnerAnswers(b *testing.B) {
	learners := envInt("SKILLPATH_LOAD_LEARNERS", 64)
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			e := apitest.Start(b, dialect, now)
			ctx := context.Background()
			c := load.Client(learners)
			cfg := load.Config{BaseURL: e.Server.URL, AdminToken: e.Admin.Token, Learners: learners}
			f, err := load.Setup(ctx, c, cfg)
			if err != nil {
				b.Fatal(err)
			}
			floor, what, err := measureFloor(ctx, b, dialect, learners)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("learners=%d", learners), func(b *testing.B) {
				cfg.Answers = max(b.N, learners)
				res, err := load.Run(ctx, c, cfg, f)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(res.PerSecond(), "answers/s")
				b.ReportMetric(floor, "floor/s")
				b.ReportMetric(res.PerSecond()/floor, "ratio")
				b.Logf("%s: %.0f answers/s, floor (%s) %.0f/s, ratio %.2f", dialect, res.PerSecond(), what, floor, res.PerSecond()/floor)
			})
		})
	}
}

func measureFloor(ctx context.Context, b *testing.B, dialect string, workers int) (float64, string, error) {
	d := 3 * time.Second
	if dialect == "sqlite" {
		f, err := load.SQLiteFloor(ctx, b.TempDir(), workers, d)
		return f, "insert + update + insert transactions", err
	}
	return load.PostgresFloor(ctx, testdb.PostgresURL(), workers, d)
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
