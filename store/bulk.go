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
//
// The rows are committed in batches of about bulkCommitRows, so the
// write-ahead log stays small (one transaction of a million learners grew
// SQLite's to 3.3 GB), and the tables' secondary indexes are dropped
// before the load and built again after it, each in one sorted pass
// instead of millions of inserts at random places. A load that fails
// midway leaves the rows committed so far, with their indexes: start again
// on an empty database. On SQLite such a file is refused by Open (see
// bulkLoading): delete it.
//
// Errors are sticky, as in bufio.Writer: the first one stops every later
// write and is what Bulk returns.
type Bulk struct {
	ctx    context.Context
	store  *Store
	tx     *sql.Tx // the open batch, nil between batches
	rows   int     // rows written in the open batch
	tables []*BulkTable
	err    error
	// unchecked: foreign keys are not checked during the load (SQLite), so
	// a table's batch need not wait for its parents' pending rows
	unchecked bool
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

// bulkLoading is SQLite's user_version while Bulk loads a file (Open
// refuses such a file): "SkLd" in ASCII.
const bulkLoading = 0x536b4c64

// bulkParams bounds the parameters of one statement, under SQLite's 32766
// and PostgreSQL's 65535.
const bulkParams = 30000

// bulkCommitRows is about how many rows one transaction of a load writes.
const bulkCommitRows = 250_000

// Bulk runs fn on an empty database, committing its rows in batches, then
// builds the indexes it dropped and makes the database ready for normal
// use: identity sequences moved past the ids fn chose (PostgreSQL) and
// planner statistics gathered (both). Returns ECONFLICT when the database
// holds users, groups, certificates or trainings already.
func (s *Store) Bulk(ctx context.Context, fn func(b *Bulk) error) error {
	var n int
	err := s.wdb.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM groups)
		+ (SELECT COUNT(*) FROM certificates) + (SELECT COUNT(*) FROM trainings)`).Scan(&n)
	if err != nil {
		return err
	}
	if n > 0 {
		return skillpath.Errorf(skillpath.ECONFLICT, "the database is not empty: bulk loading needs an empty one")
	}
	b := &Bulk{ctx: ctx, store: s}
	if !s.dialect.postgres {
		// A page cache of up to 256 MiB instead of 2 MiB for the load and the
		// index builds, and no foreign key checks: a table's rows are written
		// when a statement's worth is buffered, without first writing its
		// parents' pending rows in smaller statements prepared anew each
		// time. The write pool holds one connection, which keeps them all.
		//
		// Nor is anything synced to disk during the load (synchronous =
		// OFF): a crash of the machine midway may leave a damaged file. So
		// the file is first marked as being loaded (user_version =
		// bulkLoading, synced), and Open refuses a file so marked: a load
		// that did not finish — killed, failed, or the machine down —
		// leaves a database that cannot be used as if it were complete;
		// delete it and generate again. The mark is cleared once the load,
		// its indexes and statistics are synced (below).
		for _, q := range []string{`PRAGMA synchronous = FULL`, fmt.Sprintf(`PRAGMA user_version = %d`, bulkLoading),
			`PRAGMA cache_size = -262144`, `PRAGMA foreign_keys = OFF`, `PRAGMA synchronous = OFF`} {
			if _, err := s.wdb.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		b.unchecked = true
		defer s.wdb.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`)
		defer s.wdb.ExecContext(context.WithoutCancel(ctx), `PRAGMA cache_size = -2000`)
		defer s.wdb.ExecContext(context.WithoutCancel(ctx), `PRAGMA synchronous = NORMAL`)
	}
	indexes, err := b.dropIndexes()
	if err != nil {
		return err
	}
	err = fn(b)
	if err == nil {
		b.flushAll()
		err = b.err
	}
	b.close()
	if cerr := b.commit(); err == nil {
		err = cerr
	}
	// the indexes come back whatever happened: the schema is the migrations'
	for _, q := range indexes {
		if _, ierr := s.wdb.ExecContext(context.WithoutCancel(ctx), q); ierr != nil && err == nil {
			err = fmt.Errorf("build index again (%s): %w", q, ierr)
		}
	}
	if err != nil {
		return err
	}
	if s.dialect.postgres {
		for _, t := range b.tables {
			if t.rows == 0 || !t.hasID() {
				continue
			}
			if _, err := s.wdb.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+t.name+`', 'id'), (SELECT MAX(id) FROM `+t.name+`))`); err != nil {
				return fmt.Errorf("move the id sequence of %s: %w", t.name, err)
			}
		}
	}
	if _, err := s.wdb.ExecContext(ctx, `ANALYZE`); err != nil {
		return err
	}
	if !s.dialect.postgres {
		// Made durable before the database is declared complete: the
		// write-ahead log synced and copied into the file, then the mark
		// of the load cleared.
		for _, q := range []string{`PRAGMA synchronous = FULL`, `PRAGMA wal_checkpoint(TRUNCATE)`, `PRAGMA user_version = 0`, `PRAGMA synchronous = NORMAL`} {
			if _, err := s.wdb.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("bulk: %s: %w", q, err)
			}
		}
	}
	return nil
}

