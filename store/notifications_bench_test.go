package store_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/testdb"
	"skillpath/store"
	"skillpath/synthetic"
)

// BenchmarkNotifySweep times the notification sweep (SPEC §7: reminders,
// expiry notices, webhook events, the Monday digest) on a generated
// organisation of SKILLPATH_BENCH_LEARNERS learners (2,000 unless set), on
// each database: 60 daily sweeps from a Monday 08:30 (nine Monday
// digests), each run twice — the second writes nothing (the unique keys).
// The floor is reading the same window of certificate_learners alone; the
// ratio to it is printed. docs/PERFORMANCE.md has the figures of
//
//	SKILLPATH_BENCH_LEARNERS=100000 go test ./store -run '^$' -bench NotifySweep -benchtime 1x -timeout 60m
func BenchmarkNotifySweep(b *testing.B) {
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("SKILLPATH_BENCH_LEARNERS")); err == nil && v > 0 {
		n = v
	}
	monday := time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC) // the generator's "now" is 2026-11-22
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			dir := b.TempDir()
			address, drop, err := testdb.Create(dialect, dir)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(drop)
			st, err := store.Open(context.Background(), address, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			st.Now = skillpath.FixedClock(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
			if _, err := synthetic.Generate(context.Background(), st, synthetic.Options{Learners: n, Seed: 1}); err != nil {
				b.Fatal(err)
			}
			st.Mail = true
			st.Now = skillpath.FixedClock(monday)
			raw := testdb.Raw(b, address)
			const days = 60
			var floor, first, again, worst time.Duration
			var written, considered int
			for b.Loop() {
				if _, err := raw.Exec(`DELETE FROM notifications`); err != nil {
					b.Fatal(err)
				}
				written, considered, worst = 0, 0, 0
				for day := range days {
					now := monday.AddDate(0, 0, day)
					st.Now = skillpath.FixedClock(now)
					t0 := time.Now()
					var k int
					if err := raw.QueryRow(`SELECT COUNT(*) FROM certificate_learners cl JOIN certificates c ON c.id = cl.certificate_id
						WHERE cl.user_deleted = FALSE AND cl.expires_at > $1 AND cl.expires_at <= $2`,
						now.AddDate(0, 0, -9).UnixMilli(), now.AddDate(0, 0, 32).UnixMilli()).Scan(&k); err != nil {
						b.Fatal(err)
					}
					floor += time.Since(t0)
					t1 := time.Now()
					res, err := st.NotifySweep(context.Background())
					if err != nil {
						b.Fatal(err)
					}
					d := time.Since(t1)
					first, worst = first+d, max(worst, d)
					written, considered = written+res.Written, considered+res.Considered
					t2 := time.Now()
					res, err = st.NotifySweep(context.Background())
					if err != nil {
						b.Fatal(err)
					}
					again += time.Since(t2)
					if res.Written != 0 {
						b.Fatalf("the second sweep of %s wrote %d rows", now, res.Written)
					}
				}
			}
			sweeps := time.Duration(b.N * days)
			b.ReportMetric(float64(written), "rows")
			b.ReportMetric(float64(first/sweeps)/1e6, "ms/sweep")
			b.ReportMetric(float64(again/sweeps)/1e6, "ms/again")
			b.Logf("%s, %d learners, %d daily sweeps from Monday 2026-11-23 08:30 UTC: %d rows written, %.0f certificates read per sweep; "+
				"a sweep %v (worst %v), run again the same day %v writing none; floor (the window read alone) %v, ratio %.1f",
				dialect, n, days, written, float64(considered)/days, (first / sweeps).Round(time.Microsecond), worst.Round(time.Microsecond),
				(again / sweeps).Round(time.Microsecond), (floor / sweeps).Round(time.Microsecond), float64(first)/float64(max(floor, 1)))
		})
	}
}
