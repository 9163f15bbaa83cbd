package skillpath

import (
	"testing"
	"time"
)

func TestLoginThrottle(t *testing.T) {
	th := LoginThrottle{Free: 3, Backoff: time.Minute, Window: 15 * time.Minute}
	last := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		failures int
		after    time.Duration // since the last attempt
		want     time.Duration
	}{
		{0, 0, 0},
		{2, 0, 0},
		{3, 0, time.Minute},
		{3, 59 * time.Second, time.Second},
		{3, time.Minute, 0},
		{4, 0, 2 * time.Minute},
		{5, time.Minute, 3 * time.Minute},
		{6, 0, 8 * time.Minute},
		{7, 0, 15 * time.Minute}, // 16 minutes, capped at the window
		{1000, 0, 15 * time.Minute},
		{1000, 15 * time.Minute, 0}, // the window passed: the count starts again
	}
	for _, tc := range cases {
		if got := th.Wait(tc.failures, last, last.Add(tc.after)); got != tc.want {
			t.Errorf("Wait(%d failures, %v later) = %v, want %v", tc.failures, tc.after, got, tc.want)
		}
	}
	if got := th.Failures(5, last, last.Add(14*time.Minute)); got != 5 {
		t.Errorf("Failures within the window = %d, want 5", got)
	}
	if got := th.Failures(5, last, last.Add(15*time.Minute)); got != 0 {
		t.Errorf("Failures after the window = %d, want 0", got)
	}
}
