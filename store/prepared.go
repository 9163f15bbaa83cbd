package store

import (
	"context"
	"database/sql"
	"fmt"
)

// A prepared statement is parsed and planned once per connection and then
// only bound and run: on SQLite (modernc.org/sqlite) preparing a statement
// cost more than running it — 30 % of the CPU of a learner's answer before
// this. The statements of the learning path (learning.go) are declared with
// prepare, prepared on both pools when the store opens, and run inside a
// transaction through Tx.stmt, which reuses the connection's copy.
// PostgreSQL's driver (pgx) caches its statements by itself; there the
// declared ones cost nothing more.

// preparedStmt is one declared statement: its text for each dialect and its
// place in the store's lists.
type preparedStmt struct {
	text  func(dialect) string
	index int
}

var declared []*preparedStmt

// prepare declares a statement written once for both databases.
func prepare(text string) *preparedStmt {
	return prepareFor(func(dialect) string { return text })
}

// prepareFor declares a statement whose text depends on the dialect (a row
// lock on PostgreSQL). Call it from package variables only.
func prepareFor(text func(dialect) string) *preparedStmt {
	p := &preparedStmt{text: text, index: len(declared)}
	declared = append(declared, p)
	return p
}

// prepareAll prepares every declared statement on the read and the write
// pool; database/sql prepares each again, once, on any other connection of
// the pool the first time a transaction on it uses it.
func (s *Store) prepareAll(ctx context.Context) error {
	var err error
	if s.rstmts, err = prepareOn(ctx, s.db, s.dialect); err != nil {
		return err
	}
	if s.wdb == s.db {
		s.wstmts = s.rstmts
		return nil
	}
	s.wstmts, err = prepareOn(ctx, s.wdb, s.dialect)
	return err
}

func prepareOn(ctx context.Context, db *sql.DB, d dialect) ([]*sql.Stmt, error) {
	stmts := make([]*sql.Stmt, len(declared))
	for i, p := range declared {
		st, err := db.PrepareContext(ctx, p.text(d))
		if err != nil {
			for _, prev := range stmts[:i] {
				prev.Close()
			}
			return nil, fmt.Errorf("prepare %q: %w", p.text(d), err)
		}
		stmts[i] = st
	}
	return stmts, nil
}

func closeStmts(stmts []*sql.Stmt) {
	for _, st := range stmts {
		if st != nil {
			st.Close()
		}
	}
}

// stmt is the declared statement p on this transaction's connection. Do
// not run one statement twice at once (a second query while the rows of
// the first are open): they share the connection's copy.
func (tx *Tx) stmt(ctx context.Context, p *preparedStmt) *sql.Stmt {
	return tx.StmtContext(ctx, tx.stmts[p.index])
}

// stmt is the declared statement p on the read pool, outside any
// transaction.
func (s *Store) stmt(p *preparedStmt) *sql.Stmt { return s.rstmts[p.index] }
