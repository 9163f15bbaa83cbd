package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"skillpath"
)

// Tx is one transaction with the one "now" every row it writes carries.
type Tx struct {
	*sql.Tx
	store *Store
	now   time.Time
	stmts []*sql.Stmt // the declared statements of the transaction's pool

	defs       map[skillpath.ID]*trainingDef // trainings used in this transaction
	loadedDefs []*trainingDef                // those read from the database, cached after the commit
	// live and known hold what recordEvents needs that the learning pass
	// already read: live LRS settings by training (nil: none) and learners
	// by id.
	live  map[skillpath.ID]*skillpath.LRSSettings
	known map[skillpath.ID]*skillpath.User
	// events are the learning events of this transaction, recorded in the
	// outbox before it commits (SPEC §4).
	events []skillpath.LearningEvent
	// progressed marks the enrollments whose progress an action of this
	// transaction changed: refresh reports it ("progressed").
	progressed map[skillpath.ID]bool
	// outboxWritten is set when recordEvents wrote statements: after the
	// commit, a delivery worker of this process is woken.
	outboxWritten bool
	// notes are the notifications of this transaction (SPEC §7), written
	// to the notifications outbox before it commits; hooks the webhooks
	// read for them; notesWritten wakes a worker after the commit.
	notes        []note
	hooks        []hookSub
	hooksLoaded  bool
	notesWritten bool
	notesCount   int // rows the notes wrote
	// audit is the request's action to record before this write
	// transaction commits (WithAudit), and auditCreated the object it
	// created, once seen.
	audit        *pendingAudit
	auditCreated string
}

// write runs fn in a write transaction and commits it if fn returns nil.
func (s *Store) write(ctx context.Context, fn func(tx *Tx) error) error {
	return s.inTx(ctx, s.wdb, s.wstmts, nil, fn)
}

// writeFreeWait bounds how long writeIfFree waits for the writer.
const writeFreeWait = 200 * time.Millisecond

// writeIfFree runs fn as write does, when the writer is free within
// writeFreeWait; with the writer busy longer (a batch of learning actions,
// or another process holding SQLite's lock for up to its busy timeout) it
// gives up and returns false, nil. For the writes a read request makes in
// passing — a token's last use, a browser session's sliding end — which a
// later request makes as well: the request itself must not wait on them.
// fn must use the context it is given.
func (s *Store) writeIfFree(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) (bool, error) {
	wait, cancel := context.WithTimeout(ctx, writeFreeWait)
	defer cancel()
	err := s.write(wait, func(tx *Tx) error { return fn(wait, tx) })
	if err != nil && ctx.Err() == nil && (wait.Err() != nil || IsUnavailable(err)) {
		return false, nil
	}
	return err == nil, err
}

// read runs fn in a read-only transaction: one consistent snapshot for
// queries that read several tables.
func (s *Store) read(ctx context.Context, fn func(tx *Tx) error) error {
	return s.inTx(ctx, s.db, s.rstmts, &sql.TxOptions{ReadOnly: true}, fn)
}

func (s *Store) inTx(ctx context.Context, db *sql.DB, stmts []*sql.Stmt, opts *sql.TxOptions, fn func(tx *Tx) error) error {
	sqlTx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	// Rolled back when fn fails, and when it panics: a transaction left
	// open would keep its connection — SQLite's one writer — for ever.
	// After the commit this does nothing.
	defer sqlTx.Rollback()
	tx := s.newTx(ctx, sqlTx, stmts, opts == nil)
	err = fn(tx)
	if err == nil {
		err = tx.beforeCommit(ctx)
	}
	if err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	tx.afterCommit()
	return nil
}

// newTx is a transaction's state on sqlTx; a write transaction records the
// request's audited action (WithAudit) before it commits.
func (s *Store) newTx(ctx context.Context, sqlTx *sql.Tx, stmts []*sql.Stmt, write bool) *Tx {
	tx := &Tx{Tx: sqlTx, store: s, now: s.Now().UTC().Truncate(time.Millisecond), stmts: stmts}
	if write {
		tx.audit = auditOf(ctx)
	}
	return tx
}

// beforeCommit writes what the transaction's work left to record: its
// learning events to the outbox, its notifications, its audited action.
func (tx *Tx) beforeCommit(ctx context.Context) error {
	if len(tx.events) > 0 {
		if err := tx.recordEvents(ctx); err != nil {
			return err
		}
	}
	if len(tx.notes) > 0 {
		if err := tx.recordNotes(ctx); err != nil {
			return err
		}
	}
	if tx.audit != nil {
		return tx.recordAudit(ctx)
	}
	return nil
}

// afterCommit tells what a committed transaction changed: its audit is
// recorded, the workers of this process are woken for what it wrote to the
// outboxes, and the trees it read are cached.
func (tx *Tx) afterCommit() {
	s := tx.store
	if tx.audit != nil {
		tx.audit.mu.Lock()
		tx.audit.recorded = true
		tx.audit.mu.Unlock()
	}
	if tx.outboxWritten {
		s.signalOutbox()
	}
	if tx.notesWritten {
		s.signalNotify()
	}
	s.trees.keep(tx.loadedDefs)
}

// insert runs an INSERT … RETURNING id and gives the new id.
func (tx *Tx) insert(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, query+" RETURNING id", args...).Scan(&id)
	if err == nil {
		tx.noteInsert(query, id)
	}
	return id, err
}
