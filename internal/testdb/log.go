package testdb

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
)

// Logger returns a logger that writes warnings and errors to the test's
// log (shown when the test fails) and drops the rest.
func Logger(t testing.TB) *slog.Logger {
	return slog.New(testHandler{t: t})
}

type testHandler struct {
	t     testing.TB
	attrs []slog.Attr
}

func (h testHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (h testHandler) Handle(_ context.Context, r slog.Record) error {
	msg := r.Level.String() + " " + r.Message
	r.Attrs(func(a slog.Attr) bool { msg += " " + a.String(); return true })
	for _, a := range h.attrs {
		msg += " " + a.String()
	}
	h.t.Log(msg)
	return nil
}

func (h testHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return testHandler{t: h.t, attrs: append(append([]slog.Attr{}, h.attrs...), attrs...)}
}

func (h testHandler) WithGroup(string) slog.Handler { return h }

// Buffer is a buffer that a server's goroutines may write (its log, its
// output) while a test reads it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
