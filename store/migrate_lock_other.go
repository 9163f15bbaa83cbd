//go:build !unix

package store

import (
	"context"
	"database/sql"
)

// fileLocker is a no-op where flock(2) does not exist: start one process
// first on a new SQLite database.
type fileLocker struct{ path string }

func (*fileLocker) SessionLock(context.Context, *sql.Conn) error   { return nil }
func (*fileLocker) SessionUnlock(context.Context, *sql.Conn) error { return nil }
