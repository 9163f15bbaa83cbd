package load_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"syscall"
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
			res, err := load.Run(ctx, cfg, f)
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
			// which learner retook how often depends on scheduling; every
			// retake counted is one attempt more for one of them
			taken := 0
			for _, l := range f.Learners {
				e.WithToken(l.Token).Must(200, "GET", "/api/v1/enrollments/"+l.EnrollmentID, nil, &r)
				taken += r.Modules[0].Attempt - 1
			}
			if taken != res.Retakes {
				t.Errorf("the learners' attempts say %d retakes, the run counted %d", taken, res.Retakes)
			}
		})
	}
}

// BenchmarkLearnerAnswers is the first row of docs/PERFORMANCE.md: 64
// learners (SKILLPATH_LOAD_LEARNERS) answer over HTTP on loopback against
// the real server; beside it, the floor of the same database measured in
// the same run (SQLite: insert + update + insert transactions through the
// same driver and settings; PostgreSQL: pgbench -N), in five rounds of
// floor then answers. It reports answers/s, the floor and the median
// round's ratio. Run with e.g. -benchtime 20000x.
func BenchmarkLearnerAnswers(b *testing.B) {
	learners := envInt("SKILLPATH_LOAD_LEARNERS", 64)
	const rounds = 5
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
			dir := b.TempDir()
			// Beside the rates, the process's CPU time per floor
			// transaction and per answer (client included): steadier than
			// wall-clock rates when other work shares the machine.
			var floorCPU, floorN, answerCPU, answerN float64
			floor := func(ctx context.Context) (float64, error) {
				before := cpuTime()
				var tps float64
				var err error
				if dialect == "sqlite" {
					tps, err = load.SQLiteFloor(ctx, dir, learners, time.Second)
					floorCPU += (cpuTime() - before).Seconds()
					floorN += tps // one second each
				} else {
					tps, _, err = load.PostgresFloor(ctx, testdb.PostgresURL(), learners, time.Second)
				}
				return tps, err
			}
			b.Run(fmt.Sprintf("learners=%d", learners), func(b *testing.B) {
				cfg.Answers = max(b.N/rounds, learners)
				list, err := load.Compare(ctx, rounds, floor, func(ctx context.Context) (load.Result, error) {
					before := cpuTime()
					r, err := load.Run(ctx, cfg, f)
					answerCPU += (cpuTime() - before).Seconds()
					answerN += float64(r.Answers)
					return r, err
				})
				if err != nil {
					b.Fatal(err)
				}
				m := load.Median(list)
				b.ReportMetric(m.Result.PerSecond(), "answers/s")
				b.ReportMetric(m.Floor, "floor/s")
				b.ReportMetric(m.Ratio(), "ratio")
				for i, r := range list {
					b.Logf("%s round %d: %.0f answers/s, floor %.0f/s, ratio %.2f", dialect, i+1, r.Result.PerSecond(), r.Floor, r.Ratio())
				}
				if floorN > 0 && answerN > 0 {
					perFloor, perAnswer := floorCPU/floorN*1e6, answerCPU/answerN*1e6
					b.ReportMetric(perFloor/perAnswer, "cpu-ratio")
					b.Logf("%s CPU time: %.0f µs per floor transaction, %.0f µs per answer (client included): ratio %.2f",
						dialect, perFloor, perAnswer, perFloor/perAnswer)
				}
			})
		})
	}
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
