// Package store keeps skillpath's facts in SQLite (embedded, the default) or
// PostgreSQL, behind one Store whose SQL is written once for both. It
// gathers facts for the pure rules of status/ and stores their results.
package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	neturl "net/url"
	"strings"
	"testing/fstest"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"skillpath"
	"skillpath/secret"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is skillpath's storage. Its methods validate what they are given
// and return *skillpath.Error values for anything a user can fix.
type Store struct {
	db      *sql.DB // reads; writes too on PostgreSQL
	wdb     *sql.DB // writes: on SQLite one connection taking the write lock at BEGIN
	dialect dialect

	// Now is the business clock: every row written in one transaction
	// carries one time taken from it.
	Now skillpath.Clock
	// Zone is the platform's time zone: calendar arithmetic (certificate
	// expiry) and dates shown to people use it (SPEC §2).
	Zone *time.Location
	// Currency is the ISO 4217 code prices are in, for messages such as
	// "costs 49.00 EUR" ("" is skillpath.DefaultCurrency; serve --currency).
	Currency string
	// Wall is the real clock for waiting (login lockout windows, retry
	// back-off), which SKILLPATH_NOW must not freeze.
	Wall func() time.Time
	Log  *slog.Logger

	// BaseURL is the platform's public address: the IRIs of the
	// activities in xAPI statements live under it (SPEC §4).
	BaseURL string
	// Secrets encrypts LRS passwords (SKILLPATH_SECRET_KEY); nil when no
	// key is configured, and then no password can be saved.
	Secrets *secret.Key
	// sqlitePath is the SQLite database's file ("" on PostgreSQL).
	sqlitePath string
	// outboxReady wakes a delivery worker of this process when a commit
	// wrote statements to the LRS outbox; workers poll for the others.
	outboxReady chan struct{}
	// Mail is set when an SMTP server is configured (SKILLPATH_SMTP_URL):
	// without it no email is written to the notifications outbox (SPEC §7).
	Mail bool
	// notifyReady wakes a notifications worker of this process when a
	// commit wrote notifications.
	notifyReady chan struct{}

	passwordCounters
	// rstmts and wstmts are the declared statements (prepared.go) prepared
	// on db and wdb.
	rstmts, wstmts []*sql.Stmt
	// trees caches training definitions by training and version (trees.go).
	trees treeCache
	// batcher runs the learning actions of a SQLite store together
	// (learn_batch.go); nil on PostgreSQL.
	batcher *learnBatcher
}

// sqliteBusyTimeout is how long a SQLite connection waits for a lock held
// by another connection or process before it answers "busy".
const sqliteBusyTimeout = 10 * time.Second

// DefaultBaseURL is the base of statement IRIs when none is configured:
// the default address of serve.
const DefaultBaseURL = "http://127.0.0.1:8080"

// unknownScheme is the scheme address starts with ("mysql" of
// "mysql://…", "sqlite3" of "sqlite3:x.db") when it is neither SQLite's
// nor PostgreSQL's, "" when there is none: a path such as "./a:b.db" has
// none, nor has "C:…" (one letter, a drive), nor has what net/url cannot
// parse (a file name with a stray "%").
func unknownScheme(address string) string {
	u, err := neturl.Parse(address)
	if err != nil || len(u.Scheme) < 2 {
		return ""
	}
	switch u.Scheme {
	case "sqlite", "postgres", "postgresql":
		return ""
	}
	return u.Scheme
}

