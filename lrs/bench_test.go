package lrs_test

import (
	"context"
	"fmt"
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
// loopback (figures in docs/API-LRS.md): go test -run '^$' -bench Delivery -benchtime 1x ./lrs
func BenchmarkDelivery(b *testing.B) {
	const learners, activities = 20, 50
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			total := 0
			var spent time.Duration
			for range b.N {
				b.StopTimer()
				st := testdb.Open(b, dialect, start)
				stand := lrstest.Start(b)
				n := fill(b, st, stand.URL, learners, activities)
				w := &lrs.Worker{Store: st, Poll: 5 * time.Millisecond}
				ctx, cancel := context.WithCancel(context.Background())
				b.StartTimer()
				began := time.Now()
				go w.Run(ctx)
				stand.WaitStored(b, n, 2*time.Minute)
				spent += time.Since(began)
				b.StopTimer()
				cancel()
				total += n
			}
			b.ReportMetric(float64(total)/spent.Seconds(), "statements/s")
		})
	}
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
