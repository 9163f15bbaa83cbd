package lrs

import (
	"context"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"skillpath/store"
)

// Worker delivers the outbox's statements (SPEC §4). Any number of workers
// may run, in one process or in several sharing a PostgreSQL database:
// everything they coordinate on — leases, back-off, states — is in the
// database. Delivery is at least once; the LRS dedupes by statement id.
type Worker struct {
	Store   *store.Store
	Log     *slog.Logger
	Metrics *Metrics // nil: no metrics

	HTTP           *http.Client  // default: a client with RequestTimeout
	Concurrency    int           // trainings delivered at once by this process (default 2)
	BatchSize      int           // statements per POST (default 50)
	Lease          time.Duration // how long a claim holds a training (default 2 minutes)
	Poll           time.Duration // how often to look for work written by other processes (default 1 s)
	RequestTimeout time.Duration // one POST (default 30 s)
	MinBackoff     time.Duration // first retry delay (default 1 s), doubled per failure…
	MaxBackoff     time.Duration // …up to this (default 10 minutes)

	once sync.Once
}

func (w *Worker) defaults() {
	w.once.Do(func() {
		set := func(d *time.Duration, v time.Duration) {
			if *d <= 0 {
				*d = v
			}
		}
		set(&w.Lease, 2*time.Minute)
		set(&w.Poll, time.Second)
		set(&w.RequestTimeout, 30*time.Second)
		set(&w.MinBackoff, time.Second)
		set(&w.MaxBackoff, 10*time.Minute)
		if w.Concurrency <= 0 {
			w.Concurrency = 2
		}
		if w.BatchSize <= 0 {
			w.BatchSize = 50
		}
		if w.HTTP == nil {
			w.HTTP = &http.Client{Timeout: w.RequestTimeout}
		}
		if w.Log == nil {
			w.Log = slog.New(slog.DiscardHandler)
		}
	})
}

// Run delivers until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	w.defaults()
	var wg sync.WaitGroup
	for range w.Concurrency {
		wg.Go(func() { w.loop(ctx) })
	}
	wg.Wait()
}

func (w *Worker) loop(ctx context.Context) {
	ticker := time.NewTicker(w.Poll)
	defer ticker.Stop()
	for ctx.Err() == nil {
		worked, err := w.DeliverOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.Log.Error("LRS delivery", "error", err)
		}
		if worked && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
		case <-ticker.C:
		case <-w.Store.OutboxReady():
		}
	}
}

// DeliverOnce claims one training's due statements, sends them and records
// the outcome. It reports whether there was anything to deliver.
func (w *Worker) DeliverOnce(ctx context.Context) (bool, error) {
	w.defaults()
	c, err := w.Store.ClaimStatements(ctx, w.BatchSize, w.Lease)
	if err != nil || c == nil {
		return false, err
	}
	// Sending stops before the lease ends, so no other worker takes the
	// training over while this one still sends.
	sendCtx, cancel := context.WithDeadline(ctx, c.Until.Add(-w.Lease/5))
	o := w.deliver(sendCtx, c)
	cancel()
	if ctx.Err() != nil {
		// Shutting down (or killed): what was sent is recorded if the
		// database still answers; the rest stays leased until the lease
		// expires and is sent again then.
		o.RetryAt, o.Error = time.Time{}, ""
	}
	settleCtx, cancelSettle := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancelSettle()
	if err := w.Store.Settle(settleCtx, c, o); err != nil {
		return true, err
	}
	w.Metrics.settled(c, o, w.Store.Wall())
	if !o.RetryAt.IsZero() {
		w.Log.Warn("LRS delivery failed; retrying later", "training", c.TrainingID, "endpoint", c.Endpoint,
			"statements", len(c.Statements), "retry_at", o.RetryAt, "error", o.Error)
	}
	if len(o.Parked) > 0 {
		w.Log.Warn("LRS refused statements; parked for an admin to retry", "training", c.TrainingID, "endpoint", c.Endpoint, "parked", len(o.Parked))
	}
	return true, nil
}

// deliver sends a claim's statements: first as one batch; when the LRS
// refuses the batch for its content (400, 409, 413, 422) it cannot say
// which statement is at fault, so they are sent again one at a time, in
// order, and only the refused ones are parked. A refusal of the request
// itself (401, 403, 404…) parks the whole batch with the LRS's answer.
func (w *Worker) deliver(ctx context.Context, c *store.Claim) store.Outcome {
	o := store.Outcome{Parked: map[int64]string{}}
	if c.PasswordErr != nil {
		return w.retry(o, c, answer{message: c.PasswordErr.Error()})
	}
	url := StatementsURL(c.Endpoint)
	send := func(list []store.OutboxStatement) answer {
		raw := make([]json.RawMessage, len(list))
		for i, st := range list {
			raw[i] = st.JSON
		}
		a := post(ctx, w.HTTP, url, c.Login, c.Password, raw, w.Store.Wall())
		w.Metrics.attempted(a)
		return a
	}
	a := send(c.Statements)
	switch {
	case a.kind == stored:
		o.Delivered = rows(c.Statements)
		return o
	case a.kind == transient:
		return w.retry(o, c, a)
	case a.kind == refusedRequest:
		for _, st := range c.Statements {
			o.Parked[st.ID] = a.message
		}
		return o
	case len(c.Statements) == 1:
		return w.single(o, c.Statements[0], a)
	}
	for i, st := range c.Statements {
		a := send(c.Statements[i : i+1])
		switch a.kind {
		case transient:
			return w.retry(o, c, a) // this one and the rest stay pending, in order
		case refusedRequest:
			for _, rest := range c.Statements[i:] {
				o.Parked[rest.ID] = a.message
			}
			return o
		}
		o = w.single(o, st, a)
	}
	return o
}

// single records the answer to one statement sent alone: a 409 means the
// LRS holds that id already, which counts as delivered (SPEC §4).
func (w *Worker) single(o store.Outcome, st store.OutboxStatement, a answer) store.Outcome {
	if a.kind == stored || a.kind == conflict {
		o.Delivered = append(o.Delivered, st.ID)
	} else {
		o.Parked[st.ID] = a.message
	}
	return o
}

// retry schedules the training's next attempt: exponential back-off from
// MinBackoff, doubled per consecutive failure up to MaxBackoff, with
// jitter (between half and all of it) so that processes and trainings do
// not retry in step; never sooner than the LRS's Retry-After. Real time,
// not the business clock.
func (w *Worker) retry(o store.Outcome, c *store.Claim, a answer) store.Outcome {
	d := w.MinBackoff << min(c.Failures, 30)
	if d > w.MaxBackoff || d <= 0 {
		d = w.MaxBackoff
	}
	d = d/2 + rand.N(d/2+1)
	d = max(d, a.retryAfter)
	o.RetryAt, o.Error = w.Store.Wall().Add(d), a.message
	return o
}

func rows(list []store.OutboxStatement) []int64 {
	ids := make([]int64, len(list))
	for i, st := range list {
		ids[i] = st.ID
	}
	return ids
}
