package lrs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/lrstest"
	"skillpath/internal/testdb"
	"skillpath/lrs"
	"skillpath/store"
)

// BenchmarkDelivery measures how fast the worker empties an outbox of
// learners × (activities × 2 + 2) statements into the stand-in LRS on
// loopback (figures in docs/API-LRS.md and docs/PERFORMANCE.md), and, as
// the floor of the same round, how fast the same statements go to a fresh
// stand-in as pre-built batches of 50 posted one after the other, with no
// store work:
//
//	go test -run '^$' -bench Delivery -benchtime 10x ./lrs
//
// x_floor is the median over rounds of the worker's rate over the floor's
// (1: as fast as posting pre-built batches); cpu_x_floor the median of the
// process's CPU time per statement of the floor over the worker's (the
// stand-in LRS, in this process, is counted in both). The machine is
// shared: absolute rates are printed for reading, the ratios are the
// figures. SKILLPATH_LRS_BATCH and SKILLPATH_LRS_CLAIM set the worker's
// BatchSize and ClaimSize (0: its defaults), to compare settings.
func BenchmarkDelivery(b *testing.B) {
	const learners, activities = 20, 50
	batch, claim := envInt(b, "SKILLPATH_LRS_BATCH"), envInt(b, "SKILLPATH_LRS_CLAIM")
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			total := 0
			var spent, floor time.Duration
			var ratios, cpuRatios []float64
			for range b.N {
				b.StopTimer()
				st := testdb.Open(b, dialect, start)
				stand := lrstest.Start(b)
				n := fill(b, st, stand.URL, learners, activities)
				w := &lrs.Worker{Store: st, Poll: 5 * time.Millisecond, BatchSize: batch, ClaimSize: claim}
				ctx, cancel := context.WithCancel(context.Background())
				b.StartTimer()
				cpu := cpuTime(b)
				began := time.Now()
				go w.Run(ctx)
				stand.WaitStored(b, n, 2*time.Minute)
				took := time.Since(began)
				cpu = cpuTime(b) - cpu
				b.StopTimer()
				cancel()
				floorCPU := cpuTime(b)
				floorTook := postBatches(b, stand.Stored(), 50)
				floorCPU = cpuTime(b) - floorCPU
				spent += took
				floor += floorTook
				total += n
				ratios = append(ratios, floorTook.Seconds()/took.Seconds())
				cpuRatios = append(cpuRatios, floorCPU.Seconds()/cpu.Seconds())
			}
			b.ReportMetric(float64(total)/spent.Seconds(), "statements/s")
			b.ReportMetric(float64(total)/floor.Seconds(), "floor_statements/s")
			b.ReportMetric(median(ratios), "x_floor")
			b.ReportMetric(median(cpuRatios), "cpu_x_floor")
		})
	}
}

// cpuTime is the process's user and system time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(list []float64) float64 {
	s := slices.Clone(list)
	slices.Sort(s)
	return s[len(s)/2]
}

func envInt(b *testing.B, name string) int {
	v := os.Getenv(name)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		b.Fatalf("%s: %v", name, err)
	}
	return n
}

// postBatches posts statements, built into batches beforehand, to a fresh
// stand-in LRS one batch after the other, and returns how long that took.
func postBatches(b *testing.B, statements []map[string]any, size int) time.Duration {
	var batches [][]byte
	for i := 0; i < len(statements); i += size {
		body, err := json.Marshal(statements[i:min(i+size, len(statements))])
		must(b, err)
		batches = append(batches, body)
	}
	stand := lrstest.Start(b)
	client := &http.Client{Timeout: 30 * time.Second}
	began := time.Now()
	for _, body := range batches {
		req, err := http.NewRequest(http.MethodPost, stand.URL+"/statements", bytes.NewReader(body))
		must(b, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Experience-API-Version", "1.0.3")
		resp, err := client.Do(req)
		must(b, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("the stand-in answered %s", resp.Status)
		}
	}
	return time.Since(began)
}

// fill has learners each view every content page of one training with
// every verb tracked, and returns how many statements that wrote.
func fill(b *testing.B, st *store.Store, endpoint string, learners, activities int) int {
	ctx := context.Background()
	m := &skillpath.Module{Title: "Pages", MaxAttempts: 1}
	for i := range activities {
		m.Activities = append(m.Activities, &skillpath.Activity{Title: fmt.Sprintf("Page %d", i), Kind: skillpath.KindContent})
	}
	tr := &skillpath.Training{Title: "Reading", Modules: []*skillpath.Module{m}}
	must(b, st.CreateTraining(ctx, tr))
	_, err := st.SetLRSDraft(ctx, tr.ID, store.LRSInput{Endpoint: endpoint, Verbs: skillpath.Verbs})
	must(b, err)
	_, err = st.PublishTraining(ctx, tr.ID)
	must(b, err)
	se := &skillpath.Session{TrainingID: tr.ID, Name: "All", StartsAt: start.AddDate(0, -1, 0)}
	must(b, st.CreateSession(ctx, se))
	for i := range learners {
		u := &skillpath.User{Email: fmt.Sprintf("l%d@example.com", i), Name: fmt.Sprintf("Learner %d", i)}
		must(b, st.CreateUser(ctx, u, ""))
		e, err := st.Enroll(ctx, se.ID, u.ID, u.ID, false)
		must(b, err)
		must(b, st.Start(ctx, e.ID))
		for _, a := range m.Activities {
			must(b, st.View(ctx, e.ID, a.ID))
		}
	}
	c, err := st.CountOutbox(ctx, 0)
	must(b, err)
	if want := learners * (2*activities + 2); c.Pending != want {
		b.Fatalf("%d statements pending, want %d", c.Pending, want)
	}
	return c.Pending
}

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}
