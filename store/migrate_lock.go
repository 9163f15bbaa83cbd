//go:build unix

package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"syscall"
)

// fileLocker serialises the migrations of several processes opening one
// SQLite file at once (two `serve` started together on an empty database):
// goose has a session lock for PostgreSQL only. It holds an exclusive
// flock(2) on the database file itself while goose runs; SQLite's own
// locks are fcntl(2) locks, which flock does not touch.
type fileLocker struct {
	path string
	f    *os.File
}

// SessionLock waits for the file's lock (implements goose's lock.SessionLocker).
func (l *fileLocker) SessionLock(ctx context.Context, _ *sql.Conn) error {
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("lock %s for migrations: %w", l.path, err)
	}
	done := make(chan error, 1)
	go func() { done <- syscall.Flock(int(f.Fd()), syscall.LOCK_EX) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		f.Close() // ends the wait
		return ctx.Err()
	}
	if err != nil {
		f.Close()
		return fmt.Errorf("lock %s for migrations: %w", l.path, err)
	}
	l.f = f
	return nil
}

// SessionUnlock releases the lock.
func (l *fileLocker) SessionUnlock(context.Context, *sql.Conn) error {
	if l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the file releases its flock
	l.f = nil
	return err
}
