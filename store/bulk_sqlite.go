package store

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"time"
	"unsafe"

	"modernc.org/libc"
	"modernc.org/libc/sys/types"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteConn is a SQLite connection opened through modernc.org/sqlite/lib
// directly, without database/sql and the driver: the connection a load's
// writer writes its rows on (bulkWriter.run). A CPU profile of generate
// showed about 43 % of the writers' CPU outside SQLite's own work:
// database/sql (11 %), the driver's bind loop (18 %: for each of up to
// 30,000 parameters a call of sqlite3_bind_parameter_name and a GoString
// of its answer, and a C copy of each string, malloc'ed and freed), and
// the connection mutex around every C call (14 %: the driver opens its
// connections with SQLITE_OPEN_FULLMUTEX). This one is opened with
// SQLITE_OPEN_NOMUTEX, binds parameters by position, and copies a
// statement's strings into one C buffer it reuses.
//
// A sqliteConn is not safe for concurrent use: its libc.TLS, made when it
// is opened and closed with it, belongs to one goroutine at a time.
type sqliteConn struct {
	tls   *libc.TLS
	db    uintptr   // sqlite3*
	out   uintptr   // room for one pointer SQLite writes (sqlite3**, sqlite3_stmt**)
	text  uintptr   // the strings of the statement being run, end to end
	room  int       // bytes at text
	stmts []uintptr // prepared, finalized by close
}

// bulkCopyWait bounds how long a load's ANALYZE waits for the copy of
// its side file's rows (analyzeFile).
const bulkCopyWait = 30 * time.Minute

// sqliteTextRoom is the first size of sqliteConn's string buffer.
const sqliteTextRoom = 64 << 10

// openSQLite opens the SQLite file at path (a file name, not a URI) for
// a load's writer and sets it up as sqliteBegin sets the database's
// connection: journal in the given mode ("memory", or "off" for a side
// file; "" leaves the file's own) — checked, SQLite answers the mode it
// kept —, nothing synced, foreign keys not checked, the rows' page cache
// and memory mapping. create creates the file when it does not exist.
func openSQLite(path string, create bool, journal string) (*sqliteConn, error) {
	c := &sqliteConn{tls: libc.NewTLS()}
	c.out = libc.Xmalloc(c.tls, types.Size_t(unsafe.Sizeof(uintptr(0))))
	c.text = libc.Xmalloc(c.tls, sqliteTextRoom)
	if c.out == 0 || c.text == 0 {
		c.close()
		return nil, fmt.Errorf("sqlite: out of memory")
	}
	c.room = sqliteTextRoom
	name, err := libc.CString(path)
	if err != nil {
		c.close()
		return nil, err
	}
	defer libc.Xfree(c.tls, name)
	flags := int32(sqlite3.SQLITE_OPEN_READWRITE | sqlite3.SQLITE_OPEN_NOMUTEX)
	if create {
		flags |= sqlite3.SQLITE_OPEN_CREATE
	}
	rc := sqlite3.Xsqlite3_open_v2(c.tls, name, c.out, flags, 0)
	c.db = *(*uintptr)(cPointer(c.out)) // a handle, with the error, even on failure
	if rc != sqlite3.SQLITE_OK {
		err := c.error(rc)
		c.close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	sqlite3.Xsqlite3_extended_result_codes(c.tls, c.db, 1)
	// no other connection should hold a lock meanwhile (see Bulk); in case
	sqlite3.Xsqlite3_busy_timeout(c.tls, c.db, int32(sqliteBusyTimeout/time.Millisecond))
	if journal != "" {
		if err := c.setJournal(journal); err != nil {
			c.close()
			return nil, err
		}
	}
	for _, q := range bulkPragmas {
		if err := c.exec(q); err != nil {
			c.close()
			return nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	return c, nil
}

// setJournal sets the connection's journal mode, checked: SQLite answers
// the mode it kept.
func (c *sqliteConn) setJournal(journal string) error {
	q := `PRAGMA journal_mode = ` + journal
	mode, err := c.queryString(q)
	// another process opening the file at this moment (a second generate,
	// refused as the load's mark says) may hold its lock: SQLite answers
	// busy at once here, without its busy handler — try again, as ping does
	for deadline := time.Now().Add(sqliteBusyTimeout); isBusy(err) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		mode, err = c.queryString(q)
	}
	if err != nil || mode != journal {
		if err == nil {
			err = fmt.Errorf("the journal stayed %s", mode)
		}
		return fmt.Errorf("%s: %w", q, err)
	}
	return nil
}

// cPointer is p, an address of memory from libc's allocator (C memory),
// as a Go pointer. That memory is outside the Go heap: the garbage
// collector neither moves nor frees it, so the conversion from uintptr
// that vet warns of (unsafeptr) is safe here; it is spelled so that vet
// does not see one.
func cPointer(p uintptr) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&p))
}

// sqliteCallError is an error SQLite answered a call with: its result
// code and text.
type sqliteCallError struct {
	rc  int32
	msg string
}

