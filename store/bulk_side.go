package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"
)

// bulkSides are the tables a load on SQLite writes into side files of
// their own — one file per group, each on a connection and writer of its
// own — instead of into the database: their rows, index builds and
// statistics then run beside the database's, on the other core, and each
// side file's finished tables are copied into the database as soon as it
// is done by INSERT … SELECT *, which SQLite runs with its transfer
// optimisation (insert.c, xferOptimization: an identical table with the
// same indexes, empty, foreign keys off) — records and index entries
// copied in order, without decoding or sorting them.
//
// certificate_learners: seven secondary indexes, five of them covering
// ones of six or seven columns, over half of the index builds of a load of
// the generator's rows; enrollments: a third of the CPU of writing the rows
// (nineteen columns, two unique indexes filled at random places), which
// the database's writer would otherwise spend while the others wait.
var bulkSides = [][]string{{"certificate_learners"}, {"enrollments"}}

// bulkSideKept are the side tables' secondary indexes kept during the
// load rather than built after it: the generator writes each learner's
// rows in user then certificate order — the order of certificate_learners'
// primary key, whose B-tree holds its rows (WITHOUT ROWID), so they are
// appended at its end — and the entries of certificate_learners_email are
// appended at the end of one certificate's range (by certificate, then
// e-mail address, which orders learners as their ids do): cheap inserts,
// made while the side's writer would wait for rows anyway instead of after
// the load, where the side's index builds are what the load waits for.
var bulkSideKept = []string{"certificate_learners_email"}

// bulkSide is a side file of a load on SQLite: the database's file name
// with "-bulk" and a number appended, removed when the load ends (a load
// that did not finish may leave it; the next one replaces it).
type bulkSide struct {
	path    string
	db      *sql.DB
	conn    *sql.Conn   // creates the tables, builds the indexes and statistics
	w       *bulkWriter // writes the rows on a connection of its own
	tables  []string
	indexes []string // CREATE INDEX statements run after the rows
}

// sideResult is a side file done, with the error that stopped it.
type sideResult struct {
	side *bulkSide
	err  error
}

// sqlList is names as an SQL list of strings, an empty string alone when
// there are none.
func sqlList(names []string) string {
	return "'" + strings.Join(names, "', '") + "'"
}

// sideList is every side table as an SQL list of strings.
func (b *Bulk) sideList() string {
	var names []string
	for _, sd := range b.sides {
		names = append(names, sd.tables...)
	}
	return sqlList(names)
}

// openSides opens the side files of bulkSides, none for a database in
// memory.
func (b *Bulk) openSides() error {
	file := b.store.sqliteFile()
	if file == "" {
		return nil
	}
	for i, tables := range bulkSides {
		if err := b.openSide(fmt.Sprintf("%s-bulk%d", file, i+1), tables); err != nil {
			return err
		}
	}
	return nil
}

