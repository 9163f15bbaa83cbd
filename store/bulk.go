package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"skillpath"
)

// Bulk loads a whole organisation into an empty database with multi-row
// INSERTs, for `skillpath generate` (SPEC §5): thousands of rows per
// statement instead of one transaction per action. The caller writes rows
// as the store would have — ids it chooses, stored statuses that match the
// facts (CheckStatuses proves it), certificate_learners rows derived from
// them (CheckCertificateLearners proves it) — and declares tables parents
// first.
// Errors are sticky, as in bufio.Writer: the first one stops every later
// write and is what Bulk returns.
type Bulk struct {
	ctx    context.Context
	tx     *Tx
	tables []*BulkTable
	err    error
}

// BulkTable buffers the rows of one table and writes them a batch at a time.
type BulkTable struct {
	bulk    *Bulk
	name    string
	columns []string
	perRow  int // rows in a full batch
	full    *sql.Stmt
	pending []any
	rows    int // written so far
}

// bulkParams bounds the parameters of one statement, under SQLite's 32766
// and PostgreSQL's 65535.
const bulkParams = 30000

// Bulk runs fn in one write transaction on an empty database, then makes
// the database ready for normal use: identity sequences moved past the ids
// fn chose (PostgreSQL) and planner statistics gathered (both). Returns
// ECONFLICT when the database holds users, groups, certificates or
// trainings already.
func (s *Store) Bulk(ctx context.Context, fn func(b *Bulk) error) error {
	var tables []*BulkTable
	err := s.write(ctx, func(tx *Tx) error {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM groups)
			+ (SELECT COUNT(*) FROM certificates) + (SELECT COUNT(*) FROM trainings)`).Scan(&n)
		if err != nil {
			return err
		}
		if n > 0 {
			return skillpath.Errorf(skillpath.ECONFLICT, "the database is not empty: bulk loading needs an empty one")
		}
		if !s.dialect.postgres {
			// one transaction of millions of rows: a page cache of up to
			// 512 MiB instead of 2 MiB keeps SQLite from spilling index
			// pages to the WAL again and again
			if _, err := tx.ExecContext(ctx, `PRAGMA cache_size = -524288`); err != nil {
				return err
			}
			defer tx.ExecContext(ctx, `PRAGMA cache_size = -2000`)
		}
		b := &Bulk{ctx: ctx, tx: tx}
		defer b.close()
		if err := fn(b); err != nil {
			return err
		}
		tables = b.tables
		b.flushAll()
		return b.err
	})
	if err != nil {
		return err
	}
	if s.dialect.postgres {
		for _, t := range tables {
			if t.rows == 0 || !t.hasID() {
				continue
			}
			if _, err := s.wdb.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+t.name+`', 'id'), (SELECT MAX(id) FROM `+t.name+`))`); err != nil {
				return fmt.Errorf("move the id sequence of %s: %w", t.name, err)
			}
		}
	}
	_, err = s.wdb.ExecContext(ctx, `ANALYZE`)
	return err
}

// Table declares a table and the columns its rows give, in order. Declare
// a table after those it refers to: a batch is written only after every
// table declared before it is written up to date.
func (b *Bulk) Table(name string, columns ...string) *BulkTable {
	t := &BulkTable{bulk: b, name: name, columns: columns, perRow: max(1, bulkParams/len(columns))}
	b.tables = append(b.tables, t)
	return t
}

// Err is the first error of the load, nil while all goes well.
func (b *Bulk) Err() error { return b.err }

// Add buffers one row, writing a batch when it is full.
func (t *BulkTable) Add(values ...any) {
	b := t.bulk
	if b.err != nil {
		return
	}
	if len(values) != len(t.columns) {
		b.err = fmt.Errorf("bulk %s: %d values for %d columns", t.name, len(values), len(t.columns))
		return
	}
	t.pending = append(t.pending, values...)
	if len(t.pending) < t.perRow*len(t.columns) {
		return
	}
	for _, parent := range b.tables {
		if parent == t {
			break
		}
		parent.flush()
	}
	t.flush()
}

// Rows tells how many rows of the table were added.
func (t *BulkTable) Rows() int { return t.rows + len(t.pending)/len(t.columns) }

func (t *BulkTable) hasID() bool { return t.columns[0] == "id" }

func (t *BulkTable) flush() {
	b := t.bulk
	n := len(t.pending) / len(t.columns)
	if n == 0 || b.err != nil {
		return
	}
	var err error
	if n == t.perRow {
		if t.full == nil {
			t.full, err = b.tx.PrepareContext(b.ctx, t.statement(n))
		}
		if err == nil {
			_, err = t.full.ExecContext(b.ctx, t.pending...)
		}
	} else {
		_, err = b.tx.ExecContext(b.ctx, t.statement(n), t.pending...)
	}
	if err != nil {
		b.err = fmt.Errorf("bulk %s: %w", t.name, err)
		return
	}
	t.rows += n
	t.pending = t.pending[:0]
}

// statement is the INSERT of n rows.
func (t *BulkTable) statement(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", t.name, strings.Join(t.columns, ", "))
	p := 1
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range t.columns {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(t.bulk.tx.store.dialect.placeholder(p))
			p++
		}
		b.WriteByte(')')
	}
	return b.String()
}

func (b *Bulk) flushAll() {
	for _, t := range b.tables {
		t.flush()
	}
}

func (b *Bulk) close() {
	for _, t := range b.tables {
		if t.full != nil {
			t.full.Close()
		}
	}
}
