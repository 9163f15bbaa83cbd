package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

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
// The rows are committed in batches of about bulkCommitRows (which bounds
// the rollback journal SQLite keeps in memory during the load, see
// sqliteBegin), and the tables' secondary indexes are dropped before the load and built again
// after it, each in one sorted pass instead of millions of inserts at
// random places. A load that fails midway leaves the rows committed so
// far, with their indexes: start again on an empty database. On SQLite
// such a file is refused by Open (see bulkLoading): delete it.
//
// The statements run on a goroutine of their own (the writer), on one
// connection held for the whole load — on a SQLite file, one the writer
// opens through SQLite's C interface rather than database/sql
// (bulk_sqlite.go) — so that generating the next rows and storing the
// last ones can use two cores; each table's statement of a full batch is
// prepared once for the whole load. On SQLite the tables of bulkSides are
// written by writers of their own into side files, which build their
// indexes and statistics while the database builds its own, and are then
// copied into the database (bulk_side.go): one SQLite file has one writer
// at a time, so this is how a load uses both cores.
//
// Errors are sticky, as in bufio.Writer: the first one stops every later
// write and is what Bulk returns.
type Bulk struct {
	ctx    context.Context
	store  *Store
	conn   *sql.Conn // held for the whole load
	tables []*BulkTable
	err    error // the first error, as the caller sees it
	// unchecked: foreign keys are not checked during the load (SQLite), so
	// a table's batch need not wait for its parents' pending rows
	unchecked bool

	main  *bulkWriter // writes into the database
	sides []*bulkSide // SQLite: the side files' writers and tables
}

// bulkWriter writes the batches of its tables on one connection, on a
// goroutine of its own: batches in the order they were written, its first
// error (set once, by the writer), closed done when it has stopped.
//
// On PostgreSQL, and on a SQLite database in memory, that connection is
// conn, through database/sql. On a SQLite file it is a connection of the
// writer's own to file, opened and closed by run (bulk_sqlite.go: the
// database/sql path cost about as much CPU as SQLite's work), and
// committed before done is closed.
type bulkWriter struct {
	b       *Bulk
	conn    *sql.Conn
	file    string // SQLite: the file run opens its connection to
	create  bool   // the file is created if missing (side files)
	journal string // the journal_mode of that connection
	sqlite  *sqliteConn
	stmts   map[bulkStmt]uintptr // prepared on sqlite
	work    chan bulkBatch
	done    chan struct{}
	failed  atomic.Pointer[error]
	inTx    bool          // a transaction is open (writer)
	txRows  int           // rows written in it (writer)
	written int           // rows written in all (writer)
	busy    time.Duration // spent writing (writer)
}

// bulkStmt names the INSERT of rows rows of a table.
type bulkStmt struct {
	t    *BulkTable
	rows int
}

// bulkBatch is a table's rows handed to the writer.
type bulkBatch struct {
	t      *BulkTable
	values []any
}

// BulkTable buffers the rows of one table and writes them a batch at a time.
type BulkTable struct {
	bulk    *Bulk
	name    string
	columns []string
	perRow  int // rows in a full batch
	pending []any
	added   int         // rows handed to the writer
	spare   chan []any  // buffers the writer is done with
	w       *bulkWriter // the writer of its rows
	full    *sql.Stmt   // the statement of a full batch (writer)
}

// bulkLoading is SQLite's user_version while Bulk loads a file (Open
// refuses such a file): "SkLd" in ASCII.
const bulkLoading = 0x536b4c64

// bulkParams bounds the parameters of one statement, under SQLite's 32766
// and PostgreSQL's 65535.
const bulkParams = 30000

// bulkCommitRows is about how many rows one transaction of a load writes.
const bulkCommitRows = 250_000

// bulkQueue is how many batches wait for the writer at most.
const bulkQueue = 4

// bulkRowsCacheKiB is SQLite's page cache while a load writes its rows
// (the default is 2 MiB): enough for the pages inserts keep coming back
// to — the last leaf of each certificate's range in certificate_learners'
// primary key at a million learners — and no more. A larger cache was
// slower, not faster: modernc's allocator maps each page when the cache
// grows and gives it back to the system (madvise, munmap: TLB flushes on
// this virtual machine) when the cache is cleared, which cost more than
// the reads it saved (docs/PERFORMANCE.md, "Issue 12, sixth session").
const bulkRowsCacheKiB = 32 << 10

