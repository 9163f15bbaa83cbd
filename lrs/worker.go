package lrs

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"syscall"
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

	// HTTP is the client of the LRSs (default: one with ConnectTimeout
	// and RequestTimeout). Redirects are never followed, whatever client
	// is given.
	HTTP *http.Client
	// Control, when HTTP is nil, is asked before every connection to an
	// LRS (netguard.Guard.Control: SPEC §4's address rules at connect time).
	Control     func(network, address string, c syscall.RawConn) error
	Concurrency int           // lanes for LRSs that answer promptly (default 4)
	MaxLanes    int           // lanes in all, one more per LRS in trouble (default 64)
	SlowAfter   time.Duration // a request unanswered this long puts its LRS in trouble (default 250 ms)
	BatchSize   int           // statements per POST (default 50)
	ClaimSize   int           // statements per claim, sent BatchSize at a time (default 10 × BatchSize)
	// Extend is how long a claim goes on with its training's next pending
	// statements, ClaimSize more at a time read while its last batch is
	// sent, once it has sent all it claimed (default 1 s; negative: never).
	// A busy training then costs one claim and one settle a second instead
	// of one per ClaimSize statements; the trainings behind it wait at most
	// this long for its lane.
	Extend         time.Duration
	Lease          time.Duration // how long a claim holds a training unless renewed; renewed every third of it while sending (default 5 s)
	Poll           time.Duration // how often to look for work written by other processes (default 1 s)
	ConnectTimeout time.Duration // making a connection to an LRS (default 3 s)
	RequestTimeout time.Duration // one POST, connection included (default 30 s)
	MinBackoff     time.Duration // first retry delay (default 1 s), doubled per failure…
	MaxBackoff     time.Duration // …up to this (default 10 minutes)

	once   sync.Once
	client *http.Client
	lanes  *lanes
}

func (w *Worker) defaults() {
	w.once.Do(func() {
		set := func(d *time.Duration, v time.Duration) {
			if *d <= 0 {
				*d = v
			}
		}
		set(&w.SlowAfter, 250*time.Millisecond)
		set(&w.Lease, 5*time.Second)
		set(&w.Poll, time.Second)
		set(&w.ConnectTimeout, 3*time.Second)
		set(&w.RequestTimeout, 30*time.Second)
		set(&w.MinBackoff, time.Second)
		set(&w.MaxBackoff, 10*time.Minute)
		if w.Extend == 0 {
			w.Extend = time.Second
		}
		if w.Concurrency <= 0 {
			w.Concurrency = 4
		}
		if w.MaxLanes < w.Concurrency {
			w.MaxLanes = max(64, w.Concurrency)
		}
		if w.BatchSize <= 0 {
			w.BatchSize = 50
		}
		if w.ClaimSize < w.BatchSize {
			w.ClaimSize = 10 * w.BatchSize
		}
		client := w.HTTP
		if client == nil {
			client = NewClient(w.ConnectTimeout, w.RequestTimeout, w.Control)
		}
		w.client = withoutRedirects(client)
		w.lanes = newLanes(w.Concurrency, w.MaxLanes)
		if w.Log == nil {
			w.Log = slog.New(slog.DiscardHandler)
		}
	})
}

// Run delivers until ctx ends: it claims a training whenever a lane is
// free, and delivers each claim in its own lane.
func (w *Worker) Run(ctx context.Context) {
	w.defaults()
	var wg sync.WaitGroup
	defer wg.Wait()
	ticker := time.NewTicker(w.Poll)
	defer ticker.Stop()
	for ctx.Err() == nil {
		if w.lanes.free() {
			c, err := w.Store.ClaimStatements(ctx, w.ClaimSize, w.Lease, w.lanes.inTrouble())
			if err != nil && ctx.Err() == nil {
				w.Log.Error("LRS delivery: claim statements", "error", err)
			}
			if c != nil {
				l := w.lanes.start(c.Endpoint)
				wg.Go(func() {
					defer w.lanes.end(l)
					if err := w.work(ctx, c, l); err != nil && ctx.Err() == nil {
						w.Log.Error("LRS delivery", "training", c.TrainingID, "error", err)
					}
				})
				continue
			}
		}
		select {
		case <-ctx.Done():
		case <-ticker.C:
		case <-w.Store.OutboxReady():
		case <-w.lanes.freed:
		}
	}
}

