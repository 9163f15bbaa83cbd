package password

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"
)

// TestSlots: while every slot is taken, a hash waits at most maxWait and
// answers ErrBusy (or the context's error when it ends first); once a slot
// is free, it runs.
func TestSlots(t *testing.T) {
	ctx := context.Background()
	h, err := Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if cap(slots) != runtime.GOMAXPROCS(0) {
		t.Errorf("%d slots, want GOMAXPROCS = %d", cap(slots), runtime.GOMAXPROCS(0))
	}
	defer func(w time.Duration) { maxWait = w }(maxWait)
	maxWait = 50 * time.Millisecond
	for range cap(slots) {
		slots <- struct{}{}
	}
	if _, err := Check(ctx, h, "correct horse"); !errors.Is(err, ErrBusy) {
		t.Errorf("Check with every slot taken: %v, want ErrBusy", err)
	}
	if _, err := Hash(ctx, "x"); !errors.Is(err, ErrBusy) {
		t.Errorf("Hash with every slot taken: %v, want ErrBusy", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	maxWait = time.Minute
	if _, err := Check(cancelled, h, "correct horse"); !errors.Is(err, context.Canceled) {
		t.Errorf("Check with an ended context: %v, want context.Canceled", err)
	}
	done := make(chan error, 1)
	go func() {
		ok, err := Check(ctx, h, "correct horse")
		if err == nil && !ok {
			err = errors.New("the right password was refused")
		}
		done <- err
	}()
	<-slots // one slot comes free while the check waits
	if err := <-done; err != nil {
		t.Errorf("Check once a slot is free: %v", err)
	}
	for range cap(slots) - 1 {
		<-slots
	}
}