// bulkSortCacheKiB is the page cache while the indexes are built. The
// sorter of CREATE INDEX keeps that much in memory before it writes a
// sorted run out, and sorting runs that fit the processor's caches, then
// merging them, was faster than sorting larger ones in memory.
const bulkSortCacheKiB = 4 << 10

// bulkMmapBytes is how much of each file a load reads through memory
// mapping (SQLite's mmap_size) rather than read calls into its page
// cache: the index builds', ANALYZE's and the side files' copies' reads.
const bulkMmapBytes = 2 << 30

// Bulk runs fn on an empty database, committing its rows in batches, then
// builds the indexes it dropped and makes the database ready for normal
// use: identity sequences moved past the ids fn chose (PostgreSQL) and
// planner statistics gathered (both; on a SQLite file sqlite_stat1
// without sqlite_stat4 samples, see analyzeFile). Returns ECONFLICT when
// the database holds users, groups, certificates or trainings already.
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
	conn, err := s.wdb.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	b := &Bulk{ctx: ctx, store: s, conn: conn}
	b.main = &bulkWriter{b: b, conn: conn}
	if file := s.sqliteFile(); file != "" {
		// conn holds no transaction while the writer's own connection
		// writes, and the writer closes it before conn builds the indexes
		b.main.file, b.main.journal = file, "memory"
	}
	bg := context.WithoutCancel(ctx)
	if !s.dialect.postgres {
		// the connection's settings back as Open made them, however the
		// load ends (after finish has made a finished one durable)
		defer b.sqliteRestore(bg)
		if err := b.sqliteBegin(); err != nil {
			return err
		}
		b.unchecked = true
		defer func() {
			for _, sd := range b.sides {
				sd.close()
			}
		}()
		if err := b.openSides(); err != nil {
			return err
		}
	}
	indexes, err := b.dropIndexes()
	if err != nil {
		return err
	}
	start := time.Now()
	writers := b.writers()
	for _, w := range writers {
		w.work, w.done = make(chan bulkBatch, bulkQueue), make(chan struct{})
		go w.run()
	}
	err = fn(b)
	if err == nil {
		b.flushAll()
		err = b.Err()
	}
	written, busy := 0, []string(nil)
	for _, w := range writers {
		close(w.work)
		<-w.done
		if err == nil {
			err = b.Err()
		}
		if cerr := w.commit(bg); err == nil && cerr != nil {
			err = fmt.Errorf("bulk: commit: %w", cerr)
		}
		written += w.written
		busy = append(busy, w.busy.Round(time.Millisecond).String())
	}
	b.close()
	s.Log.Info("bulk load: rows written", "rows", written, "duration", time.Since(start).Round(time.Millisecond), "writers_busy", busy)
	// the side files build their indexes and statistics meanwhile
	var sides []*bulkSide
	if err == nil {
		sides = b.sides
	}
	run := b.finishSides(bg, sides)
	start = time.Now()
	// the indexes come back whatever happened: the schema is the migrations'
	if !s.dialect.postgres {
		if _, cerr := conn.ExecContext(bg, sortCache); cerr != nil && err == nil {
			err = cerr
		}
	}
	for _, q := range indexes {
		if _, ierr := conn.ExecContext(bg, q); ierr != nil && err == nil {
			err = fmt.Errorf("build index again (%s): %w", q, ierr)
		}
	}
	s.Log.Info("bulk load: indexes built", "indexes", len(indexes), "duration", time.Since(start).Round(time.Millisecond))
	if err == nil {
		err = b.analyze()
	}
	// each side's rows copied as soon as its indexes are built: the last
	// one's copy alone waits for every index build
	err = b.copySides(run, err)
	if err == nil {
		err = b.finish()
	}
	return err
}

// bulkPragmas set up every connection of a load on SQLite once its
// journal is set (sqliteBegin, openSide, openSQLite): nothing synced,
// foreign keys not checked, the rows' page cache, mapped reads.
var bulkPragmas = []string{`PRAGMA synchronous = OFF`, `PRAGMA foreign_keys = OFF`,
	fmt.Sprintf(`PRAGMA cache_size = -%d`, bulkRowsCacheKiB), fmt.Sprintf(`PRAGMA mmap_size = %d`, bulkMmapBytes)}

// sortCache sets the page cache of a load's index builds on SQLite.
var sortCache = fmt.Sprintf(`PRAGMA cache_size = -%d`, bulkSortCacheKiB)