// dropIndexes drops the secondary indexes of the tables a load writes —
// not those of primary keys and unique constraints — and returns the
// statements that create them again.
func (b *Bulk) dropIndexes() ([]string, error) {
	s := b.store
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'
		AND tbl_name IN (` + bulkTableList + `) ORDER BY name`
	if s.dialect.postgres {
		q = `SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema()
			AND i.tablename IN (` + bulkTableList + `) AND i.indexdef NOT LIKE 'CREATE UNIQUE%'
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) ORDER BY i.indexname`
	}
	rows, err := s.wdb.QueryContext(b.ctx, q)
	if err != nil {
		return nil, err
	}
	var names, creates []string
	for rows.Next() {
		var name, create string
		if err := rows.Scan(&name, &create); err != nil {
			rows.Close()
			return nil, err
		}
		names, creates = append(names, name), append(creates, create)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, name := range names {
		if _, err := s.wdb.ExecContext(b.ctx, `DROP INDEX `+name); err != nil {
			for _, q := range creates[:i] {
				_, _ = s.wdb.ExecContext(b.ctx, q)
			}
			return nil, err
		}
	}
	return creates, nil
}

// bulkTableList names the tables a load writes, for dropIndexes.
const bulkTableList = `'users', 'user_fields', 'groups', 'group_tree', 'group_members', 'group_staff', 'certificates',
	'trainings', 'training_certificates', 'training_prerequisites', 'training_staff', 'modules', 'activities', 'sessions',
	'enrollments', 'module_attempts', 'answers', 'awards', 'certificate_learners'`

// batch returns the open transaction, beginning one when none is.
func (b *Bulk) batch() (*sql.Tx, error) {
	if b.tx == nil {
		tx, err := b.store.wdb.BeginTx(b.ctx, nil)
		if err != nil {
			return nil, err
		}
		b.tx = tx
	}
	return b.tx, nil
}

// commit commits the open batch, if any; its prepared statements go with it.
func (b *Bulk) commit() error {
	if b.tx == nil {
		return nil
	}
	b.close()
	err := b.tx.Commit()
	b.tx, b.rows = nil, 0
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
		if parent == t || b.unchecked {
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
	tx, err := b.batch()
	if err == nil && n == t.perRow {
		if t.full == nil {
			t.full, err = tx.PrepareContext(b.ctx, t.statement(n))
		}
		if err == nil {
			_, err = t.full.ExecContext(b.ctx, t.pending...)
		}
	} else if err == nil {
		_, err = tx.ExecContext(b.ctx, t.statement(n), t.pending...)
	}
	if err != nil {
		b.err = fmt.Errorf("bulk %s: %w", t.name, err)
		return
	}
	t.rows += n
	t.pending = t.pending[:0]
	if b.rows += n; b.rows >= bulkCommitRows {
		// with foreign keys checked, every table declared before t is
		// written up to date (Add): the batch holds no row whose parent is
		// still to come
		if err := b.commit(); err != nil {
			b.err = fmt.Errorf("bulk: commit: %w", err)
		}
	}
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
			b.WriteString(t.bulk.store.dialect.placeholder(p))
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

// close closes the prepared statements of the open batch.
func (b *Bulk) close() {
	for _, t := range b.tables {
		if t.full != nil {
			t.full.Close()
			t.full = nil
		}
	}
}