// DeliverOnce claims one training's due statements, sends them and records
// the outcome, in the caller's goroutine. It reports whether there was
// anything to deliver.
func (w *Worker) DeliverOnce(ctx context.Context) (bool, error) {
	w.defaults()
	c, err := w.Store.ClaimStatements(ctx, w.ClaimSize, w.Lease, nil)
	if err != nil || c == nil {
		return false, err
	}
	return true, w.work(ctx, c, nil)
}

// work delivers a claim while holding its lease, then records the outcome.
func (w *Worker) work(ctx context.Context, c *store.Claim, l *lane) error {
	ls := w.hold(ctx, c)
	rec := w.record(ctx, c, ls)
	o := w.deliver(ls.ctx, c, l, rec)
	recorded := rec.wait()
	if lost := ls.release(); lost != nil {
		// Another worker holds the training now and sends these
		// statements again; recording anything could undo its work.
		w.Log.Warn("LRS delivery: lease lost; the new holder sends the statements again", "training", c.TrainingID, "error", lost)
		return nil
	}
	if ctx.Err() != nil {
		// Shutting down (or killed): what was sent is recorded if the
		// database still answers; the rest is pending, free at once.
		o.RetryAt, o.Error = time.Time{}, ""
	}
	rest := o
	rest.Delivered = slices.DeleteFunc(slices.Clone(o.Delivered), func(id int64) bool { return recorded[id] })
	settleCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := w.Store.Settle(settleCtx, c, rest); errors.Is(err, store.ErrLeaseLost) {
		w.Log.Warn("LRS delivery: lease lost before settling; the new holder sends the statements again", "training", c.TrainingID)
		return nil
	} else if err != nil {
		return err
	}
	w.Metrics.settled(c, o, w.Store.Wall())
	if !o.RetryAt.IsZero() {
		w.Log.Warn("LRS delivery failed; retrying later", "training", c.TrainingID, "endpoint", c.Endpoint,
			"statements", len(c.Statements), "retry_at", o.RetryAt, "error", o.Error)
	}
	if len(o.Parked) > 0 {
		w.Log.Warn("LRS refused statements; parked for an admin to retry", "training", c.TrainingID, "endpoint", c.Endpoint, "parked", len(o.Parked))
	}
	return nil
}

// errLeaseEnding ends sending when the lease could not be renewed (the
// database does not answer) and is about to expire.
var errLeaseEnding = errors.New("the delivery lease could not be renewed before it expires")

// lease is a claim's lease while its statements are sent. ctx ends when
// the lease is lost to another worker, or when it could not be renewed and
// four fifths of it are spent, so this worker stops sending before another
// may take the training over.
type lease struct {
	ctx           context.Context
	cancel        context.CancelCauseFunc
	stop, stopped chan struct{}

	mu   sync.Mutex
	lost error // ErrLeaseLost once the lease was taken over
}

// lose ends sending: the lease was taken over.
func (ls *lease) lose(err error) {
	ls.mu.Lock()
	if ls.lost == nil {
		ls.lost = err
	}
	ls.mu.Unlock()
	ls.cancel(err)
}

// release stops renewing and returns ErrLeaseLost when the lease was taken
// over (the outcome must then not be recorded).
func (ls *lease) release() error {
	close(ls.stop)
	<-ls.stopped
	ls.cancel(nil)
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.lost
}