// writers are the load's writers, the database's first.
func (b *Bulk) writers() []*bulkWriter {
	ws := []*bulkWriter{b.main}
	for _, sd := range b.sides {
		ws = append(ws, sd.w)
	}
	return ws
}

// analyze gathers the planner statistics of the database (those of the
// side tables, empty here, come with their rows: copySide). On a SQLite
// file they are gathered without sqlite_stat4 samples (analyzeFile).
func (b *Bulk) analyze() error {
	start := time.Now()
	var err error
	if file := b.store.sqliteFile(); file != "" {
		err = analyzeFile(file)
	} else {
		_, err = b.conn.ExecContext(b.ctx, `ANALYZE`)
	}
	if err != nil {
		return err
	}
	b.store.Log.Info("bulk load: planner statistics gathered", "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

// finish makes the loaded database ready for use once its indexes are
// built and its statistics gathered: sequences, and on SQLite the durable
// end of the load.
func (b *Bulk) finish() error {
	s, ctx, conn := b.store, b.ctx, b.conn
	if s.dialect.postgres {
		for _, t := range b.tables {
			if t.added == 0 || !t.hasID() {
				continue
			}
			if _, err := conn.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+t.name+`', 'id'), (SELECT MAX(id) FROM `+t.name+`))`); err != nil {
				return fmt.Errorf("move the id sequence of %s: %w", t.name, err)
			}
		}
		return nil
	}
	// Made durable before the database is declared complete: every page
	// written and synced (the mark set again, with synchronous = FULL, is
	// a transaction that syncs the file), then the write-ahead log back
	// and the mark cleared in a synced transaction of its own.
	// the statistics gathered and copied by other connections are read
	// by connections opened from now on; this one reads them again
	for _, q := range []string{`ANALYZE sqlite_schema`, `PRAGMA synchronous = FULL`, fmt.Sprintf(`PRAGMA user_version = %d`, bulkLoading),
		`PRAGMA journal_mode = WAL`, `PRAGMA user_version = 0`, `PRAGMA wal_checkpoint(TRUNCATE)`} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("bulk: %s: %w", q, err)
		}
	}
	return nil
}

