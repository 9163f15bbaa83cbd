package store

import (
	"context"
	"database/sql"

	"skillpath"
	"skillpath/status"
)

// StatusMismatch is an enrollment whose stored status differs from what
// the pure rules compute from its facts.
type StatusMismatch struct {
	EnrollmentID skillpath.ID
	Stored       status.Training
	Computed     status.Training
	StoredScore  *float64
	Score        *float64
}

// recomputeBatch is how many enrollments one recompute transaction holds.
const recomputeBatch = 1000

// liveEnrollmentIDs lists the live enrollments of every training, training
// by training, so each batch shares one training definition.
func (s *Store) liveEnrollmentIDs(ctx context.Context) ([]skillpath.ID, error) {
	return queryIDs(ctx, s.db, `SELECT id FROM enrollments WHERE deleted_at IS NULL ORDER BY training_id, id`)
}

// querier is what *sql.DB and *Tx share for reading.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryIDs runs a query of one id column and returns the ids.
func queryIDs(ctx context.Context, q querier, query string, args ...any) ([]skillpath.ID, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []skillpath.ID
	for rows.Next() {
		var id skillpath.ID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Recompute rebuilds the stored status of every live enrollment from the
// facts, in batches, calling progress after each, then the expirations of
// delivered certificates from their rules (CheckAwards), and then the
// certificate_learners table. A pass it finds delivers its certificates as
// a pass always does.
func (s *Store) Recompute(ctx context.Context, progress func(done, total int)) error {
	ids, err := s.liveEnrollmentIDs(ctx)
	if err != nil {
		return err
	}
	for i, batch := range chunks(ids, recomputeBatch) {
		if err := s.write(ctx, func(tx *Tx) error { return tx.refresh(ctx, batch) }); err != nil {
			return err
		}
		if progress != nil {
			progress(min((i+1)*recomputeBatch, len(ids)), len(ids))
		}
	}
	if err := s.repairAwards(ctx); err != nil {
		return err
	}
	return s.write(ctx, func(tx *Tx) error { return tx.rebuildCertificateLearners(ctx) })
}

// CheckStatuses compares every live enrollment's stored status and score
// with what the pure rules compute from the facts, changing nothing.
func (s *Store) CheckStatuses(ctx context.Context) ([]StatusMismatch, error) {
	ids, err := s.liveEnrollmentIDs(ctx)
	if err != nil {
		return nil, err
	}
	var out []StatusMismatch
	for _, batch := range chunks(ids, recomputeBatch) {
		err := s.read(ctx, func(tx *Tx) error {
			list, err := tx.loadEnrollments(ctx, batch)
			if err != nil {
				return err
			}
			for _, group := range byTraining(list) {
				def, err := tx.trainingDef(ctx, group[0].TrainingID)
				if err != nil {
					return err
				}
				p, err := tx.loadProgress(ctx, def, group)
				if err != nil {
					return err
				}
				for _, e := range group {
					facts := def.facts(e, p[e.ID])
					facts.Awards = nil
					r := status.TrainingStatus(facts, tx.now)
					if r.Status != e.Status || !sameScore(r.Score, e.Score) {
						out = append(out, StatusMismatch{EnrollmentID: e.ID, Stored: e.Status, Computed: r.Status, StoredScore: e.Score, Score: r.Score})
					}
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// byTraining groups enrollments by training, keeping the first-seen order.
func byTraining(list []*enrollmentRow) [][]*enrollmentRow {
	index := map[skillpath.ID]int{}
	var groups [][]*enrollmentRow
	for _, e := range list {
		i, ok := index[e.TrainingID]
		if !ok {
			i = len(groups)
			index[e.TrainingID] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], e)
	}
	return groups
}
