package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"skillpath"
	"skillpath/xapi"
)

// recordEvents writes the transaction's learning events to the LRS outbox
// (SPEC §4), in the same transaction as the facts that caused them, so a
// crash loses no statement. Only the verbs selected in the training's live
// settings — published ones — are written; each statement is built now, with
// the id fixed when the event happened.
func (tx *Tx) recordEvents(ctx context.Context) error {
	live, err := tx.liveVerbs(ctx, tx.events)
	if err != nil {
		return err
	}
	var events []skillpath.LearningEvent
	for _, ev := range tx.events {
		if live[ev.TrainingID].Sends(ev.Verb) {
			events = append(events, ev)
		}
	}
	if len(events) == 0 {
		return nil
	}
	learners, err := tx.learners(ctx, events)
	if err != nil {
		return err
	}
	b := xapi.Builder{BaseURL: tx.store.BaseURL}
	rows := make([]outboxRow, 0, len(events))
	for _, ev := range events {
		def, err := tx.trainingDef(ctx, ev.TrainingID)
		if err != nil {
			return err
		}
		st, err := b.Build(ev, learners[ev.UserID], def.Training)
		if err != nil {
			return err
		}
		raw, err := json.Marshal(st)
		if err != nil {
			return err
		}
		rows = append(rows, outboxRow{statementID: ev.ID, trainingID: ev.TrainingID, verb: ev.Verb, statement: string(raw)})
	}
	if err := tx.insertOutbox(ctx, rows); err != nil {
		return err
	}
	tx.outboxWritten = true
	return nil
}

type outboxRow struct {
	statementID string
	trainingID  skillpath.ID
	verb        skillpath.Verb
	statement   string
}

// outboxColumns is how many values one outbox row takes in insertOutbox.
const outboxColumns = 6

// insertOutbox writes pending statements, many rows per INSERT. Their
// created_at is real time: it measures delivery latency, which a frozen
// business clock would make meaningless.
func (tx *Tx) insertOutbox(ctx context.Context, rows []outboxRow) error {
	created := millis(tx.store.Wall())
	for _, chunk := range chunks(rows, batchSize/outboxColumns) {
		values := make([]string, len(chunk))
		args := make([]any, 0, len(chunk)*outboxColumns)
		for i, r := range chunk {
			n := i * outboxColumns
			values[i] = fmt.Sprintf("($%d, $%d, $%d, $%d, 'pending', $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6)
			args = append(args, r.statementID, r.trainingID, r.verb, r.statement, created, created)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO lrs_outbox (statement_id, training_id, verb, statement, state, next_attempt_at, created_at)
			VALUES `+strings.Join(values, ", "), args...); err != nil {
			return fmt.Errorf("write the LRS outbox: %w", err)
		}
	}
	return nil
}

// liveVerbs reads the live settings of the events' trainings: one query.
// A training without live settings sends nothing (a nil *LRSSettings).
func (tx *Tx) liveVerbs(ctx context.Context, events []skillpath.LearningEvent) (map[skillpath.ID]*skillpath.LRSSettings, error) {
	out := map[skillpath.ID]*skillpath.LRSSettings{}
	ids := distinct(events, func(ev skillpath.LearningEvent) skillpath.ID { return ev.TrainingID })
	ids = slices.DeleteFunc(ids, func(id skillpath.ID) bool { // read by the learning pass
		set, ok := tx.live[id]
		if ok && set != nil {
			out[id] = set
		}
		return ok
	})
	for _, chunk := range chunks(ids, batchSize) {
		in, args := inList(chunk, 1)
		rows, err := tx.QueryContext(ctx, `SELECT training_id, live_verbs FROM lrs_settings
			WHERE training_id IN (`+in+`) AND live_endpoint IS NOT NULL`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id skillpath.ID
			var verbs sql.NullString
			set := &skillpath.LRSSettings{}
			err := rows.Scan(&id, &verbs)
			if err == nil {
				set.Verbs, err = parseVerbs(verbs.String)
			}
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = set
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// learners reads the name and email of the events' learners: one query.
func (tx *Tx) learners(ctx context.Context, events []skillpath.LearningEvent) (map[skillpath.ID]*skillpath.User, error) {
	all := distinct(events, func(ev skillpath.LearningEvent) skillpath.ID { return ev.UserID })
	out := make(map[skillpath.ID]*skillpath.User, len(all))
	ids := slices.DeleteFunc(slices.Clone(all), func(id skillpath.ID) bool { // read by the learning pass
		if u := tx.known[id]; u != nil {
			out[id] = u
		}
		return tx.known[id] != nil
	})
	for _, chunk := range chunks(ids, batchSize) {
		in, args := inList(chunk, 1)
		rows, err := tx.QueryContext(ctx, `SELECT id, email, name FROM users WHERE id IN (`+in+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			u := &skillpath.User{}
			if err := rows.Scan(&u.ID, &u.Email, &u.Name); err != nil {
				rows.Close()
				return nil, err
			}
			out[u.ID] = u
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for _, id := range all {
		if out[id] == nil {
			return nil, fmt.Errorf("learner %s of a learning event not found", id)
		}
	}
	return out, nil
}

func distinct[T any](list []T, key func(T) skillpath.ID) []skillpath.ID {
	seen := map[skillpath.ID]bool{}
	var ids []skillpath.ID
	for _, x := range list {
		if k := key(x); !seen[k] {
			seen[k] = true
			ids = append(ids, k)
		}
	}
	return ids
}

// OutboxReady is signalled when this process wrote statements to the
// outbox, so a delivery worker need not wait for its next poll.
func (s *Store) OutboxReady() <-chan struct{} { return s.outboxReady }

func (s *Store) signalOutbox() {
	select {
	case s.outboxReady <- struct{}{}:
	default: // a signal is already waiting
	}
}