// sqliteBegin sets the load's connection up on SQLite.
//
// Nothing is synced to disk during the load (synchronous = OFF) and the
// rollback journal is kept in memory (journal_mode = MEMORY) instead of the
// write-ahead log, which writes every page twice (to the log, then copied
// into the file): a crash of the machine midway may leave a damaged file.
// So the file is first marked as being loaded (user_version = bulkLoading,
// synced), and Open refuses a file so marked: a load that did not finish —
// killed, failed, or the machine down — leaves a database that cannot be
// used as if it were complete; delete it and generate again. The mark is
// cleared once the load, its indexes and statistics are synced (finish).
//
// Foreign keys are not checked during the load: a table's rows are
// written when a statement's worth is buffered, without first writing its
// parents' pending rows. The page cache is larger (bulkRowsCacheKiB) and
// pages are read through memory mapping (bulkMmapBytes).
// Temporary files stay files: the sorted runs CREATE INDEX writes when an
// index does not fit the cache are read back at alternating offsets, which
// SQLite's in-memory files (temp_store = MEMORY) serve by walking their
// chunks from the start.
func (b *Bulk) sqliteBegin() error {
	ctx := b.ctx
	// Leaving WAL needs no other connection to the file open: the read
	// pool's idle ones are closed (they open again when needed).
	b.store.db.SetMaxIdleConns(0)
	for _, q := range append([]string{`PRAGMA synchronous = FULL`, fmt.Sprintf(`PRAGMA user_version = %d`, bulkLoading),
		`PRAGMA journal_mode = MEMORY`}, bulkPragmas...) {
		var mode string
		if strings.Contains(q, "journal_mode") {
			err := b.conn.QueryRowContext(ctx, q).Scan(&mode)
			if err == nil && !strings.EqualFold(mode, "memory") {
				err = fmt.Errorf("the journal stayed %s", mode)
			}
			if err != nil {
				// nothing is loaded yet: the mark goes, or the file would
				// be refused for a load that never began
				_, _ = b.conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA user_version = 0`)
				return fmt.Errorf("bulk: %s: %w (is another process, a serve, using the file?)", q, err)
			}
			continue
		}
		if _, err := b.conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("bulk: %s: %w", q, err)
		}
	}
	return nil
}

// sqliteRestore puts the connection's settings back as Open made them.
func (b *Bulk) sqliteRestore(ctx context.Context) {
	for _, q := range []string{`PRAGMA journal_mode = WAL`, `PRAGMA foreign_keys = ON`, `PRAGMA cache_size = -2000`,
		`PRAGMA mmap_size = 0`, `PRAGMA synchronous = NORMAL`} {
		_, _ = b.conn.ExecContext(ctx, q)
	}
	b.store.db.SetMaxIdleConns(4)
}

// dropIndexes drops the secondary indexes of the tables a load writes in
// the database — not those of primary keys and unique constraints; on
// SQLite the unique indexes created on their own (CREATE UNIQUE INDEX)
// are dropped too, and building them again checks that no two rows
// collide, as inserting them one by one would have — and returns the
// statements that create them again.
func (b *Bulk) dropIndexes() ([]string, error) {
	s := b.store
	// the side tables stay empty here until copied with their indexes
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
		AND tbl_name IN (` + bulkTableList + `) AND tbl_name NOT IN (` + b.sideList() + `) ORDER BY name`
	if s.dialect.postgres {
		q = `SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema()
			AND i.tablename IN (` + bulkTableList + `) AND i.indexdef NOT LIKE 'CREATE UNIQUE%'
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) ORDER BY i.indexname`
	}
	rows, err := b.conn.QueryContext(b.ctx, q)
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
		if _, err := b.conn.ExecContext(b.ctx, `DROP INDEX `+name); err != nil {
			for _, q := range creates[:i] {
				_, _ = b.conn.ExecContext(b.ctx, q)
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

// Table declares a table and the columns its rows give, in order. Declare
// a table after those it refers to: a batch is written only after every
// table declared before it is written up to date.
func (b *Bulk) Table(name string, columns ...string) *BulkTable {
	t := &BulkTable{bulk: b, name: name, columns: columns, perRow: max(1, bulkParams/len(columns)), spare: make(chan []any, bulkQueue+1),
		w: b.main}
	for _, sd := range b.sides {
		if slices.Contains(sd.tables, name) {
			t.w = sd.w
		}
	}
	b.tables = append(b.tables, t)
	return t
}

// Err is the first error of the load, nil while all goes well.
func (b *Bulk) Err() error {
	if b.err == nil {
		for _, w := range b.writers() {
			if err := w.failed.Load(); err != nil {
				b.err = *err
				break
			}
		}
	}
	return b.err
}

// Add buffers one row, handing a batch to the writer when it is full.
func (t *BulkTable) Add(values ...any) {
	b := t.bulk
	if b.err != nil {
		return
	}
	if len(values) != len(t.columns) {
		b.err = fmt.Errorf("bulk %s: %d values for %d columns", t.name, len(values), len(t.columns))
		return
	}
	if t.pending == nil {
		select {
		case t.pending = <-t.spare:
		default:
			t.pending = make([]any, 0, t.perRow*len(t.columns))
		}
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
func (t *BulkTable) Rows() int { return t.added + len(t.pending)/len(t.columns) }

func (t *BulkTable) hasID() bool { return t.columns[0] == "id" }

// flush hands the pending rows to the table's writer.
func (t *BulkTable) flush() {
	b := t.bulk
	n := len(t.pending) / len(t.columns)
	if n == 0 || b.Err() != nil {
		return
	}
	t.w.work <- bulkBatch{t: t, values: t.pending}
	t.added += n
	t.pending = nil
}

func (b *Bulk) flushAll() {
	for _, t := range b.tables {
		t.flush()
	}
}

// sqliteFile is the SQLite database's file, "" on PostgreSQL and for a
// database in memory or named by a URI with parameters.
func (s *Store) sqliteFile() string {
	if s.sqlitePath == "" || strings.HasPrefix(s.sqlitePath, ":") || strings.Contains(s.sqlitePath, "?") {
		return ""
	}
	return s.sqlitePath
}

// run writes the batches handed to the writer, in order, until its work
// is closed; after its first error it only drains them. A writer of a
// SQLite file opens its connection first and, once the work is closed,
// commits and closes it.
func (w *bulkWriter) run() {
	defer close(w.done)
	if w.file != "" {
		var err error
		if w.sqlite, err = openSQLite(w.file, w.create, w.journal); err != nil {
			err = fmt.Errorf("bulk: %w", err)
			w.failed.Store(&err)
		}
		w.stmts = map[bulkStmt]uintptr{}
		defer w.closeSQLite()
	}
	for batch := range w.work {
		if w.failed.Load() != nil {
			continue
		}
		if err := w.write(batch); err != nil {
			w.failed.Store(&err)
			continue
		}
		clear(batch.values)
		select {
		case batch.t.spare <- batch.values[:0]:
		default:
		}
	}
}

// write writes one batch, beginning a transaction when none is open and
// committing it once it holds about bulkCommitRows rows. With foreign keys
// checked, every table declared before the batch's is written up to date
// (Add): a transaction never holds a row whose parent is still to come.
func (w *bulkWriter) write(batch bulkBatch) error {
	t, ctx := batch.t, w.b.ctx
	start := time.Now()
	defer func() { w.busy += time.Since(start) }()
	n := len(batch.values) / len(t.columns)
	if err := ctx.Err(); err != nil && w.sqlite != nil {
		// as database/sql would: a cancelled load stops at its next batch
		return fmt.Errorf("bulk %s: %w", t.name, err)
	}
	if !w.inTx {
		if err := w.exec(ctx, `BEGIN`); err != nil {
			return fmt.Errorf("bulk: begin: %w", err)
		}
		w.inTx = true
	}
	var err error
	if w.sqlite != nil {
		key := bulkStmt{t, n}
		stmt, ok := w.stmts[key]
		if !ok {
			if stmt, err = w.sqlite.prepare(t.statement(n)); err == nil {
				w.stmts[key] = stmt
			}
		}
		if err == nil {
			err = w.sqlite.run(stmt, batch.values)
		}
	} else if n == t.perRow {
		if t.full == nil {
			t.full, err = w.conn.PrepareContext(ctx, t.statement(n))
		}
		if err == nil {
			_, err = t.full.ExecContext(ctx, batch.values...)
		}
	} else {
		_, err = w.conn.ExecContext(ctx, t.statement(n), batch.values...)
	}
	if err != nil {
		return fmt.Errorf("bulk %s: %w", t.name, err)
	}
	w.written += n
	if w.txRows += n; w.txRows >= bulkCommitRows {
		if err := w.commit(ctx); err != nil {
			return fmt.Errorf("bulk: commit: %w", err)
		}
	}
	return nil
}

// commit commits the writer's open transaction, if any.
func (w *bulkWriter) commit(ctx context.Context) error {
	if !w.inTx {
		return nil
	}
	err := w.exec(ctx, `COMMIT`)
	w.inTx, w.txRows = false, 0
	return err
}

// exec runs q, without parameters, on the writer's connection.
func (w *bulkWriter) exec(ctx context.Context, q string) error {
	if w.sqlite != nil {
		return w.sqlite.exec(q)
	}
	_, err := w.conn.ExecContext(ctx, q)
	return err
}

// closeSQLite commits the writer's open transaction on its own SQLite
// connection — the rows written before an error too, as on conn — and
// closes the connection, keeping the first error.
func (w *bulkWriter) closeSQLite() {
	if w.sqlite == nil {
		return
	}
	fail := func(err error) {
		if err != nil && w.failed.Load() == nil {
			w.failed.Store(&err)
		}
	}
	if err := w.commit(w.b.ctx); err != nil {
		fail(fmt.Errorf("bulk: commit: %w", err))
	}
	if err := w.sqlite.close(); err != nil {
		fail(fmt.Errorf("bulk: close: %w", err))
	}
	w.sqlite, w.stmts = nil, nil
}

// statement is the INSERT of n rows. On SQLite it is INSERT OR FAIL: a
// row breaking a constraint stops the load as INSERT does, but without
// undoing the statement's earlier rows, so SQLite keeps no statement
// journal — a copy of every page the statement changes (8 % of the CPU
// of writing the rows at 100,000 learners). A failed load is refused
// whole anyway (bulkLoading).
func (t *BulkTable) statement(n int) string {
	var b strings.Builder
	verb := "INSERT OR FAIL"
	if t.bulk.store.dialect.postgres {
		verb = "INSERT"
	}
	fmt.Fprintf(&b, "%s INTO %s (%s) VALUES ", verb, t.name, strings.Join(t.columns, ", "))
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

// close closes the prepared statements of the load.
func (b *Bulk) close() {
	for _, t := range b.tables {
		if t.full != nil {
			t.full.Close()
			t.full = nil
		}
	}
}
