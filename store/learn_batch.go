package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"

	"skillpath"
)

// Group commit of learning actions on SQLite (issue 12).
//
// SQLite has one writer at a time, and a learning action spends about a
// third of its time under the write lock beginning and committing its
// transaction (BEGIN IMMEDIATE, then the write-ahead log's frames written and
// indexed at COMMIT). So the learning actions of one process that wait for
// the writer are run together by one goroutine, the learnBatcher: one
// transaction for all of them, each action inside a savepoint of its own.
// An action that fails is rolled back to its savepoint and answers its
// error; the others commit together, and each caller is answered only
// after that commit, with the result its own action built. Nothing waits
// to fill a batch: a batch is whatever queued while the previous one ran,
// at most learnBatchMax actions.
//
// Across processes nothing changes: each batch is one ordinary SQLite
// transaction, serialised with every other writer by SQLite's lock.
// PostgreSQL does not batch: its writers work side by side under row locks,
// and batches taking row locks in different orders would deadlock.
//
// Should the batch's transaction itself fail — a savepoint that cannot be
// rolled back to, a failed COMMIT (disk full, I/O error) — nothing of it was
// committed, and each of its actions is run again in a transaction of its
// own, as without batching, and answers what that run answers. A batch
// that cannot begin — another process held the write lock past the busy
// timeout — answers that to each of its actions at once (503 over HTTP):
// tried again alone, each would wait out the timeout once more, in turn.

// learnBatchMax bounds the actions of one batch: the latency a caller adds
// to those before it in the batch.
const learnBatchMax = 64

// learnRequest is one learning action waiting for the batcher.
type learnRequest struct {
	ctx    context.Context
	id     skillpath.ID
	caller *skillpath.User
	guard  Guard
	act    Act
	done   chan learnAnswer // buffered: the batcher never waits on it
}

type learnAnswer struct {
	learning *Learning
	err      error
	// panicked is what the action panicked with: the caller panics again
	// with it, in its own goroutine, so that a bug in one action is
	// handled as net/http handles a handler's panic, instead of ending the
	// process from the batcher's goroutine.
	panicked any
}

// protect runs one action, turning its panic into its answer.
func protect(action func() (*Learning, error)) (a learnAnswer) {
	defer func() {
		if p := recover(); p != nil {
			a = learnAnswer{err: fmt.Errorf("learning action panicked: %v", p), panicked: p}
		}
	}()
	l, err := action()
	return learnAnswer{learning: l, err: err}
}

// learnBatcher runs queued learning actions in batches (see above).
type learnBatcher struct {
	store    *Store
	requests chan *learnRequest
	quit     chan struct{} // closed by stop
	stopped  chan struct{} // closed when the loop has ended
	// savepoints are SAVEPOINT, RELEASE and ROLLBACK TO, prepared
	savepoints [3]*sql.Stmt
	// batches counts the batches of more than one action committed
	// together; largest is the most actions one of them held.
	batches, largest atomic.Int64
}

// testHookBatched, set by tests only, runs after each learning action has
// written what it writes, batched or alone, and fails the action when it
// returns an error: what a failing action leaves behind is then rolled
// back, to its savepoint in a batch.
var testHookBatched func(skillpath.ID, Act) error

// startLearnBatcher starts the batcher of a SQLite store, with its
// savepoint statements prepared on the write connection.
func (s *Store) startLearnBatcher(ctx context.Context) error {
	b := &learnBatcher{store: s, requests: make(chan *learnRequest), quit: make(chan struct{}), stopped: make(chan struct{})}
	for i, q := range []string{`SAVEPOINT learn`, `RELEASE learn`, `ROLLBACK TO learn`} {
		st, err := s.wdb.PrepareContext(ctx, q)
		if err != nil {
			closeStmts(b.savepoints[:i])
			return fmt.Errorf("prepare %q: %w", q, err)
		}
		b.savepoints[i] = st
	}
	s.batcher = b
	go b.loop()
	return nil
}

// stop ends the loop once the batch it runs, if any, is answered; actions
// sent later are refused.
func (b *learnBatcher) stop() {
	close(b.quit)
	<-b.stopped
	closeStmts(b.savepoints[:])
}