func (e *sqliteCallError) Error() string { return e.msg }

// isBusy reports whether err is SQLite's SQLITE_BUSY (any extended code).
func isBusy(err error) bool {
	var e *sqliteCallError
	return errors.As(err, &e) && e.rc&0xff == sqlite3.SQLITE_BUSY
}

// error is the connection's error of result code rc: SQLite's text of the
// code and its message, as the driver words them ("constraint failed:
// UNIQUE constraint failed: t.c (2067)").
func (c *sqliteConn) error(rc int32) error {
	code := libc.GoString(sqlite3.Xsqlite3_errstr(c.tls, rc))
	if c.db != 0 {
		if msg := libc.GoString(sqlite3.Xsqlite3_errmsg(c.tls, c.db)); msg != code {
			return &sqliteCallError{rc, fmt.Sprintf("%s: %s (%d)", code, msg, rc)}
		}
	}
	return &sqliteCallError{rc, fmt.Sprintf("%s (%d)", code, rc)}
}

// exec runs the statements of q, without parameters or rows.
func (c *sqliteConn) exec(q string) error {
	z, err := libc.CString(q)
	if err != nil {
		return err
	}
	defer libc.Xfree(c.tls, z)
	if rc := sqlite3.Xsqlite3_exec(c.tls, c.db, z, 0, 0, 0); rc != sqlite3.SQLITE_OK {
		return c.error(rc)
	}
	return nil
}

// queryString runs q, one statement, and returns the first column of its
// first row as text.
func (c *sqliteConn) queryString(q string) (string, error) {
	stmt, err := c.prepare(q)
	if err != nil {
		return "", err
	}
	defer c.finalize(stmt)
	switch rc := sqlite3.Xsqlite3_step(c.tls, stmt); rc {
	case sqlite3.SQLITE_ROW:
		return libc.GoString(sqlite3.Xsqlite3_column_text(c.tls, stmt, 0)), nil
	case sqlite3.SQLITE_DONE:
		return "", fmt.Errorf("no row")
	default:
		return "", c.error(rc)
	}
}

// prepare compiles q, one statement, for run; close finalizes it.
func (c *sqliteConn) prepare(q string) (uintptr, error) {
	z, err := libc.CString(q)
	if err != nil {
		return 0, err
	}
	defer libc.Xfree(c.tls, z)
	if rc := sqlite3.Xsqlite3_prepare_v2(c.tls, c.db, z, int32(len(q)), c.out, 0); rc != sqlite3.SQLITE_OK {
		return 0, c.error(rc)
	}
	stmt := *(*uintptr)(cPointer(c.out))
	c.stmts = append(c.stmts, stmt)
	return stmt, nil
}

// finalize finalizes one statement before close would.
func (c *sqliteConn) finalize(stmt uintptr) {
	for i, s := range c.stmts {
		if s == stmt {
			c.stmts = append(c.stmts[:i], c.stmts[i+1:]...)
			break
		}
	}
	sqlite3.Xsqlite3_finalize(c.tls, stmt)
}

// run binds values to the parameters of stmt, the first to ?1 and so on,
// runs it to its end and resets it. A value is an int64, int, float64,
// bool (1 or 0), string, []byte, nil, or anything database/sql converts
// into one of these (driver.DefaultParameterConverter; values is
// rewritten with what it gave); a time.Time is refused, where the driver
// would store its String() text.
//
// Strings and byte slices are copied into the connection's buffer and
// bound without a copy of SQLite's own (SQLITE_STATIC): the buffer lives
// until the connection closes. Growing it may move it, leaving the
// parameters of statements run before pointing at freed memory; they are
// bound again before those statements run again, and nothing reads them
// in between.
func (c *sqliteConn) run(stmt uintptr, values []any) error {
	size := 0
	for i, v := range values {
		switch x := v.(type) {
		case int64, int, float64, bool, nil:
		case string:
			size += len(x)
		case []byte:
			size += len(x)
		default:
			dv, err := driver.DefaultParameterConverter.ConvertValue(v)
			if err != nil {
				return fmt.Errorf("parameter %d: %w", i+1, err)
			}
			switch x := dv.(type) {
			case string:
				size += len(x)
			case []byte:
				size += len(x)
			case time.Time:
				return fmt.Errorf("parameter %d: a time.Time, not stored by a load (give its milliseconds)", i+1)
			}
			values[i] = dv
		}
	}
	if size > c.room {
		room := max(size, 2*c.room)
		p := libc.Xrealloc(c.tls, c.text, types.Size_t(room))
		if p == 0 {
			return fmt.Errorf("sqlite: cannot allocate %d bytes", room)
		}
		c.text, c.room = p, room
	}
	buf := unsafe.Slice((*byte)(cPointer(c.text)), c.room)
	at := 0
	for i, v := range values {
		n := int32(i + 1)
		var rc int32
		switch x := v.(type) {
		case int64:
			rc = sqlite3.Xsqlite3_bind_int64(c.tls, stmt, n, x)
		case int:
			rc = sqlite3.Xsqlite3_bind_int64(c.tls, stmt, n, int64(x))
		case float64:
			rc = sqlite3.Xsqlite3_bind_double(c.tls, stmt, n, x)
		case bool:
			var b int64
			if x {
				b = 1
			}
			rc = sqlite3.Xsqlite3_bind_int64(c.tls, stmt, n, b)
		case nil:
			rc = sqlite3.Xsqlite3_bind_null(c.tls, stmt, n)
		case string:
			copy(buf[at:], x)
			rc = sqlite3.Xsqlite3_bind_text(c.tls, stmt, n, c.text+uintptr(at), int32(len(x)), 0)
			at += len(x)
		case []byte:
			if x == nil { // as the driver binds it
				rc = sqlite3.Xsqlite3_bind_null(c.tls, stmt, n)
				break
			}
			copy(buf[at:], x)
			rc = sqlite3.Xsqlite3_bind_blob(c.tls, stmt, n, c.text+uintptr(at), int32(len(x)), 0)
			at += len(x)
		}
		if rc != sqlite3.SQLITE_OK {
			return fmt.Errorf("parameter %d: %w", n, c.error(rc))
		}
	}
	if rc := sqlite3.Xsqlite3_step(c.tls, stmt); rc != sqlite3.SQLITE_DONE {
		err := c.error(rc)
		sqlite3.Xsqlite3_reset(c.tls, stmt) // answers rc again
		return err
	}
	if rc := sqlite3.Xsqlite3_reset(c.tls, stmt); rc != sqlite3.SQLITE_OK {
		return c.error(rc)
	}
	return nil
}

