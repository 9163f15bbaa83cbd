package status_test

import (
	"testing"

	"skillpath/status"
)

// TestModuleStatus follows SPEC §1's module table row by row, with the module
// score (points earned / points available × 100, content carries no points).
func TestModuleStatus(t *testing.T) {
	tests := []struct {
		name      string
		in        status.ModuleFacts
		want      status.Module
		wantScore *float64
	}{
		// not_started: no module attempt exists.
		{"no attempt", status.ModuleFacts{Activities: []status.ActivityFacts{unanswered(10)}},
			status.ModuleNotStarted, noScore},
		{"no attempt, even if the facts say answered and scored",
			status.ModuleFacts{Activities: []status.ActivityFacts{autoScored(10, 10), viewedContent()}},
			status.ModuleNotStarted, noScore},

		// started: an attempt exists and at least one activity is not_started.
		{"attempt, nothing answered", attempt(unanswered(10), unviewedContent()),
			status.ModuleStarted, new(0.0)},
		{"attempt, one of two answered", attempt(autoScored(10, 10), unanswered(10)),
			status.ModuleStarted, new(50.0)},
		{"attempt, content not viewed", attempt(autoScored(10, 10), unviewedContent()),
			status.ModuleStarted, new(100.0)},
		{"not_started wins over awaiting_scoring", attempt(awaitingManual(10), unanswered(10)),
			status.ModuleStarted, new(0.0)},
		{"activity added after the attempt began is not_started",
			status.ModuleFacts{MinScore: new(50.0), Attempted: true,
				Activities: []status.ActivityFacts{autoScored(10, 10), unanswered(10)}},
			status.ModuleStarted, new(50.0)},

		// awaiting_scoring: no activity is not_started, at least one awaiting_scoring.
		{"one awaiting scoring, others done", attempt(autoScored(10, 10), awaitingManual(10), viewedContent()),
			status.ModuleAwaitingScoring, new(50.0)},
		{"awaiting scoring though the minimum is already out of reach",
			status.ModuleFacts{MinScore: new(80.0), Attempted: true,
				Activities: []status.ActivityFacts{autoScored(10, 0), awaitingManual(10)}},
			status.ModuleAwaitingScoring, new(0.0)},

		// passed: every activity done and score ≥ minimum score (or it has none).
		{"no minimum score, full marks", attempt(autoScored(10, 10)), status.ModulePassed, new(100.0)},
		{"no minimum score, zero points", attempt(autoScored(10, 0), manuallyScored(10, 0)),
			status.ModulePassed, new(0.0)},
		{"above the minimum score",
			status.ModuleFacts{MinScore: new(50.0), Attempted: true,
				Activities: []status.ActivityFacts{autoScored(10, 8), manuallyScored(10, 6)}},
			status.ModulePassed, new(70.0)},
		{"score == minimum score passes",
			status.ModuleFacts{MinScore: new(50.0), Attempted: true,
				Activities: []status.ActivityFacts{autoScored(10, 10), autoScored(10, 0)}},
			status.ModulePassed, new(50.0)},
		{"score == minimum score passes, 29 of 50 points is 58%",
			status.ModuleFacts{MinScore: new(58.0), Attempted: true,
				Activities: []status.ActivityFacts{autoScored(50, 29)}},
			status.ModulePassed, new(58.0)},
		{"score == minimum score passes, 57 of 100 points is 57%",
			status.ModuleFacts{MinScore: new(57.0), Attempted: true,
				Activities: []status.ActivityFacts{autoScored(100, 57)}},
			status.ModulePassed, new(57.0)},
		{"content carries no points",
			status.ModuleFacts{MinScore: new(75.0), Attempted: true,
				Activities: []status.ActivityFacts{viewedContent(), autoScored(4, 3), viewedContent()}},
			status.ModulePassed, new(75.0)},
		{"manual score counts once given", attempt(autoScored(10, 10), manuallyScored(10, 5)),
			status.ModulePassed, new(75.0)},
		{"activities carry no points: nothing to fall short of",
			status.ModuleFacts{MinScore: new(50.0), Attempted: true,
				Activities: []status.ActivityFacts{viewedContent(), viewedContent()}},
			status.ModulePassed, noScore},
		{"attempt of a module without activities", attempt(), status.ModulePassed, noScore},

		// failed: every activity done and score < minimum score.
		{"below the minimum score",
			status.ModuleFacts{MinScore: new(50.0), Attempted: true,
				Activities: []status.ActivityFacts{autoScored(10, 4), manuallyScored(10, 5)}},
			status.ModuleFailed, new(45.0)},
		{"one point below the minimum score",
			status.ModuleFacts{MinScore: new(58.0), Attempted: true,
				Activities: []status.ActivityFacts{autoScored(100, 57)}},
			status.ModuleFailed, new(57.0)},
		{"minimum score 100, one point short",
			status.ModuleFacts{MinScore: new(100.0), Attempted: true,
				Activities: []status.ActivityFacts{autoScored(10, 10), manuallyScored(10, 9), viewedContent()}},
			status.ModuleFailed, new(95.0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := status.ModuleStatus(tt.in)
			if got.Status != tt.want {
				t.Errorf("status = %q, want %q", got.Status, tt.want)
			}
			if !equalScore(got.Score, tt.wantScore) {
				t.Errorf("score = %v, want %v", showScore(got.Score), showScore(tt.wantScore))
			}
			if len(got.Activities) != len(tt.in.Activities) {
				t.Fatalf("%d activity statuses for %d activities", len(got.Activities), len(tt.in.Activities))
			}
			for i, a := range tt.in.Activities {
				want := status.ActivityStatus(a)
				if !tt.in.Attempted {
					want = status.ActivityNotStarted
				}
				if got.Activities[i] != want {
					t.Errorf("activity %d = %q, want %q", i, got.Activities[i], want)
				}
			}
		})
	}
}

func TestRetake(t *testing.T) {
	for _, c := range []struct {
		m    status.Module
		t    status.Training
		want bool
	}{
		{status.ModuleStarted, status.TrainingStarted, false},
		{status.ModuleAwaitingScoring, status.TrainingStarted, false},
		{status.ModuleFailed, status.TrainingStarted, true},
		{status.ModuleFailed, status.TrainingFailed, true},
		{status.ModulePassed, status.TrainingStarted, false},
		{status.ModulePassed, status.TrainingAwaitingScoring, false},
		{status.ModulePassed, status.TrainingFailed, true},
		{status.ModulePassed, status.TrainingPassed, false},
		{status.ModuleFailed, status.TrainingExpired, false},
	} {
		if ok, why := status.Retake(c.m, c.t); ok != c.want || (!ok && why == "") {
			t.Errorf("Retake(%s, %s) = %v %q, want %v", c.m, c.t, ok, why, c.want)
		}
	}
}