// Open connects to the database named by url — "sqlite:PATH" (or a plain
// path) or "postgres://…" — and applies the embedded migrations, logging
// to log.
func Open(ctx context.Context, url string, log *slog.Logger) (*Store, error) {
	s := &Store{Now: skillpath.SystemClock, Zone: time.UTC, Wall: time.Now, Log: log, BaseURL: DefaultBaseURL, outboxReady: make(chan struct{}, 1), notifyReady: make(chan struct{}, 1)}
	s.AccountThrottle, s.AddressThrottle = skillpath.AccountAddressThrottle, skillpath.AddressThrottle
	var err error
	scheme := unknownScheme(url)
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		s.dialect = postgresDialect
		if s.db, err = sql.Open("pgx", url); err != nil {
			return nil, err
		}
		s.db.SetMaxOpenConns(20)
		s.db.SetMaxIdleConns(20)
		s.wdb = s.db
	case scheme != "":
		return nil, fmt.Errorf("--db %q: unknown database scheme %q: use sqlite:PATH (or a file path) or postgres://…", url, scheme)
	default:
		s.dialect = sqliteDialect
		path := strings.TrimPrefix(url, "sqlite:")
		if path == "" {
			return nil, fmt.Errorf("--db %q: no SQLite file named", url)
		}
		s.sqlitePath = path
		// the load's mark is read before any connection switches the file
		// to WAL: a file being loaded is refused unchanged
		if err := refuseLoading(ctx, path); err != nil {
			return nil, err
		}
		// WAL lets readers go on while one writer writes; the write pool
		// holds one connection and begins IMMEDIATE transactions, so
		// writers queue on the busy timeout instead of failing to upgrade.
		pragmas := fmt.Sprintf("_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(%d)&_pragma=synchronous(NORMAL)",
			sqliteBusyTimeout.Milliseconds())
		if s.db, err = sql.Open("sqlite", "file:"+path+"?"+pragmas); err != nil {
			return nil, err
		}
		// Idle connections are kept: a new SQLite connection costs its
		// pragmas and every declared statement prepared again.
		s.db.SetMaxOpenConns(4)
		s.db.SetMaxIdleConns(4)
		if s.wdb, err = sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_txlock=immediate"); err != nil {
			return nil, err
		}
		s.wdb.SetMaxOpenConns(1)
	}
	if err := s.ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("connect to %s database: %w", s.dialect.name, err)
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		if !s.dialect.postgres && sqliteBusy(err) {
			// each migration is one transaction: the one refused is rolled
			// back, those before it stay
			return nil, fmt.Errorf("migrate sqlite database %s: another process held a write on it for %s (a recompute, import or load by a running skillpath?); the migration that waited was rolled back and the file is whole, start again when that process is done: %w",
				s.sqlitePath, sqliteBusyTimeout, err)
		}
		return nil, fmt.Errorf("migrate %s database: %w", s.dialect.name, err)
	}
	if err := s.prepareAll(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s database: %w", s.dialect.name, err)
	}
	if !s.dialect.postgres {
		if err := s.startLearnBatcher(ctx); err != nil {
			s.Close()
			return nil, fmt.Errorf("%s database: %w", s.dialect.name, err)
		}
	}
	return s, nil
}

// refuseLoading reads the SQLite file's user_version on a connection that
// sets nothing — the journal mode stays the file's — and refuses a file
// marked as being loaded (bulkLoading): a generate is writing it, or one
// did not finish. Opening the pools first switched such a file to WAL,
// under the running load (whose ANALYZE connection then could not leave
// it), before refusing it.
func refuseLoading(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", fmt.Sprintf("file:%s?_pragma=busy_timeout(%d)", path, sqliteBusyTimeout.Milliseconds()))
	if err != nil {
		return err
	}
	defer db.Close()
	var version int64
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return fmt.Errorf("connect to sqlite database %s: %w", path, err)
	}
	if version == bulkLoading {
		return fmt.Errorf("SQLite database %s is being loaded by a generate (bulk load), or was left by one that did not finish and is incomplete: when no generate is running on it, delete it (and its side files %[1]s-bulk1 and %[1]s-bulk2 if they are left) and generate again", path)
	}
	return nil
}

// ping opens a first connection. On SQLite it tries again for up to the
// busy timeout while the file is locked: two processes opening a new file
// at once both switch it to WAL, and SQLite answers that switch "busy"
// at once, without its busy handler, while the other holds the lock.
func (s *Store) ping(ctx context.Context) error {
	deadline := time.Now().Add(sqliteBusyTimeout)
	for {
		err := s.db.PingContext(ctx)
		if err == nil || !sqliteBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Dialect names the database behind the store: "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect.name }

// Close closes the database connections.
func (s *Store) Close() error {
	if s.batcher != nil {
		s.batcher.stop()
		s.batcher = nil
	}
	closeStmts(s.rstmts)
	if s.wdb != s.db {
		closeStmts(s.wstmts)
	}
	err := s.db.Close()
	if s.wdb != s.db {
		if werr := s.wdb.Close(); err == nil {
			err = werr
		}
	}
	return err
}

// migrate applies the embedded migrations, rewritten for the dialect, with
// goose. On PostgreSQL a session lock keeps several processes starting at
// once from migrating together.
func (s *Store) migrate(ctx context.Context) error {
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	fsys := fstest.MapFS{}
	for _, f := range files {
		b, err := migrations.ReadFile(f)
		if err != nil {
			return err
		}
		fsys[strings.TrimPrefix(f, "migrations/")] = &fstest.MapFile{Data: []byte(s.dialect.schema(string(b)))}
	}
	gooseDialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if s.dialect.postgres {
		gooseDialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	} else if s.sqlitePath != "" && !strings.HasPrefix(s.sqlitePath, ":") {
		opts = append(opts, goose.WithSessionLocker(&fileLocker{path: s.sqlitePath}))
	}
	p, err := goose.NewProvider(gooseDialect, s.wdb, fsys, opts...)
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	for _, r := range results {
		s.Log.Info("migration applied", "file", r.Source.Path, "duration", r.Duration)
	}
	return err
}