// hold keeps a claim's lease, renewed every third of Lease, until release.
func (w *Worker) hold(ctx context.Context, c *store.Claim) *lease {
	ls := &lease{stop: make(chan struct{}), stopped: make(chan struct{})}
	ls.ctx, ls.cancel = context.WithCancelCause(ctx)
	margin := w.Lease / 5
	go func() {
		defer close(ls.stopped)
		renew := time.NewTicker(w.Lease / 3)
		defer renew.Stop()
		ending := time.NewTimer(c.Until.Sub(w.Store.Wall()) - margin)
		defer ending.Stop()
		for {
			select {
			case <-ls.stop:
				return
			case <-ls.ctx.Done():
				return
			case <-ending.C:
				ls.cancel(errLeaseEnding)
				return
			case <-renew.C:
				rctx, rcancel := context.WithTimeout(ls.ctx, w.Lease/3)
				until, err := w.Store.RenewLease(rctx, c, w.Lease)
				rcancel()
				switch {
				case errors.Is(err, store.ErrLeaseLost):
					ls.lose(err)
					return
				case err == nil:
					ending.Reset(until.Sub(w.Store.Wall()) - margin)
				case ls.ctx.Err() == nil:
					w.Log.Warn("LRS delivery: could not renew the lease", "training", c.TrainingID, "error", err)
				}
			}
		}
	}()
	return ls
}

// recordEvery is the least time between two records of a claim's
// delivered batches: the batches delivered meanwhile go in one
// transaction, so a fast LRS does not cost one write per batch.
const recordEvery = 50 * time.Millisecond

// recorder records a claim's delivered batches while the next ones are
// sent, in its own goroutine, at most one transaction per recordEvery;
// handing it a batch never waits. After a failure it records nothing
// more, nor once the claim's sending is over: the settle records the
// rest, in its own transaction.
type recorder struct {
	mu      sync.Mutex
	pending []int64 // delivered, not yet recorded

	ready    chan struct{} // signalled when pending grows
	over     chan struct{} // closed when the claim's sending is over
	done     chan struct{}
	recorded map[int64]bool // read after done
}

func (w *Worker) record(ctx context.Context, c *store.Claim, ls *lease) *recorder {
	r := &recorder{ready: make(chan struct{}, 1), over: make(chan struct{}), done: make(chan struct{}), recorded: map[int64]bool{}}
	go func() {
		defer close(r.done)
		var last time.Time
		for {
			select {
			case <-r.ready:
			case <-r.over:
				return
			}
			// wait for recordEvery since the last record, or for the end
			if wait := time.Until(last.Add(recordEvery)); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-r.over:
					t.Stop()
					return
				}
			}
			r.mu.Lock()
			rows := r.pending
			r.pending = nil
			r.mu.Unlock()
			if len(rows) == 0 {
				continue
			}
			last = time.Now()
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			err := w.Store.RecordDelivered(rctx, c, rows)
			cancel()
			switch {
			case errors.Is(err, store.ErrLeaseLost):
				ls.lose(err)
				return
			case err != nil:
				w.Log.Warn("LRS delivery: could not record a delivered batch; recorded when the claim is settled", "training", c.TrainingID, "error", err)
				return
			}
			for _, id := range rows {
				r.recorded[id] = true
			}
		}
	}()
	return r
}

func (r *recorder) signal() {
	select {
	case r.ready <- struct{}{}:
	default: // a signal is already waiting
	}
}

// add hands a delivered batch to the recorder.
func (r *recorder) add(rows []int64) {
	r.mu.Lock()
	r.pending = append(r.pending, rows...)
	r.mu.Unlock()
	r.signal()
}

// wait ends recording and returns the statements recorded.
func (r *recorder) wait() map[int64]bool {
	close(r.over)
	<-r.done
	return r.recorded
}

