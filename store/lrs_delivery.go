package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"skillpath"
)

// Claim is a batch of one training's pending statements, leased to one
// delivery worker until Until (SPEC §4). While the lease holds, no other
// worker, in this process or another, claims that training, so its
// statements go out in order; if the worker dies, the lease expires and the
// statements are claimed again (the LRS dedupes by statement id). Token
// fences the lease: renewing and settling check it, so a worker whose lease
// was taken over records nothing.
type Claim struct {
	Token      string
	TrainingID skillpath.ID
	Endpoint   string
	Login      string
	Password   string
	// PasswordErr is set when the stored password cannot be opened (no or
	// another SKILLPATH_SECRET_KEY): the delivery fails and is retried.
	PasswordErr error
	Failures    int // consecutive failed deliveries of this training before this claim
	Until       time.Time
	Statements  []OutboxStatement // in the order they were written
}

// OutboxStatement is one statement of a claim.
type OutboxStatement struct {
	ID          int64 // the outbox row
	StatementID string
	Verb        skillpath.Verb
	JSON        json.RawMessage
	CreatedAt   time.Time // real time the statement was written
}

// ErrLeaseLost is returned by RenewLease and Settle when the claim no
// longer holds its training: its lease expired and another worker (or an
// admin's retry) took the queue over.
var ErrLeaseLost = errors.New("the delivery lease was taken over by another worker")

// ClaimStatements leases up to max pending statements of the training whose
// queue has waited longest, for lease, in one short transaction; nil when
// no training has statements due. Trainings whose live endpoint is one of
// skipEndpoints are passed over (the worker's LRSs in trouble). On
// PostgreSQL the queue row is locked with SKIP LOCKED, so processes claiming
// at once take different trainings; SQLite has one writer at a time.
//
// Whether any training is due is read first, outside any transaction: a
// worker polling an idle or busy outbox (its trainings leased) takes no
// write lock — on SQLite, no turn of the one writer the learners' answers
// and the deliveries' records wait for.
func (s *Store) ClaimStatements(ctx context.Context, max int, lease time.Duration, skipEndpoints []string) (*Claim, error) {
	skip := ""
	args := []any{nil}
	if len(skipEndpoints) > 0 {
		in, endpoints := inList(skipEndpoints, 2)
		skip = `AND NOT EXISTS (SELECT 1 FROM lrs_settings s WHERE s.training_id = q.training_id AND s.live_endpoint IN (` + in + `))`
		args = append(args, endpoints...)
	}
	due := `SELECT q.training_id, q.failures FROM lrs_queues q
		WHERE q.next_attempt_at <= $1
		AND EXISTS (SELECT 1 FROM lrs_outbox o WHERE o.training_id = q.training_id AND o.state = 'pending') ` + skip + `
		ORDER BY q.next_attempt_at, q.training_id LIMIT 1`
	args[0] = millis(s.Wall())
	var id skillpath.ID
	var failures int
	if err := s.db.QueryRowContext(ctx, due, args...).Scan(&id, &failures); errNoRows(err) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var c *Claim
	err := s.write(ctx, func(tx *Tx) error {
		now := s.Wall()
		c = &Claim{Token: uuid.NewString(), Until: now.Add(lease)}
		args[0] = millis(now)
		err := tx.QueryRowContext(ctx, due+s.dialect.skipLocked(), args...).Scan(&c.TrainingID, &c.Failures)
		if errNoRows(err) {
			c = nil
			return nil
		} else if err != nil {
			return err
		}
		var endpoint, login, password sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT live_endpoint, live_login, live_password FROM lrs_settings WHERE training_id = $1`,
			c.TrainingID).Scan(&endpoint, &login, &password); err != nil && !errNoRows(err) {
			return err
		}
		c.Endpoint, c.Login = endpoint.String, login.String
		c.Password, c.PasswordErr = s.openPassword(c.TrainingID, password.String)
		if !endpoint.Valid {
			c.PasswordErr = fmt.Errorf("training %s has no live LRS endpoint", c.TrainingID)
		}
		if c.Statements, err = tx.pendingStatements(ctx, c.TrainingID, max); err != nil || len(c.Statements) == 0 {
			c = nil
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE lrs_queues SET next_attempt_at = $1, claim = $2 WHERE training_id = $3`,
			millis(c.Until), c.Token, c.TrainingID)
		return err
	})
	return c, err
}