// close finalizes the connection's statements, closes it, and frees its
// memory and TLS. A transaction still open is rolled back.
func (c *sqliteConn) close() error {
	var err error
	for _, stmt := range c.stmts {
		sqlite3.Xsqlite3_finalize(c.tls, stmt)
	}
	c.stmts = nil
	if c.db != 0 {
		if rc := sqlite3.Xsqlite3_close(c.tls, c.db); rc != sqlite3.SQLITE_OK {
			err = c.error(rc)
		}
		c.db = 0
	}
	libc.Xfree(c.tls, c.out)
	libc.Xfree(c.tls, c.text)
	c.out, c.text, c.room = 0, 0, 0
	c.tls.Close()
	return err
}

// withoutSamples turns SQLite's sqlite_stat4 sampling off on the
// connection: its ANALYZE then gathers sqlite_stat1 only, the same rows
// as with the samples (checked by TestBulkSideTables). It is the
// optimisation flag SQLITE_Stat4 of SQLITE_TESTCTRL_OPTIMIZATIONS, the
// only switch SQLite has for it: PRAGMA analysis_limit also stops the
// samples, but it changed a row of sqlite_stat1 and saved less.
func (c *sqliteConn) withoutSamples() error {
	va := libc.NewVaList(c.db, int32(sqlite3.SQLITE_Stat4))
	if va == 0 {
		return fmt.Errorf("sqlite: out of memory")
	}
	defer libc.Xfree(c.tls, va)
	if rc := sqlite3.Xsqlite3_test_control(c.tls, sqlite3.SQLITE_TESTCTRL_OPTIMIZATIONS, va); rc != sqlite3.SQLITE_OK {
		return c.error(rc)
	}
	return nil
}

// analyzeFile runs ANALYZE on the SQLite file at path, on a connection of
// its own, without sqlite_stat4 samples
// (withoutSamples). At 100,000 learners ANALYZE took 0.95 s of CPU
// without them against 2.2 s with. The samples steered one plan measured
// for the better — a learners page of the statuses whose range of the
// expiry key reaches its end, which expiryCondition now writes open —
// and two for the worse (docs/DECISIONS.md, "Statistics without
// samples after a load").
//
// The connection asks for its journal in memory once, and otherwise
// keeps the file's mode, whatever it is: another process may have
// switched the file to WAL during the load (Open did, before it read the
// load's mark first: refuseLoading), and the load's own connection,
// which then holds the write-ahead log open, would keep this one from
// leaving it.
//
// Its commit waits for reads of the file to end for up to bulkCopyWait:
// the database's connection copies a side file's rows meanwhile (at a
// million learners certificate_learners' copy took 13 s, and its ANALYZE
// waited about 8 s for it to end), longer than the busy timeout of other
// writes.
func analyzeFile(path string) error {
	c, err := openSQLite(path, false, "")
	if err != nil {
		return err
	}
	sqlite3.Xsqlite3_busy_timeout(c.tls, c.db, int32(bulkCopyWait/time.Millisecond))
	// the journal in memory, as the load's other connections keep it, when
	// the file allows it at once; if not, in the file's own mode
	_, _ = c.queryString(`PRAGMA journal_mode = MEMORY`)
	err = c.withoutSamples()
	if err == nil {
		err = c.exec(`ANALYZE`)
	}
	return errors.Join(err, c.close())
}