// deliver sends a claim's statements BatchSize at a time, in order, and
// sorts them into delivered, parked and still pending; delivered batches
// go to rec as they are.
func (w *Worker) deliver(ctx context.Context, c *store.Claim, l *lane, rec *recorder) store.Outcome {
	o := store.Outcome{Parked: map[int64]string{}}
	if c.PasswordErr != nil {
		return w.retry(o, c, answer{message: c.PasswordErr.Error()})
	}
	d := delivery{w: w, ctx: ctx, claim: c, lane: l, rec: rec, url: StatementsURL(c.Endpoint), o: o}
	until := time.Now().Add(w.Extend)
	for start := 0; start < len(c.Statements) && ctx.Err() == nil; start += w.BatchSize {
		end := min(start+w.BatchSize, len(c.Statements))
		var more chan []store.OutboxStatement
		if end == len(c.Statements) && w.Extend > 0 && time.Now().Before(until) {
			// The claim's last batch: read what follows while it is sent.
			more = make(chan []store.OutboxStatement, 1)
			go func() {
				next, err := w.Store.MoreStatements(ctx, c, w.ClaimSize)
				if err != nil && ctx.Err() == nil {
					w.Log.Warn("LRS delivery: could not read the training's next statements; they go in the next claim", "training", c.TrainingID, "error", err)
				}
				more <- next
			}()
		}
		ok := d.batch(c.Statements[start:end], c.Statements[start:])
		if more != nil {
			next := <-more
			if ok {
				c.Statements = append(c.Statements, next...)
			}
		}
		if !ok {
			break
		}
	}
	return d.o
}

// delivery is one claim being sent.
type delivery struct {
	w     *Worker
	ctx   context.Context
	claim *store.Claim
	lane  *lane
	rec   *recorder
	url   string
	o     store.Outcome
}

// send posts statements; a request unanswered for SlowAfter puts the
// lane's endpoint in trouble.
func (d *delivery) send(list []store.OutboxStatement) answer {
	raw := make([]json.RawMessage, len(list))
	for i, st := range list {
		raw[i] = st.JSON
	}
	if d.lane != nil {
		slow := time.AfterFunc(d.w.SlowAfter, func() { d.w.lanes.trouble(d.lane) })
		defer slow.Stop()
	}
	a := post(d.ctx, d.w.client, d.url, d.claim.Login, d.claim.Password, raw, d.w.Store.Wall())
	d.w.Metrics.attempted(a)
	return a
}

// batch sends one batch: when the LRS refuses it for its content (400,
// 409, 413, 422) it cannot say which statement is at fault, so they are
// sent again one at a time, in order, and only the refused ones are
// parked. An answer that concerns the endpoint (a redirect, 401, 403, 404,
// a 200 without the statement ids, a refused xAPI version) parks the rest
// of the claim with it. It reports whether to go on with the next batch.
func (d *delivery) batch(list, rest []store.OutboxStatement) bool {
	a := d.send(list)
	if a.kind == refusedContent && a.aboutVersion {
		a, _ = versionRefusal(d.ctx, d.w.client, d.claim.Endpoint, a)
	}
	switch {
	case a.kind == stored:
		rows := make([]int64, len(list))
		for i, st := range list {
			rows[i] = st.ID
		}
		d.o.Delivered = append(d.o.Delivered, rows...)
		if len(rest) > len(list) { // the claim's last batch is recorded by the settle
			d.rec.add(rows)
		}
		return true
	case a.kind == transient:
		d.o = d.w.retry(d.o, d.claim, a) // this batch and the rest stay pending, in order
		return false
	case a.kind == refusedRequest:
		d.park(rest, a.message)
		return false
	case len(list) == 1:
		d.single(list[0], a)
		return true
	}
	for i, st := range list {
		a := d.send(list[i : i+1])
		switch a.kind {
		case transient:
			d.o = d.w.retry(d.o, d.claim, a)
			return false
		case refusedRequest:
			d.park(rest[i:], a.message)
			return false
		}
		d.single(st, a)
	}
	return true
}

// single records the answer to one statement sent alone: a 409 means the
// LRS holds that id already, which counts as delivered (SPEC §4).
func (d *delivery) single(st store.OutboxStatement, a answer) {
	if a.kind == stored || a.kind == conflict {
		d.o.Delivered = append(d.o.Delivered, st.ID)
	} else {
		d.o.Parked[st.ID] = a.message
	}
}

func (d *delivery) park(list []store.OutboxStatement, reason string) {
	for _, st := range list {
		d.o.Parked[st.ID] = reason
	}
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
