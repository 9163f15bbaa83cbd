package store

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"skillpath"
)

// AuditEntry is one row of the audit log: who did what, when, on which
// object (issue 11). Action is the route, such as
// "POST /api/v1/users/{id}/tokens"; Object names the object the action
// created ("tokens/7") or, when it created none, the one its path names
// ("users/42"); Path is the request's path with every id.
type AuditEntry struct {
	ID      skillpath.ID `json:"id"`
	At      time.Time    `json:"at"`
	ActorID skillpath.ID `json:"actor_id"`
	Action  string       `json:"action"`
	Object  string       `json:"object"`
	Path    string       `json:"path"`
}

// pendingAudit is an action to record with the first write transaction of
// a request that commits.
type pendingAudit struct {
	mu         sync.Mutex
	entry      AuditEntry
	collection string // the table a create of this route inserts into ("" for none)
	recorded   bool
}

type auditKey struct{}

// WithAudit returns a context under which the first write transaction that
// commits also records the action in the audit log, in that same
// transaction: the action and its trace are kept or lost together. Object
// is the object the path names ("users/42", or ""); collection is the table
// a create inserts into (the route "POST /api/v1/users" creates in
// "users"): the new row's id then becomes the object.
func WithAudit(ctx context.Context, actor skillpath.ID, action, object, path, collection string) context.Context {
	return context.WithValue(ctx, auditKey{}, &pendingAudit{
		entry:      AuditEntry{ActorID: actor, Action: action, Object: object, Path: path},
		collection: collection,
	})
}

// Audited reports whether the action of ctx (from WithAudit) was recorded,
// for the tests of the audit log's coverage.
func Audited(ctx context.Context) bool {
	p, _ := ctx.Value(auditKey{}).(*pendingAudit)
	if p == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.recorded
}

// withoutAudit hides the request's action from transactions that are not
// the action (counting a sign-in attempt), so they do not record it.
func withoutAudit(ctx context.Context) context.Context {
	return context.WithValue(ctx, auditKey{}, (*pendingAudit)(nil))
}

func auditOf(ctx context.Context) *pendingAudit {
	p, _ := ctx.Value(auditKey{}).(*pendingAudit)
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.recorded {
		return nil
	}
	return p
}

// insertTable finds the table of an INSERT statement.
var insertTable = regexp.MustCompile(`^\s*INSERT\s+INTO\s+(\w+)`)

// noteInsert makes a created row the audited object when it is the first
// row the transaction inserts into the route's collection.
func (tx *Tx) noteInsert(query string, id int64) {
	if tx.audit == nil || tx.auditCreated != "" || tx.audit.collection == "" {
		return
	}
	m := insertTable.FindStringSubmatch(query)
	if m == nil || m[1] != tx.audit.collection {
		return
	}
	tx.auditCreated = fmt.Sprintf("%s/%d", strings.TrimPrefix(m[1], "api_"), id)
}

// recordAudit writes the pending action into the transaction.
func (tx *Tx) recordAudit(ctx context.Context) error {
	e := tx.audit.entry
	if tx.auditCreated != "" {
		e.Object = tx.auditCreated
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor_id, action, object, path) VALUES ($1, $2, $3, $4, $5)`,
		millis(tx.now), e.ActorID, e.Action, e.Object, e.Path)
	if err != nil {
		return fmt.Errorf("record audit: %w", err)
	}
	return nil
}

// AuditFilter narrows and pages the audit log; zero fields do not filter.
type AuditFilter struct {
	ActorID skillpath.ID
	Action  string // the route, exactly
	Object  string // "users/42", exactly
	After   skillpath.ID
	Limit   int
}

// Audit lists the audit log newest first, a page at a time, and returns the
// id to pass as After for the next page (0 on the last page).
func (s *Store) Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, skillpath.ID, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.After > 0 {
		add("id < $%d", f.After)
	}
	if f.ActorID > 0 {
		add("actor_id = $%d", f.ActorID)
	}
	if f.Action != "" {
		add("action = $%d", f.Action)
	}
	if f.Object != "" {
		add("object = $%d", f.Object)
	}
	q := `SELECT id, at, actor_id, action, object, path FROM audit_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	args = append(args, f.Limit+1)
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args))
	entries := []AuditEntry{}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.Action, &e.Object, &e.Path); err != nil {
			return nil, 0, err
		}
		e.At = fromMillis(at)
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	var next skillpath.ID
	if len(entries) > f.Limit {
		entries = entries[:f.Limit]
		next = entries[f.Limit-1].ID
	}
	return entries, next, nil
}