func (tx *Tx) pendingStatements(ctx context.Context, trainingID skillpath.ID, max int) ([]OutboxStatement, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, statement_id, verb, statement, created_at FROM lrs_outbox
		WHERE training_id = $1 AND state = 'pending' ORDER BY id LIMIT $2`, trainingID, max)
	if err != nil {
		return nil, err
	}
	return scanStatements(rows, max)
}

func scanStatements(rows *sql.Rows, max int) ([]OutboxStatement, error) {
	defer rows.Close()
	list := make([]OutboxStatement, 0, min(max, 64))
	for rows.Next() {
		var st OutboxStatement
		var raw string
		var created int64
		if err := rows.Scan(&st.ID, &st.StatementID, &st.Verb, &raw, &created); err != nil {
			return nil, err
		}
		st.JSON, st.CreatedAt = json.RawMessage(raw), fromMillis(created)
		list = append(list, st)
	}
	return list, rows.Err()
}

// MoreStatements reads up to max pending statements of a claim's training
// written after its last one, for the claim to send next without a new
// claim: the claim holds the training, so no other worker sends them, and
// the claim's Settle, fenced by its token, records them as it records the
// first. It reads outside any transaction (it can run while the claim's
// statements are being sent and recorded) and returns none when the claim
// has no statements to follow. The caller appends them to c.Statements.
func (s *Store) MoreStatements(ctx context.Context, c *Claim, max int) ([]OutboxStatement, error) {
	if len(c.Statements) == 0 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, statement_id, verb, statement, created_at FROM lrs_outbox
		WHERE training_id = $1 AND state = 'pending' AND id > $2 ORDER BY id LIMIT $3`,
		c.TrainingID, c.Statements[len(c.Statements)-1].ID, max)
	if err != nil {
		return nil, err
	}
	return scanStatements(rows, max)
}

// RenewLease extends a claim's lease to lease from now and returns its new
// end, or ErrLeaseLost when the claim no longer holds the training.
func (s *Store) RenewLease(ctx context.Context, c *Claim, lease time.Duration) (time.Time, error) {
	until := s.Wall().Add(lease)
	var held bool
	err := s.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE lrs_queues SET next_attempt_at = $1 WHERE training_id = $2 AND claim = $3`,
			millis(until), c.TrainingID, c.Token)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		held = n == 1
		return err
	})
	if err == nil && !held {
		err = ErrLeaseLost
	}
	return until, err
}

// RecordDelivered marks statements of a claim delivered while the claim
// goes on sending the rest, so that recording overlaps sending. Fenced like
// Settle: ErrLeaseLost, and nothing recorded, when the claim no longer
// holds its training.
func (s *Store) RecordDelivered(ctx context.Context, c *Claim, rows []int64) error {
	return s.write(ctx, func(tx *Tx) error {
		var held int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM lrs_queues WHERE training_id = $1 AND claim = $2`+s.dialect.forUpdate(),
			c.TrainingID, c.Token).Scan(&held)
		if errNoRows(err) {
			return ErrLeaseLost
		} else if err != nil {
			return err
		}
		return tx.markDelivered(ctx, rows, millis(s.Wall()))
	})
}

// markDelivered sets pending statements delivered, counting the attempt.
func (tx *Tx) markDelivered(ctx context.Context, rows []int64, now int64) error {
	for _, chunk := range chunks(rows, batchSize) {
		in, args := inList(chunk, 2)
		if _, err := tx.ExecContext(ctx, `UPDATE lrs_outbox SET state = 'delivered', delivered_at = $1, last_error = NULL, attempts = attempts + 1
			WHERE state = 'pending' AND id IN (`+in+`)`, append([]any{now}, args...)...); err != nil {
			return err
		}
	}
	return nil
}

