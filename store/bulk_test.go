package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"skillpath/internal/testdb"
	"skillpath/store"
)

// TestBulkBesideAnotherConnection checks that a load refused because
// another connection holds the file open (a running serve) leaves the
// file usable: nothing was loaded, so it is not marked as unfinished.
func TestBulkBesideAnotherConnection(t *testing.T) {
	ctx := context.Background()
	url := testdb.URL(t, "sqlite")
	st, err := store.Open(ctx, url, testdb.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	other := testdb.Raw(t, url)
	held, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := held.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	err = st.Bulk(ctx, func(b *store.Bulk) error {
		b.Table("groups", "id", "name", "created_at").Add(1, "Company", 0)
		return nil
	})
	held.Close()
	st.Close()
	if err == nil || !strings.Contains(err.Error(), "another process") {
		t.Fatalf("Bulk while another connection holds the file: %v, want a refusal naming the cause", err)
	}
	again, err := store.Open(ctx, url, testdb.Logger(t))
	if err != nil {
		t.Fatalf("Open after the refused load: %v, want the file as it was", err)
	}
	again.Close()
}

// TestBulkUnfinishedIsRefused checks the crash rule of a bulk load on
// SQLite (which loads without syncing): a load that did not finish leaves
// a file Open refuses, naming what to do; a finished one opens.
func TestBulkUnfinishedIsRefused(t *testing.T) {
	ctx := context.Background()
	stop := errors.New("stopped midway")
	for _, tc := range []struct {
		name    string
		fail    bool
		refused bool
	}{{"finished", false, false}, {"stopped midway", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			url := testdb.URL(t, "sqlite")
			st, err := store.Open(ctx, url, testdb.Logger(t))
			if err != nil {
				t.Fatal(err)
			}
			err = st.Bulk(ctx, func(b *store.Bulk) error {
				b.Table("groups", "id", "name", "created_at").Add(1, "Company", 0)
				if tc.fail {
					return stop
				}
				return nil
			})
			st.Close()
			if tc.fail && !errors.Is(err, stop) || !tc.fail && err != nil {
				t.Fatalf("Bulk: %v", err)
			}
			again, err := store.Open(ctx, url, testdb.Logger(t))
			if tc.refused {
				if err == nil || !strings.Contains(err.Error(), "did not finish") || !strings.Contains(err.Error(), "-bulk1") {
					t.Fatalf("Open after an unfinished load: %v, want a refusal", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open after a finished load: %v", err)
			}
			again.Close()
		})
	}
}

// TestBulkSideTables checks what a load on SQLite writes through its side
// file (certificate_learners, see bulkSides): the rows land in the
// database with every index and their planner statistics — the same
// sqlite_stat1 rows as ANALYZE's, without sqlite_stat4 samples —, the
// side file is gone, and a row breaking a unique index dropped for the load (built
// again after it) still fails the load.
func TestBulkSideTables(t *testing.T) {
	ctx := context.Background()
	url := testdb.URL(t, "sqlite")
	st, err := store.Open(ctx, url, testdb.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	err = st.Bulk(ctx, func(b *store.Bulk) error {
		users := b.Table("users", "id", "email", "email_key", "name", "registered_at", "created_at")
		learners := b.Table("certificate_learners", "certificate_id", "user_id", "user_name", "user_deleted", "enrolled",
			"delivered_at", "expires_at", "user_email")
		for i := 1; i <= 3000; i++ {
			email := fmt.Sprintf("learner%d@example.com", i)
			users.Add(i, email, email, fmt.Sprintf("Learner %d", i), 0, 0)
			learners.Add(1, i, fmt.Sprintf("Learner %d", i), i%10 == 0, true, nil, nil, email)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Bulk: %v", err)
	}
	st.Close()
	path := strings.TrimPrefix(url, "sqlite:")
	if left, _ := filepath.Glob(path + "-bulk*"); len(left) > 0 {
		t.Errorf("side files after the load: %v, want none", left)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows, deleted, stats int
	if err := db.QueryRow(`SELECT COUNT(*), (SELECT COUNT(*) FROM certificate_learners INDEXED BY certificate_learners_deleted
		WHERE certificate_id = 1 AND user_deleted = TRUE) FROM certificate_learners`).Scan(&rows, &deleted); err != nil {
		t.Fatal(err)
	}
	if rows != 3000 || deleted != 300 {
		t.Errorf("certificate_learners: %d rows, %d deleted read through their indexes, want 3000 and 300", rows, deleted)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'certificate_learners'`).Scan(&stats); err != nil {
		t.Fatal(err)
	}
	if want := 8; stats != want { // the primary key's B-tree (WITHOUT ROWID) and seven secondary indexes
		t.Errorf("statistics of certificate_learners: %d rows, want %d", stats, want)
	}
	// the statistics copied, and the database's own (users'), are the
	// sqlite_stat1 rows ANALYZE gathers, without sqlite_stat4 samples
	// (analyzeFile)
	statistics := func() (string, int) {
		var s string
		var samples int
		if err := db.QueryRow(`SELECT group_concat(tbl || '.' || coalesce(idx, '') || ':' || stat, ' '),
			(SELECT COUNT(*) FROM sqlite_stat4) FROM (SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx)`).Scan(&s, &samples); err != nil {
			t.Fatal(err)
		}
		return s, samples
	}
	loaded, samples := statistics()
	for _, want := range []string{"certificate_learners.certificate_learners:3000 ", "users.users_name:3000 "} {
		if !strings.Contains(loaded, want) {
			t.Errorf("statistics after the load lack %q: %s", want, loaded)
		}
	}
	if samples != 0 {
		t.Errorf("%d sqlite_stat4 samples after the load, want none", samples)
	}
	if _, err := db.Exec(`ANALYZE`); err != nil {
		t.Fatal(err)
	}
	if gathered, samples := statistics(); loaded != gathered || samples == 0 {
		t.Errorf("sqlite_stat1 after the load:\n%s\nANALYZE gathers (with %d samples):\n%s", loaded, samples, gathered)
	}

	// two live enrollments of one learner in one session: enrollments_one_live
	again, err := store.Open(ctx, testdb.URL(t, "sqlite"), testdb.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	err = again.Bulk(ctx, func(b *store.Bulk) error {
		b.Table("users", "id", "email", "email_key", "name", "registered_at", "created_at").Add(1, "a@example.com", "a@example.com", "A", 0, 0)
		e := b.Table("enrollments", "id", "session_id", "training_id", "user_id", "enrolled_at", "status")
		e.Add(1, 1, 1, 1, 0, "not_started")
		e.Add(2, 1, 1, 1, 0, "not_started")
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "UNIQUE") {
		t.Errorf("Bulk of two live enrollments of one learner in one session: %v, want a UNIQUE constraint error", err)
	}
}

// TestLoadingFileRefusedUnchanged opens a SQLite file marked as being
// loaded, in a rollback journal as a load keeps it: Open refuses it and
// leaves its journal mode as it was. It used to switch the file to WAL
// first, under the running load, which then failed (its ANALYZE
// connection could not leave WAL while the load's own held it open).
func TestLoadingFileRefusedUnchanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "loading.db")
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`PRAGMA journal_mode = DELETE`, `CREATE TABLE t (x)`, `PRAGMA user_version = 1399540836`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	st, err := store.Open(context.Background(), "sqlite:"+path, testdb.Logger(t))
	if err == nil {
		st.Close()
		t.Fatal("Open of a file being loaded succeeded")
	}
	if !strings.Contains(err.Error(), "is being loaded by a generate") {
		t.Errorf("Open: %v, want the load's refusal", err)
	}
	header := make([]byte, 20)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.ReadFull(f, header); err != nil {
		t.Fatal(err)
	}
	if header[18] != 1 || header[19] != 1 { // 2, 2 is WAL
		t.Errorf("file format after the refusal: %d, %d, want 1, 1 (rollback journal)", header[18], header[19])
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Errorf("the refusal left %s-wal", path)
	}
}

// TestLoadStatisticsOnAFileInWAL gathers a load's statistics on a file
// another connection switched to WAL and holds open, as a load's own
// connection does when another process switched the file under it: the
// statistics are gathered in WAL, without trying to leave it.
func TestLoadStatisticsOnAFileInWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wal.db")
	held, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	held.SetMaxOpenConns(1)
	for _, q := range []string{`CREATE TABLE t (x)`, `CREATE INDEX t_x ON t (x)`,
		`WITH n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) INSERT INTO t SELECT i % 7 FROM n`} {
		if _, err := held.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.AnalyzeFile(path); err != nil {
		t.Fatalf("statistics of a file in WAL: %v", err)
	}
	var stat string
	if err := held.QueryRow(`SELECT stat FROM sqlite_stat1 WHERE idx = 't_x'`).Scan(&stat); err != nil || stat != "100 15" {
		t.Errorf("sqlite_stat1 of t_x: %q, %v, want \"100 15\"", stat, err)
	}
}

// TestLoadStatisticsWaitForACopy gathers a load's statistics on a file
// another connection reads for longer than the busy timeout, as the
// database's connection reads a side file while copying its rows (13 s
// at a million learners): the statistics wait for the read to end.
func TestLoadStatisticsWaitForACopy(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "side.db")
	reader, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	reader.SetMaxOpenConns(1)
	for _, q := range []string{`PRAGMA journal_mode = OFF`, `CREATE TABLE t (x)`, `CREATE INDEX t_x ON t (x)`, `INSERT INTO t VALUES (1), (2), (2)`} {
		if _, err := reader.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := reader.Begin()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n); err != nil { // holds the file's read lock
		t.Fatal(err)
	}
	read := store.SQLiteBusyTimeout + time.Second
	go func() {
		time.Sleep(read)
		tx.Commit()
	}()
	start := time.Now()
	if err := store.AnalyzeFile(path); err != nil {
		t.Fatalf("statistics beside a read of %s: %v", read, err)
	}
	if waited := time.Since(start); waited < read {
		t.Errorf("the statistics were committed after %s, during the read", waited)
	}
}
