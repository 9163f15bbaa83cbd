package load

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, as the store uses it
	_ "modernc.org/sqlite"             // the "sqlite" driver, as the store uses it
)

// SQLitePragmas are the store's connection settings (store.Open): the floor
// runs with the same ones.
const SQLitePragmas = "_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)"

// SQLiteFloor measures small write transactions per second through the
// store's SQLite driver and settings (WAL, synchronous=NORMAL, one writing
// connection beginning IMMEDIATE transactions) in a new file in dir: each
// transaction inserts a row, updates another and inserts a third, and
// commits; workers goroutines run them for d.
func SQLiteFloor(ctx context.Context, dir string, workers int, d time.Duration) (float64, error) {
	path := filepath.Join(dir, fmt.Sprintf("floor-%d.db", time.Now().UnixNano()))
	defer func() {
		for _, s := range []string{"", "-wal", "-shm"} {
			os.Remove(path + s)
		}
	}()
	db, err := sql.Open("sqlite", "file:"+path+"?"+SQLitePragmas+"&_txlock=immediate")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		`CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance BIGINT NOT NULL)`,
		`CREATE TABLE history (id INTEGER PRIMARY KEY, account_id BIGINT NOT NULL, delta BIGINT NOT NULL, at BIGINT NOT NULL)`,
		`CREATE TABLE events (id INTEGER PRIMARY KEY, account_id BIGINT NOT NULL, body TEXT NOT NULL, at BIGINT NOT NULL)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) INSERT INTO accounts (id, balance) SELECT i, 0 FROM n`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return 0, fmt.Errorf("floor: %s: %w", q, err)
		}
	}
	return rate(ctx, workers, d, func(ctx context.Context, r *rand.Rand) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		account, delta, now := r.IntN(10000)+1, r.IntN(10000)-5000, time.Now().UnixMilli()
		if _, err := tx.ExecContext(ctx, `INSERT INTO history (account_id, delta, at) VALUES (?, ?, ?)`, account, delta, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET balance = balance + ? WHERE id = ?`, delta, account); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO events (account_id, body, at) VALUES (?, ?, ?)`, account, "answered", now); err != nil {
			return err
		}
		return tx.Commit()
	})
}

// rate runs fn from workers goroutines for d and returns calls per second.
func rate(ctx context.Context, workers int, d time.Duration, fn func(context.Context, *rand.Rand) error) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var n atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(i), 1))
			for ctx.Err() == nil {
				if err := fn(ctx, r); err != nil {
					if ctx.Err() == nil {
						once.Do(func() { firstErr = err })
					}
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds(), firstErr
}

// PostgresFloor measures pgbench's simple-update transaction (pgbench -N:
// update an account, read it back, insert a history row) per second on the
// PostgreSQL server of dbURL, with clients connections for d, in a schema
// of its own dropped afterwards. It runs pgbench when it is installed and
// otherwise the same transaction through pgx; method says which.
func PostgresFloor(ctx context.Context, dbURL string, clients int, d time.Duration) (tps float64, method string, err error) {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return 0, "", err
	}
	defer db.Close()
	schema := fmt.Sprintf("pgbench_floor_%d", time.Now().UnixNano()%1e9)
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		return 0, "", err
	}
	defer db.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
	if path, err := exec.LookPath("pgbench"); err == nil {
		tps, err := pgbench(ctx, path, dbURL, schema, clients, d)
		return tps, "pgbench -N", err
	}
	tps, err = emulatePgbench(ctx, dbURL, schema, clients, d)
	return tps, "pgbench -N emulated through pgx", err
}

var tpsLine = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

func pgbench(ctx context.Context, path, dbURL, schema string, clients int, d time.Duration) (float64, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return 0, err
	}
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	env := append(os.Environ(), "PGOPTIONS=-c search_path="+schema)
	init := exec.CommandContext(ctx, path, "-i", "-q", "-s", "1", u.String())
	init.Env = env
	if out, err := init.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("pgbench -i: %w: %s", err, out)
	}
	// pgbench counts its clients' connection time (seconds for 64 on a
	// busy machine) inside -T: give it room.
	seconds := max(10, int(d.Round(time.Second)/time.Second))
	run := exec.CommandContext(ctx, path, "-N", "-n", "-c", strconv.Itoa(clients), "-j", "2", "-T", strconv.Itoa(seconds), u.String())
	run.Env = env
	out, err := run.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("pgbench -N: %w: %s", err, out)
	}
	m := tpsLine.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("pgbench -N: no tps in %s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

func emulatePgbench(ctx context.Context, dbURL, schema string, clients int, d time.Duration) (float64, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return 0, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(clients)
	db.SetMaxIdleConns(clients)
	const accounts = 100000
	for _, s := range []string{
		`CREATE TABLE pgbench_accounts (aid INT PRIMARY KEY, bid INT, abalance INT, filler CHAR(84))`,
		`CREATE TABLE pgbench_history (tid INT, bid INT, aid INT, delta INT, mtime TIMESTAMP, filler CHAR(22))`,
		fmt.Sprintf(`INSERT INTO pgbench_accounts SELECT g, 1, 0, '' FROM generate_series(1, %d) g`, accounts),
		`VACUUM ANALYZE pgbench_accounts`,
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return 0, err
		}
	}
	return rate(ctx, clients, d, func(ctx context.Context, r *rand.Rand) error {
		aid, tid, delta := r.IntN(accounts)+1, r.IntN(10)+1, r.IntN(10001)-5000
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2`, delta, aid); err != nil {
			return err
		}
		var balance int
		if err := tx.QueryRowContext(ctx, `SELECT abalance FROM pgbench_accounts WHERE aid = $1`, aid).Scan(&balance); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, 1, $2, $3, CURRENT_TIMESTAMP)`,
			tid, aid, delta); err != nil {
			return err
		}
		return tx.Commit()
	})
}
