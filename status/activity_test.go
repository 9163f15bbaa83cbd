package status_test

import (
	"testing"

	"skillpath/status"
)

// TestActivityStatus follows SPEC §1's activity table row by row.
func TestActivityStatus(t *testing.T) {
	tests := []struct {
		name string
		in   status.ActivityFacts
		want status.Activity
	}{
		// not_started: no answer (or, for a content activity, no view) yet.
		{"auto-scored, not answered", unanswered(10), status.ActivityNotStarted},
		{"manually scored, not answered", status.ActivityFacts{Points: 10, ManualScoring: true}, status.ActivityNotStarted},
		{"content, not viewed", unviewedContent(), status.ActivityNotStarted},

		// awaiting_scoring: answered, manually scored, no score given yet.
		{"manually scored, answered, no score yet", awaitingManual(10), status.ActivityAwaitingScoring},

		// done: answered and scored (automatically or by hand), or content
		// viewed — passed or failed alike.
		{"auto-scored, full marks", autoScored(10, 10), status.ActivityDone},
		{"auto-scored, zero (failed)", autoScored(10, 0), status.ActivityDone},
		{"manually scored, full marks", manuallyScored(10, 10), status.ActivityDone},
		{"manually scored, zero (failed)", manuallyScored(10, 0), status.ActivityDone},
		{"content, viewed", viewedContent(), status.ActivityDone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := status.ActivityStatus(tt.in); got != tt.want {
				t.Errorf("ActivityStatus(%+v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
