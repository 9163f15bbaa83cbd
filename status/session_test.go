package status_test

import (
	"testing"
	"time"

	"skillpath/status"
)

// TestSessionState follows SPEC §2's session states: not_started (before
// start), ongoing, ended (from the end on), and archived, which wins over
// the dates.
func TestSessionState(t *testing.T) {
	start := now
	end := now.AddDate(0, 1, 0)
	tests := []struct {
		name     string
		endsAt   *time.Time
		archived bool
		at       time.Time
		want     status.Session
	}{
		{"before start", &end, false, start.Add(-time.Nanosecond), status.SessionNotStarted},
		{"before start, no end", nil, false, start.AddDate(0, 0, -1), status.SessionNotStarted},
		{"exactly at start", &end, false, start, status.SessionOngoing},
		{"between start and end", &end, false, start.AddDate(0, 0, 10), status.SessionOngoing},
		{"a nanosecond before end", &end, false, end.Add(-time.Nanosecond), status.SessionOngoing},
		{"no end, ten years on", nil, false, start.AddDate(10, 0, 0), status.SessionOngoing},
		{"exactly at end", &end, false, end, status.SessionEnded},
		{"after end", &end, false, end.AddDate(1, 0, 0), status.SessionEnded},
		{"archived before start", &end, true, start.Add(-time.Nanosecond), status.SessionArchived},
		{"archived while ongoing", &end, true, start, status.SessionArchived},
		{"archived after end", &end, true, end, status.SessionArchived},
		{"archived, no end", nil, true, start.AddDate(1, 0, 0), status.SessionArchived},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := status.SessionState(start, tt.endsAt, tt.archived, tt.at); got != tt.want {
				t.Errorf("SessionState(%v, %v, %v, %v) = %q, want %q", start, tt.endsAt, tt.archived, tt.at, got, tt.want)
			}
		})
	}
}