// openSide creates a side file with its tables as the database declares
// them, with the indexes of bulkSideKept — the others built after the rows
// as in the database (dropIndexes) — and its writer, which writes the rows
// on a connection of its own (bulk_sqlite.go), closed before finish.
func (b *Bulk) openSide(path string, tables []string) error {
	sd := &bulkSide{path: path, tables: tables}
	if err := os.Remove(sd.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("bulk: side file: %w", err)
	}
	rows, err := b.conn.QueryContext(b.ctx, `SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN (`+sqlList(sd.tables)+`)
		AND sql IS NOT NULL ORDER BY type = 'index', name`)
	if err != nil {
		return err
	}
	var schema []string
	for rows.Next() {
		var kind, name, q string
		if err := rows.Scan(&kind, &name, &q); err != nil {
			rows.Close()
			return err
		}
		if kind == "index" && !slices.Contains(bulkSideKept, name) {
			sd.indexes = append(sd.indexes, q)
		} else {
			schema = append(schema, q)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if sd.db, err = sql.Open("sqlite", "file:"+sd.path); err != nil {
		return fmt.Errorf("bulk: side file: %w", err)
	}
	sd.db.SetMaxOpenConns(1)
	sd.conn, err = sd.db.Conn(b.ctx)
	if err == nil {
		sd.w = &bulkWriter{b: b, file: sd.path, create: true, journal: "off"}
		for _, q := range append(append([]string{`PRAGMA journal_mode = OFF`}, bulkPragmas...), schema...) {
			if _, err = sd.conn.ExecContext(b.ctx, q); err != nil {
				err = fmt.Errorf("%s: %w", q, err)
				break
			}
		}
	}
	if err != nil {
		sd.close()
		return fmt.Errorf("bulk: side file: %w", err)
	}
	b.sides = append(b.sides, sd)
	return nil
}

// build builds the side tables' indexes; the database's connection can
// copy their rows next (copySides) while analyze runs.
func (sd *bulkSide) build(ctx context.Context, log *slog.Logger) error {
	start := time.Now()
	for _, q := range append([]string{sortCache}, sd.indexes...) {
		if _, err := sd.conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	log.Info("bulk load: side file's indexes built", "tables", sd.tables, "indexes", len(sd.indexes),
		"duration", time.Since(start).Round(time.Millisecond))
	return nil
}

// analyze closes the side file's connection and gathers the side tables'
// statistics on one of its own (analyzeFile). It runs while the
// database's connection copies the tables' rows, reading the file: its
// commit waits for that read to end (busy timeout).
func (sd *bulkSide) analyze(log *slog.Logger) error {
	start := time.Now()
	if err := sd.closeDB(); err != nil {
		return err
	}
	if err := analyzeFile(sd.path); err != nil {
		return err
	}
	log.Info("bulk load: side file's statistics gathered", "tables", sd.tables, "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

// sidesRun is the side files finishing: each is sent to built once its
// indexes are built, then to analyzed once its statistics are gathered
// (or as soon as it fails).
type sidesRun struct {
	sides           []*bulkSide
	built, analyzed chan sideResult
}

// finishSides has each side file build its indexes, then gather its
// statistics, on a goroutine of its own; copySides waits for them.
func (b *Bulk) finishSides(ctx context.Context, sides []*bulkSide) *sidesRun {
	run := &sidesRun{sides, make(chan sideResult, len(sides)), make(chan sideResult, len(sides))}
	for _, sd := range sides {
		go func() {
			err := sd.build(ctx, b.store.Log)
			run.built <- sideResult{sd, err}
			if err == nil {
				err = sd.analyze(b.store.Log)
			}
			run.analyzed <- sideResult{sd, err}
		}()
	}
	return run
}

// copySides copies the side files into the database: each side's rows as
// soon as its indexes are built — while it gathers its statistics —, then
// each side's statistics. Every side is waited for, whatever fails; err
// is an error met before, which stops the copies and is returned.
func (b *Bulk) copySides(run *sidesRun, err error) error {
	for _, phase := range []chan sideResult{run.built, run.analyzed} {
		for range run.sides {
			r := <-phase
			if err == nil && r.err != nil {
				err = fmt.Errorf("bulk: side file of %s: %w", strings.Join(r.side.tables, ", "), r.err)
			}
			if err == nil {
				err = b.copySide(r.side, phase == run.analyzed)
			}
		}
	}
	return err
}

// copySide copies the side tables' rows, or with stats their statistics,
// into the database, in one transaction.
func (b *Bulk) copySide(sd *bulkSide, stats bool) error {
	ctx, conn := b.ctx, b.conn
	start := time.Now()
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS bulk_side`, sd.path); err != nil {
		return fmt.Errorf("bulk: attach the side file: %w", err)
	}
	_, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA bulk_side.mmap_size = %d`, bulkMmapBytes))
	if err != nil {
		err = fmt.Errorf("bulk: map the side file: %w", err)
	} else {
		err = b.copySideTx(sd, stats)
	}
	if _, derr := conn.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE bulk_side`); err == nil && derr != nil {
		err = fmt.Errorf("bulk: detach the side file: %w", derr)
	}
	if err == nil && !stats {
		b.store.Log.Info("bulk load: side tables copied", "tables", sd.tables, "duration", time.Since(start).Round(time.Millisecond))
	}
	return err
}

// copySideTx is copySide's transaction. It is begun DEFERRED, not as the
// database's connection begins its own (IMMEDIATE, which would take the
// write lock of the side file too, held by the side's ANALYZE
// meanwhile): the side file is only read.
func (b *Bulk) copySideTx(sd *bulkSide, stats bool) (err error) {
	ctx, conn := b.ctx, b.conn
	if _, err := conn.ExecContext(ctx, `BEGIN DEFERRED`); err != nil {
		return err
	}
	defer func() {
		if err == nil {
			_, err = conn.ExecContext(ctx, `COMMIT`)
		}
		if err != nil {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
		}
	}()
	if !stats {
		for _, t := range sd.tables {
			// the transfer optimisation's form: no WHERE, every column
			if _, err := conn.ExecContext(ctx, `INSERT INTO main.`+t+` SELECT * FROM bulk_side.`+t); err != nil {
				return fmt.Errorf("bulk: copy %s from the side file: %w", t, err)
			}
		}
		return nil
	}
	// sqlite_stat1 only: the side's ANALYZE gathers no sqlite_stat4
	// samples (analyzeFile), and creates sqlite_stat1 even for no rows
	for _, q := range []string{`DELETE FROM main.sqlite_stat1 WHERE tbl IN (` + sqlList(sd.tables) + `)`,
		`INSERT INTO main.sqlite_stat1 SELECT * FROM bulk_side.sqlite_stat1`} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("bulk: copy the statistics of the side file: %w", err)
		}
	}
	return nil
}

// closeDB closes the side file's connection.
func (sd *bulkSide) closeDB() error {
	if sd.db == nil {
		return nil
	}
	var err error
	if sd.conn != nil {
		err = sd.conn.Close()
		sd.conn = nil
	}
	err = errors.Join(err, sd.db.Close())
	sd.db = nil
	return err
}

// close closes and removes the side file.
func (sd *bulkSide) close() {
	if sd == nil {
		return
	}
	_ = sd.closeDB()
	_ = os.Remove(sd.path)
}