// learn queues one action and waits for its answer. The wait does not
// follow ctx: an action that has begun is answered once its batch commits
// or fails, so that an answer never says "cancelled" of a committed action.
// One whose ctx ends before its batch begins is not run.
func (b *learnBatcher) learn(ctx context.Context, id skillpath.ID, caller *skillpath.User, guard Guard, act Act) (*Learning, error) {
	r := &learnRequest{ctx: ctx, id: id, caller: caller, guard: guard, act: act, done: make(chan learnAnswer, 1)}
	select {
	case b.requests <- r:
	case <-b.quit:
		return nil, errors.New("store closed")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	a := <-r.done
	if a.panicked != nil {
		panic(a.panicked)
	}
	return a.learning, a.err
}

func (b *learnBatcher) loop() {
	defer close(b.stopped)
	batch := make([]*learnRequest, 0, learnBatchMax)
	for {
		select {
		case r := <-b.requests:
			batch = append(batch[:0], r)
		case <-b.quit:
			return
		}
		// The callers of the last batch are answering their requests and
		// sending the next ones: let them queue before the batch is taken
		// (without it most batches after a large one held one action).
		runtime.Gosched()
	more:
		for len(batch) < learnBatchMax {
			select {
			case r := <-b.requests:
				batch = append(batch, r)
			default:
				break more
			}
		}
		b.run(batch)
		clear(batch)
	}
}

// run runs one batch and answers each of its callers.
func (b *learnBatcher) run(batch []*learnRequest) {
	live := batch[:0:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- learnAnswer{err: err}
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	alone := func(r *learnRequest) learnAnswer {
		return protect(func() (*Learning, error) { return b.store.learnAlone(r.ctx, r.id, r.caller, r.guard, r.act) })
	}
	if len(live) == 1 {
		// alone, no savepoint is needed
		live[0].done <- alone(live[0])
		return
	}
	answers, begun, err := b.together(live)
	if err != nil && !begun {
		// The write lock was not had (another process held it past the
		// busy timeout) or the connection failed: each action would
		// have met the same, one after another. All answer it now.
		for _, r := range live {
			r.done <- learnAnswer{err: err}
		}
		return
	}
	if err != nil {
		// Nothing of the batch was committed: each action again, alone,
		// but for one that panicked, which answers that.
		b.store.Log.Warn("learning actions batch failed; running them one by one", "actions", len(live), "error", err)
		for i, r := range live {
			if answers[i].panicked != nil {
				r.done <- answers[i]
				continue
			}
			r.done <- alone(r)
		}
		return
	}
	for i, r := range live {
		r.done <- answers[i]
	}
}

// together runs the batch in one transaction, each action in a savepoint.
// It returns each action's answer, or the error that ended the transaction
// with nothing committed (then the answers hold only that of an action
// that panicked, if one did); begun tells whether the transaction began.
func (b *learnBatcher) together(batch []*learnRequest) (answers []learnAnswer, begun bool, err error) {
	s := b.store
	// The batch is not cancelled by any one caller's context.
	ctx := context.Background()
	answers = make([]learnAnswer, len(batch))
	sqlTx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return answers, false, fmt.Errorf("begin: %w", err)
	}
	defer sqlTx.Rollback() // on every return before the commit; after it, nothing
	var committed []*Tx    // the actions kept, whose effects follow the commit
	savepoint, release, rollbackTo := sqlTx.Stmt(b.savepoints[0]), sqlTx.Stmt(b.savepoints[1]), sqlTx.Stmt(b.savepoints[2])
	for i, r := range batch {
		if _, err := savepoint.ExecContext(ctx); err != nil {
			return answers, true, fmt.Errorf("savepoint: %w", err)
		}
		rctx := context.WithoutCancel(r.ctx)
		tx := s.newTx(rctx, sqlTx, s.wstmts, true)
		a := protect(func() (*Learning, error) {
			l, err := tx.learn(rctx, r.id, r.caller, r.guard, r.act)
			if err == nil {
				err = tx.beforeCommit(rctx)
			}
			if err == nil && testHookBatched != nil {
				err = testHookBatched(r.id, r.act)
			}
			return l, err
		})
		if a.panicked != nil {
			answers[i] = a
			return answers, true, a.err
		}
		l, err := a.learning, a.err
		if err != nil {
			if _, rerr := rollbackTo.ExecContext(ctx); rerr != nil {
				return answers, true, fmt.Errorf("rollback to savepoint after %v: %w", err, rerr)
			}
		} else {
			committed = append(committed, tx)
		}
		if _, rerr := release.ExecContext(ctx); rerr != nil {
			return answers, true, fmt.Errorf("release savepoint: %w", rerr)
		}
		answers[i] = learnAnswer{learning: l, err: err}
	}
	if err := sqlTx.Commit(); err != nil {
		return make([]learnAnswer, len(batch)), true, fmt.Errorf("commit: %w", err)
	}
	b.batches.Add(1)
	if n := int64(len(batch)); n > b.largest.Load() {
		b.largest.Store(n)
	}
	for _, tx := range committed {
		tx.afterCommit()
	}
	return answers, true, nil
}

// learnAlone runs one learning action in a transaction of its own.
func (s *Store) learnAlone(ctx context.Context, id skillpath.ID, caller *skillpath.User, guard Guard, act Act) (*Learning, error) {
	run := s.write
	if act.Kind == ActRead {
		run = s.read
	}
	var out *Learning
	err := run(ctx, func(tx *Tx) error {
		// The pass's statements take no part in cancellation: each takes
		// well under a millisecond, and a cancellable context costs every
		// statement a goroutine watching it in the driver (modernc's
		// interruptOnDone). Waiting for the connection, BEGIN and COMMIT
		// still follow ctx, and database/sql rolls the transaction back
		// when ctx ends before the commit.
		var err error
		out, err = tx.learn(context.WithoutCancel(ctx), id, caller, guard, act)
		if err == nil && act.Kind != ActRead && testHookBatched != nil {
			err = testHookBatched(id, act)
		}
		return err
	})
	return out, err
}