// Outcome is what became of a claim's statements. Statements neither
// delivered nor parked stay pending, to be sent again.
type Outcome struct {
	Delivered []int64          // outbox rows the LRS holds now
	Parked    map[int64]string // outbox rows the LRS refused, with the reason shown to admins
	// RetryAt, when not zero, is when the training's queue may be tried
	// again after a failure (Error says which); zero frees it at once.
	RetryAt time.Time
	Error   string
}

// Settle records a claim's outcome in one transaction and ends its lease.
// It is fenced by the claim's token: when the lease was taken over (it
// expired and another worker claimed the training, or an admin's retry
// freed it), nothing is recorded and ErrLeaseLost is returned — the new
// holder sends those statements again and the LRS dedupes them.
func (s *Store) Settle(ctx context.Context, c *Claim, o Outcome) error {
	err := s.write(ctx, func(tx *Tx) error {
		now := millis(s.Wall())
		// A settled queue waits behind the trainings due before it, so one
		// busy training does not starve the others.
		failures, next, lastErr := 0, now, any(nil)
		if !o.RetryAt.IsZero() {
			failures, next, lastErr = c.Failures+1, millis(o.RetryAt), o.Error
		}
		res, err := tx.ExecContext(ctx, `UPDATE lrs_queues SET next_attempt_at = $1, failures = $2, last_error = $3, claim = NULL
			WHERE training_id = $4 AND claim = $5`, next, failures, lastErr, c.TrainingID, c.Token)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return ErrLeaseLost
		}
		// attempts counts the settled claims that sent a statement: a
		// statement's row is written once per claim, here, not also when
		// it is claimed (rows are about a kilobyte: that write was half
		// the store's work per statement).
		if !o.RetryAt.IsZero() {
			first, last := c.Statements[0].ID, c.Statements[len(c.Statements)-1].ID
			if _, err := tx.ExecContext(ctx, `UPDATE lrs_outbox SET attempts = attempts + 1
				WHERE training_id = $1 AND state = 'pending' AND id BETWEEN $2 AND $3`, c.TrainingID, first, last); err != nil {
				return err
			}
		}
		if err := tx.markDelivered(ctx, o.Delivered, now); err != nil {
			return err
		}
		byError := map[string][]int64{}
		for id, msg := range o.Parked {
			byError[msg] = append(byError[msg], id)
		}
		for msg, ids := range byError {
			for _, chunk := range chunks(ids, batchSize) {
				in, args := inList(chunk, 3)
				if _, err := tx.ExecContext(ctx, `UPDATE lrs_outbox SET state = 'parked', parked_at = $1, last_error = $2, attempts = attempts + 1
					WHERE state = 'pending' AND id IN (`+in+`)`, append([]any{now, msg}, args...)...); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return err
}

// OutboxCounts is how many statements are in each state.
type OutboxCounts struct {
	Pending   int `json:"pending"`
	Delivered int `json:"delivered"`
	Parked    int `json:"parked"`
}

// CountOutbox counts the outbox's statements by state, of one training or
// (trainingID 0) of all. Read from the database, the counts are right
// whichever process delivered.
func (s *Store) CountOutbox(ctx context.Context, trainingID skillpath.ID) (OutboxCounts, error) {
	var c OutboxCounts
	where, args := ofTraining(trainingID, 1)
	rows, err := s.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM lrs_outbox WHERE `+where+` GROUP BY state`, args...)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return c, err
		}
		switch state {
		case "pending":
			c.Pending = n
		case "delivered":
			c.Delivered = n
		case "parked":
			c.Parked = n
		}
	}
	return c, rows.Err()
}

// ParkedStatement is a statement the LRS refused, waiting for an admin.
type ParkedStatement struct {
	ID         string         `json:"id"` // the statement's id
	TrainingID skillpath.ID   `json:"training_id"`
	Verb       skillpath.Verb `json:"verb"`
	Error      string         `json:"error"`
	Attempts   int            `json:"attempts"`
	CreatedAt  time.Time      `json:"created_at"`
	ParkedAt   *time.Time     `json:"parked_at"`
	row        int64
}

// ParkedStatements lists parked statements in the order they were written,
// of one training or (trainingID 0) of all, limit at a time after the
// cursor (the next one is returned, "" at the end).
func (s *Store) ParkedStatements(ctx context.Context, trainingID skillpath.ID, limit int, after string) ([]ParkedStatement, string, error) {
	var afterRow int64
	if after != "" {
		id, err := parseIDCursor(after)
		if err != nil {
			return nil, "", err
		}
		afterRow = int64(id)
	}
	where, args := ofTraining(trainingID, 3)
	rows, err := s.db.QueryContext(ctx, `SELECT id, statement_id, training_id, verb, COALESCE(last_error, ''), attempts, created_at, parked_at
		FROM lrs_outbox WHERE state = 'parked' AND id > $1 AND `+where+` ORDER BY id LIMIT $2`, append([]any{afterRow, limit + 1}, args...)...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	list := []ParkedStatement{}
	for rows.Next() {
		var p ParkedStatement
		var created int64
		var parked sql.NullInt64
		if err := rows.Scan(&p.row, &p.ID, &p.TrainingID, &p.Verb, &p.Error, &p.Attempts, &created, &parked); err != nil {
			return nil, "", err
		}
		p.CreatedAt, p.ParkedAt = fromMillis(created), timePtr(parked)
		list = append(list, p)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		next = skillpath.ID(list[limit-1].row).String()
	}
	return list, next, nil
}

// RetryParked puts parked statements back in the queue: those with the
// given statement ids, or of one training, or all (neither given). The
// trainings' queues are tried at once, unless a worker holds them. It
// returns how many statements were re-queued; ids that are not parked
// (already re-queued, delivered, unknown) are passed over.
func (s *Store) RetryParked(ctx context.Context, statementIDs []string, trainingID skillpath.ID) (int, error) {
	var n int
	err := s.write(ctx, func(tx *Tx) error {
		where, args := ofTraining(trainingID, 1)
		where = "state = 'parked' AND " + where
		if statementIDs != nil {
			if len(statementIDs) == 0 {
				return nil
			}
			in, idArgs := inList(statementIDs, len(args)+1)
			where += " AND statement_id IN (" + in + ")"
			args = append(args, idArgs...)
		}
		trainings, err := queryIDs(ctx, tx, `SELECT DISTINCT training_id FROM lrs_outbox WHERE `+where, args...)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE lrs_outbox SET state = 'pending', attempts = 0, last_error = NULL, parked_at = NULL WHERE `+where, args...)
		if err != nil {
			return err
		}
		affected, err := res.RowsAffected()
		if err != nil || affected == 0 {
			return err
		}
		n = int(affected)
		in, targs := inList(trainings, 2)
		_, err = tx.ExecContext(ctx, `UPDATE lrs_queues SET next_attempt_at = 0, failures = 0, claim = NULL
			WHERE training_id IN (`+in+`) AND (claim IS NULL OR next_attempt_at <= $1)`, append([]any{millis(s.Wall())}, targs...)...)
		return err
	})
	if err == nil && n > 0 {
		s.signalOutbox()
	}
	return n, err
}

// ofTraining is the condition "of this training", or of any when
// trainingID is 0, with its arguments numbered from first.
func ofTraining(trainingID skillpath.ID, first int) (string, []any) {
	if trainingID == 0 {
		return "TRUE", nil
	}
	return fmt.Sprintf("training_id = $%d", first), []any{trainingID}
}
