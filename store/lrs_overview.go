package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"skillpath"
)

// TrackingRow is one training on the results tracking overview (/tracking):
// whether it is set up, what is live, and whether the draft differs.
type TrackingRow struct {
	TrainingID skillpath.ID
	Title      string
	Configured bool                   // settings were saved at least once
	Live       *skillpath.LRSSettings // nil until the first publish
	// UnpublishedChanges is true when publishing would change what is sent
	// (as in LRSView).
	UnpublishedChanges bool
}

// TrackingOverview lists, by title, the trainings whose results tracking
// caller may configure (skillpath.Access.CanConfigureTracking): every
// training for platform admins, the trainings they author for others. One
// query.
func (s *Store) TrackingOverview(ctx context.Context, caller *skillpath.User) ([]TrackingRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT t.id, t.title, l.training_id IS NOT NULL, l.`+strings.ReplaceAll(lrsColumns, ", ", ", l.")+`
		FROM trainings t LEFT JOIN lrs_settings l ON l.training_id = t.id
		WHERE $1 OR EXISTS (SELECT 1 FROM training_staff ts WHERE ts.training_id = t.id AND ts.user_id = $2 AND ts.role = $3)
		ORDER BY t.title, t.id`, caller.PlatformAdmin, caller.ID, roleAuthor)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []TrackingRow{}
	for rows.Next() {
		var t TrackingRow
		var settings lrsRow
		if err := rows.Scan(append([]any{&t.TrainingID, &t.Title, &t.Configured}, settings.dest()...)...); err != nil {
			return nil, err
		}
		if t.Configured {
			if _, t.Live, t.UnpublishedChanges, err = settings.settings(); err != nil {
				return nil, err
			}
		}
		list = append(list, t)
	}
	return list, rows.Err()
}

// OutboxBacklog counts the statements still to deliver (pending) and
// those the LRS refused (parked), by training; trainings with neither are
// left out. Delivered statements are not counted: they are kept forever and
// would make the overview slow; CountOutbox counts them for one training.
// Each half reads a partial index of lrs_outbox.
func (s *Store) OutboxBacklog(ctx context.Context) (map[skillpath.ID]OutboxCounts, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT training_id, 'pending', COUNT(*) FROM lrs_outbox WHERE state = 'pending' GROUP BY training_id
		UNION ALL SELECT training_id, 'parked', COUNT(*) FROM lrs_outbox WHERE state = 'parked' GROUP BY training_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	backlog := map[skillpath.ID]OutboxCounts{}
	for rows.Next() {
		var id skillpath.ID
		var state string
		var n int
		if err := rows.Scan(&id, &state, &n); err != nil {
			return nil, err
		}
		c := backlog[id]
		if state == "pending" {
			c.Pending = n
		} else {
			c.Parked = n
		}
		backlog[id] = c
	}
	return backlog, rows.Err()
}

// Delivery is the state of a training's delivery queue: how many
// deliveries failed in a row (network errors, 5xx, 429 — retried with
// back-off, SPEC §4), the last failure, and when the next attempt may be.
type Delivery struct {
	Failures      int
	LastError     string
	NextAttemptAt time.Time // real time; zero when due
}

// TrainingDelivery returns the delivery state of a training's statements;
// the zero value when it has never been published with settings.
func (s *Store) TrainingDelivery(ctx context.Context, trainingID skillpath.ID) (Delivery, error) {
	var d Delivery
	var lastError sql.NullString
	var next int64
	err := s.db.QueryRowContext(ctx, `SELECT failures, last_error, next_attempt_at FROM lrs_queues WHERE training_id = $1`, trainingID).
		Scan(&d.Failures, &lastError, &next)
	if errNoRows(err) {
		return Delivery{}, nil
	} else if err != nil {
		return d, err
	}
	d.LastError = lastError.String
	if next > 0 {
		d.NextAttemptAt = fromMillis(next)
	}
	return d, nil
}
