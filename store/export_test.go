package store

import (
	"context"
	"fmt"
	"strings"

	"skillpath"
	"skillpath/report"
)

// ExplainStats returns the query plan of the certificate list ("list"),
// of a learners page ("learners", of certificate id) or of a certificate's
// chart ("timeline", the two years around now), for tests of their
// indexes: SQLite's EXPLAIN QUERY PLAN lines, PostgreSQL's plan in JSON,
// made with sequential scans disabled so that a table scanned whole is one
// that no index can serve.
func (s *Store) ExplainStats(ctx context.Context, which string, sc report.Scope, f report.Filter, id skillpath.ID) (string, error) {
	var plan string
	err := s.read(ctx, func(tx *Tx) error {
		var q string
		var a sqlArgs
		switch which {
		case "learners":
			var err error
			if q, a, err = learnersQuery(s.dialect, sc, f, report.LearnerQuery{}, id, false, Page{Limit: 50}, s.Now()); err != nil {
				return err
			}
		case "timeline":
			q, a = timelineQuery(s.dialect, sc, f, id, report.NewTimeline(s.Now(), s.Zone, 12, 12))
		default:
			kept, err := tx.filterLearners(ctx, f)
			if err != nil {
				return err
			}
			q, a = certificateStatsQuery(sc, f, 0, kept, s.Now(), report.ListSort{Key: "title"})
		}
		var err error
		plan, err = s.explain(ctx, tx, which != "list, planned freely", q, a)
		return err
	})
	return plan, err
}

// ExplainLearners is the plan of a learners page under lq, after the
// cursor after ("" for the first page).
func (s *Store) ExplainLearners(ctx context.Context, sc report.Scope, f report.Filter, lq report.LearnerQuery, id skillpath.ID, after string) (string, error) {
	var plan string
	err := s.read(ctx, func(tx *Tx) error {
		q, a, err := learnersQuery(s.dialect, sc, f, lq, id, false, Page{Limit: 50, After: after}, tx.now)
		if err != nil {
			return err
		}
		plan, err = s.explain(ctx, tx, true, q, a)
		return err
	})
	return plan, err
}

// explain is the plan of query q: SQLite's, or PostgreSQL's as JSON, made
// with sequential scans disabled unless free.
func (s *Store) explain(ctx context.Context, tx *Tx, noSeqScan bool, q string, a sqlArgs) (string, error) {
	var plan []string
	explain := `EXPLAIN QUERY PLAN `
	if s.dialect.postgres {
		if noSeqScan {
			if _, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
				return "", err
			}
		}
		explain = `EXPLAIN (FORMAT JSON) `
	}
	rows, err := tx.QueryContext(ctx, explain+q, a...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		last := vals[len(vals)-1]
		if b, ok := last.([]byte); ok {
			last = string(b)
		}
		plan = append(plan, fmt.Sprint(last))
	}
	return strings.Join(plan, "\n"), rows.Err()
}

// KeepsMost reports whether the certificate list checks the filter's
// learners against a set read once (Tx.filterLearners): a broad filter —
// on PostgreSQL, one leaving out few users.
func (s *Store) KeepsMost(ctx context.Context, f report.Filter) (bool, error) {
	var broad bool
	err := s.read(ctx, func(tx *Tx) error {
		kept, err := tx.filterLearners(ctx, f)
		broad = kept != nil
		return err
	})
	return broad, err
}

// LearnBatches tells how many batches of several learning actions a SQLite
// store committed together (learn_batch.go), and the most actions one held.
func (s *Store) LearnBatches() (batches, largest int64) {
	if s.batcher == nil {
		return 0, 0
	}
	return s.batcher.batches.Load(), s.batcher.largest.Load()
}

// FailBatchedActions makes every batched learning action (of an
// enrollment) for which fail returns an error fail after its writes, until the test ends.
func FailBatchedActions(t interface{ Cleanup(func()) }, fail func(enrollment skillpath.ID, a Act) error) {
	testHookBatched = fail
	t.Cleanup(func() { testHookBatched = nil })
}

// HoldWriter begins a write transaction and keeps it open, so that the
// store's other writers queue, until release is called.
func (s *Store) HoldWriter(ctx context.Context) (release func()) {
	held, done := make(chan struct{}), make(chan struct{})
	go func() {
		_ = s.write(ctx, func(tx *Tx) error {
			close(held)
			<-done
			return nil
		})
	}()
	<-held
	return func() { close(done) }
}

// PlainCertificateStats is the certificate list with the filter's
// conditions given to the database as they are, never as a set read
// beforehand (Tx.filterLearners): the answer a set must give.
func (s *Store) PlainCertificateStats(ctx context.Context, sc report.Scope, f report.Filter) ([]report.CertificateRow, error) {
	var list []report.CertificateRow
	err := s.certificateStats(ctx, sc, f, report.ListSort{Key: "title"}, false, func(r report.CertificateRow) error {
		list = append(list, r)
		return nil
	})
	return list, err
}

// ExplainProgress is the plan of the learning pass's read of an
// enrollment's progress (qProgressOf), planned freely, as the pass runs it.
func (s *Store) ExplainProgress(ctx context.Context, enrollmentID skillpath.ID) (string, error) {
	var plan string
	err := s.read(ctx, func(tx *Tx) error {
		var err error
		plan, err = s.explain(ctx, tx, false, qProgressOf.text(s.dialect), sqlArgs{enrollmentID})
		return err
	})
	return plan, err
}

// ExecSQL runs statements in one write transaction, for tests that shape
// rows the API cannot make quickly.
func (s *Store) ExecSQL(ctx context.Context, statements ...string) error {
	return s.write(ctx, func(tx *Tx) error {
		for _, q := range statements {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	})
}

// AnalyzeFile is analyzeFile, for the test of a load's statistics on a
// file another connection switched to WAL.
var AnalyzeFile = analyzeFile

// SQLiteBusyTimeout is how long a write waits for another connection's lock.
const SQLiteBusyTimeout = sqliteBusyTimeout
