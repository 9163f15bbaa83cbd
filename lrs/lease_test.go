package lrs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"skillpath/internal/testdb"
	"skillpath/store"
)

// TestLeaseFence: a claim holds its training until its lease ends, and
// renewing moves that end; once the lease has expired and another worker
// has claimed the training, the first can neither renew nor record
// anything — not even refusals that would park what the new holder is
// delivering — and the new holder's outcome stands.
func TestLeaseFence(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		p := newPath(t, dialect)
		pendingThree(t, p)
		st, ctx := p.env.Store, context.Background()

		first, err := st.ClaimStatements(ctx, 10, 200*time.Millisecond, nil)
		if err != nil || first == nil || len(first.Statements) != 3 {
			t.Fatalf("claim: %+v, %v", first, err)
		}
		if _, err := st.RenewLease(ctx, first, 400*time.Millisecond); err != nil {
			t.Fatalf("renewing a held lease: %v", err)
		}
		time.Sleep(250 * time.Millisecond) // past the first lease, not the renewed one
		if c, err := st.ClaimStatements(ctx, 10, time.Minute, nil); c != nil || err != nil {
			t.Fatalf("a renewed lease was claimed again: %+v, %v", c, err)
		}
		time.Sleep(200 * time.Millisecond) // the renewed lease has expired
		second, err := st.ClaimStatements(ctx, 10, time.Minute, nil)
		if err != nil || second == nil || second.TrainingID != first.TrainingID {
			t.Fatalf("claim after the lease expired: %+v, %v", second, err)
		}

		if _, err := st.RenewLease(ctx, first, time.Minute); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("renewing a lease taken over: %v, want ErrLeaseLost", err)
		}
		parked := map[int64]string{}
		for _, s := range first.Statements {
			parked[s.ID] = "stale"
		}
		if err := st.Settle(ctx, first, store.Outcome{Parked: parked}); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("settling a lease taken over: %v, want ErrLeaseLost", err)
		}
		if c, err := st.CountOutbox(ctx, 0); err != nil || c.Pending != 3 {
			t.Fatalf("after the stale settle: %+v, %v", c, err)
		}
		var ids []int64
		for _, s := range second.Statements {
			ids = append(ids, s.ID)
		}
		if err := st.Settle(ctx, second, store.Outcome{Delivered: ids}); err != nil {
			t.Fatal(err)
		}
		if c, err := st.CountOutbox(ctx, 0); err != nil || c.Delivered != 3 {
			t.Fatalf("after the holder's settle: %+v, %v", c, err)
		}
	})
}
