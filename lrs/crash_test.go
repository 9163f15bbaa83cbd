package lrs_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"skillpath/internal/testdb"
	"skillpath/lrs"
)

// TestCrashMidBatch kills delivery between sending a batch and recording
// the outcome — the store is closed under the worker, as when the process
// dies — and shows that a restarted process (a new store and worker on the
// same database) delivers every statement once the lease expires, whether
// the LRS never got the batch or got it and dedupes it.
func TestCrashMidBatch(t *testing.T) {
	for _, tc := range []struct {
		name            string
		lrsGotTheBatch  bool
		wantReceivedPer int
	}{
		{"the LRS never got the batch", false, 1},
		// Stored once, then sent again as a batch (409) and one by one (409 each).
		{"the LRS stored the batch", true, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, dialect string) {
				p := newPath(t, dialect)
				p.track(t, true, map[string]any{"verbs": allVerbs})
				p.learner(t, "lee@example.com").walk(t)
				p.lrs.Strict() // a statement sent again is answered 409

				p.lrs.Hang()
				w := fast(p.env.Store)
				w.Lease = 500 * time.Millisecond
				stop := run(t, w)
				select {
				case <-p.lrs.Arrived(): // claimed and sent: the outcome is not recorded yet
				case <-time.After(5 * time.Second):
					t.Fatal("the worker sent nothing")
				}
				crashed := time.Now()
				p.env.Store.Close() // the process dies: nothing more reaches the database
				if tc.lrsGotTheBatch {
					p.lrs.Release()
					p.lrs.WaitStored(t, walkStatements, 5*time.Second)
				}
				stop()
				p.lrs.Drop() // what still waits was never received

				restarted := testdb.OpenURL(t, p.env.DBURL, start)
				w2 := fast(restarted)
				w2.Lease = 500 * time.Millisecond
				run(t, w2)
				settled(t, restarted, walkStatements, 0)
				if waited := time.Since(crashed); waited < 300*time.Millisecond {
					t.Errorf("redelivered %v after the crash, before the lease expired", waited)
				}
				stored := p.lrs.Stored()
				if len(stored) != walkStatements {
					t.Fatalf("the LRS holds %d statements, want %d", len(stored), walkStatements)
				}
				for _, s := range stored {
					if n := p.lrs.Received(s["id"].(string)); n != tc.wantReceivedPer {
						t.Errorf("statement %s received %d times, want %d", s["id"], n, tc.wantReceivedPer)
					}
				}
			})
		})
	}
}

// TestTwoProcesses: two processes (two stores, each with its worker) share
// one database and deliver every statement exactly once, each training's
// statements in order.
func TestTwoProcesses(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		p := newPath(t, dialect)
		paths := []*path{p, p.another(t), p.another(t)}
		for i, q := range paths {
			q.track(t, true, map[string]any{"verbs": allVerbs})
			for j := range 4 {
				q.learner(t, fmt.Sprintf("learner%d.%d@example.com", i, j)).walk(t)
			}
		}
		total := len(paths) * 4 * walkStatements

		second := testdb.OpenURL(t, p.env.DBURL, start)
		var registries []*prometheus.Registry
		for _, st := range []*struct{ w *lrs.Worker }{{fast(p.env.Store)}, {fast(second)}} {
			reg := prometheus.NewRegistry()
			st.w.Metrics = lrs.NewMetrics(reg, st.w.Store)
			st.w.BatchSize, st.w.Concurrency = 5, 3
			registries = append(registries, reg)
			run(t, st.w)
		}
		stored := p.lrs.WaitStored(t, total, 20*time.Second)
		settled(t, second, total, 0)

		byRegistration := map[string][]string{}
		for _, s := range stored {
			if n := p.lrs.Received(s["id"].(string)); n != 1 {
				t.Errorf("statement %s received %d times", s["id"], n)
			}
			reg := s["context"].(map[string]any)["registration"].(string)
			byRegistration[reg] = append(byRegistration[reg], verbsOf([]map[string]any{s})[0])
		}
		want := []string{"started", "experienced", "progressed", "answered", "progressed", "mastered", "answered", "progressed", "passed"}
		for reg, verbs := range byRegistration {
			if !slices.Equal(verbs, want) {
				t.Errorf("attempt %s: verbs in the LRS's order %v", reg, verbs)
			}
		}
		var split []float64
		for _, reg := range registries {
			split = append(split, delivered(t, reg))
		}
		if split[0]+split[1] != float64(total) {
			t.Errorf("the processes delivered %v, want %d in all", split, total)
		}
		t.Logf("statements delivered by each process: %v", split)
	})
}

// delivered reads skillpath_lrs_statements_delivered_total from a registry.
func delivered(t *testing.T, reg *prometheus.Registry) float64 {
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "skillpath_lrs_statements_delivered_total" {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatal("no skillpath_lrs_statements_delivered_total")
	return 0
}

// TestTakeOver: of two processes sharing the database, with the workers'
// default lease and poll, the one holding a training dies mid-request; the
// other delivers its statements within 10 seconds, each once.
func TestTakeOver(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		p := newPath(t, dialect)
		p.track(t, true, map[string]any{"verbs": allVerbs})
		p.learner(t, "lee@example.com").walk(t)

		p.lrs.Hang()
		stopDying := run(t, &lrs.Worker{Store: p.env.Store})
		select {
		case <-p.lrs.Arrived(): // claimed and sent: the lease is held
		case <-time.After(10 * time.Second):
			t.Fatal("the worker sent nothing")
		}
		other := testdb.OpenURL(t, p.env.DBURL, start)
		run(t, &lrs.Worker{Store: other})

		died := time.Now()
		p.env.Store.Close() // the process dies: it renews and records nothing more
		stopDying()
		p.lrs.Drop() // its request is lost
		settled(t, other, walkStatements, 0)
		if took := time.Since(died); took > 10*time.Second {
			t.Errorf("the other process delivered %v after the first died", took)
		} else {
			t.Logf("taken over and delivered %v after the first process died", took)
		}
		for _, s := range p.lrs.Stored() {
			if n := p.lrs.Received(s["id"].(string)); n != 1 {
				t.Errorf("statement %s received %d times", s["id"], n)
			}
		}
	})
}
