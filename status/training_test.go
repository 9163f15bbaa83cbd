package status_test

import (
	"testing"
	"time"

	"skillpath/status"
)

// Certificates delivered by an enrollment, by their expiry relative to now.
var (
	expiredYesterday = status.AwardFacts{ExpiresAt: new(now.Add(-24 * time.Hour))}
	expiringAtNow    = status.AwardFacts{ExpiresAt: new(now)}
	expiringNextNano = status.AwardFacts{ExpiresAt: new(now.Add(time.Nanosecond))}
	validNextYear    = status.AwardFacts{ExpiresAt: new(now.AddDate(1, 0, 0))}
	neverExpiring    = status.AwardFacts{}
)

func awards(a ...status.AwardFacts) []status.AwardFacts { return a }

// TestTrainingStatus follows SPEC §1's training table: every row, and the
// order in which the rows are checked (the first that holds wins; the first
// two only while no attempt exists).
func TestTrainingStatus(t *testing.T) {
	tests := []struct {
		name      string
		in        status.TrainingFacts
		want      status.Training
		wantScore *float64
	}{
		// prerequisites_pending: prerequisites not all passed, no attempt.
		{"prerequisites not passed",
			status.TrainingFacts{Modules: modules(moduleNotStarted)},
			status.TrainingPrerequisitesPending, noScore},
		{"prerequisites_pending wins over approval_pending",
			status.TrainingFacts{ApprovalPending: true, Modules: modules(moduleNotStarted)},
			status.TrainingPrerequisitesPending, noScore},

		// approval_pending: self-enrolled, approval required, not approved, no attempt.
		{"approval pending",
			status.TrainingFacts{PrerequisitesMet: true, ApprovalPending: true, Modules: modules(moduleNotStarted)},
			status.TrainingApprovalPending, noScore},

		// Once an attempt exists, prerequisites and approval are irrelevant.
		{"attempt exists, prerequisites not passed: modules decide",
			status.TrainingFacts{Started: true, Modules: modules(moduleStarted)},
			status.TrainingStarted, new(50.0)},
		{"attempt exists, approval pending: modules decide",
			status.TrainingFacts{PrerequisitesMet: true, ApprovalPending: true, Started: true, Modules: modules(modulePassed)},
			status.TrainingPassed, new(100.0)},
		{"attempt exists, both pending: modules decide",
			status.TrainingFacts{ApprovalPending: true, Started: true, Modules: modules(moduleFailed)},
			status.TrainingFailed, new(20.0)},

		// expired: passed and every certificate it delivered has expired.
		{"passed, its one certificate expired",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, Modules: modules(modulePassed),
				Awards: awards(expiredYesterday)},
			status.TrainingExpired, new(100.0)},
		{"passed, both certificates expired",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, Modules: modules(modulePassed),
				Awards: awards(expiredYesterday, expiringAtNow)},
			status.TrainingExpired, new(100.0)},
		{"passed, certificate expiring exactly now counts as expired",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, Modules: modules(modulePassed),
				Awards: awards(expiringAtNow)},
			status.TrainingExpired, new(100.0)},
		{"passed, one of two certificates expired: passed",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, Modules: modules(modulePassed),
				Awards: awards(expiredYesterday, validNextYear)},
			status.TrainingPassed, new(100.0)},
		{"passed, certificate expiring a nanosecond after now: passed",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, Modules: modules(modulePassed),
				Awards: awards(expiringNextNano)},
			status.TrainingPassed, new(100.0)},
		{"passed, certificate without expiry never expires",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, Modules: modules(modulePassed),
				Awards: awards(neverExpiring)},
			status.TrainingPassed, new(100.0)},
		{"passed, one expired and one without expiry: passed",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, Modules: modules(modulePassed),
				Awards: awards(expiredYesterday, neverExpiring)},
			status.TrainingPassed, new(100.0)},
		{"passed, no certificate delivered: never expires",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, Modules: modules(modulePassed)},
			status.TrainingPassed, new(100.0)},
		{"failed with an expired certificate: expired only follows a pass",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, Modules: modules(moduleFailed),
				Awards: awards(expiredYesterday)},
			status.TrainingFailed, new(20.0)},
		{"in progress with an expired certificate: expired only follows a pass",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, Modules: modules(moduleStarted),
				Awards: awards(expiredYesterday)},
			status.TrainingStarted, new(50.0)},

		// not_started: enrolled, no training attempt yet.
		{"enrolled, no attempt",
			status.TrainingFacts{PrerequisitesMet: true, Modules: modules(moduleNotStarted, moduleNotStarted)},
			status.TrainingNotStarted, noScore},
		{"no attempt: module facts do not count",
			status.TrainingFacts{PrerequisitesMet: true, Modules: modules(modulePassed)},
			status.TrainingNotStarted, noScore},

		// started: an attempt exists and not every module is completed.
		{"attempt, no module attempted",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, Modules: modules(moduleNotStarted, moduleNotStarted)},
			status.TrainingStarted, new(0.0)},
		{"attempt, one module not started, one passed",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, Modules: modules(modulePassed, moduleNotStarted)},
			status.TrainingStarted, new(50.0)},
		{"attempt, one module started, one passed",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, Modules: modules(modulePassed, moduleStarted)},
			status.TrainingStarted, new(75.0)},
		{"started wins over awaiting_scoring",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, Modules: modules(moduleAwaitingScoring, moduleNotStarted)},
			status.TrainingStarted, new(25.0)},
		{"started wins over a failed module",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, Modules: modules(moduleFailed, moduleStarted)},
			status.TrainingStarted, new(35.0)},

		// awaiting_scoring: every module passed, failed or awaiting_scoring,
		// at least one awaiting_scoring.
		{"one module awaiting scoring, one passed",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, Modules: modules(modulePassed, moduleAwaitingScoring)},
			status.TrainingAwaitingScoring, new(75.0)},
		{"awaiting_scoring wins over a failed module",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, Modules: modules(moduleFailed, moduleAwaitingScoring)},
			status.TrainingAwaitingScoring, new(35.0)},
		{"awaiting_scoring though the passing score is already out of reach",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, PassingScore: new(90.0),
				Modules: modules(modulePassed, moduleAwaitingScoring)},
			status.TrainingAwaitingScoring, new(75.0)},

		// passed: every module passed/failed and the passing criteria are met
		// (every module passed and, when set, overall score ≥ passing_score).
		{"every module passed, no passing score",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, Modules: modules(modulePassed, modulePassed)},
			status.TrainingPassed, new(100.0)},
		{"every module passed, score above passing score",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, PassingScore: new(60.0),
				Modules: modules(modulePassed, attempt(autoScored(10, 5)))},
			status.TrainingPassed, new(75.0)},
		{"score == passing score passes",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, PassingScore: new(75.0),
				Modules: modules(modulePassed, attempt(autoScored(10, 5)))},
			status.TrainingPassed, new(75.0)},
		{"score == passing score passes, 29 of 50 points is 58%",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, PassingScore: new(58.0),
				Modules: modules(attempt(autoScored(25, 20)), attempt(autoScored(25, 9)))},
			status.TrainingPassed, new(58.0)},
		{"no module carries points: the modules alone decide",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, PassingScore: new(80.0),
				Modules: modules(attempt(viewedContent()))},
			status.TrainingPassed, noScore},
		{"training without modules",
			status.TrainingFacts{PrerequisitesMet: true, Started: true},
			status.TrainingPassed, noScore},

		// failed: every module passed/failed and the passing criteria are not met.
		{"a failed module fails the training",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, Modules: modules(modulePassed, moduleFailed)},
			status.TrainingFailed, new(60.0)},
		{"a failed module fails the training though the score is above the passing score",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, PassingScore: new(50.0),
				Modules: modules(modulePassed, moduleFailed)},
			status.TrainingFailed, new(60.0)},
		{"every module passed, score below passing score",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, PassingScore: new(76.0),
				Modules: modules(modulePassed, attempt(autoScored(10, 5)))},
			status.TrainingFailed, new(75.0)},
		{"overall score is all points, not the mean of module scores",
			// Module scores 100% and 0% average 50%; the points give 10%.
			status.TrainingFacts{PrerequisitesMet: true, Started: true, PassingScore: new(50.0),
				Modules: modules(attempt(autoScored(1, 1)), attempt(autoScored(9, 0)))},
			status.TrainingFailed, new(10.0)},
		{"content carries no points in the overall score",
			status.TrainingFacts{PrerequisitesMet: true, Started: true, PassingScore: new(80.0),
				Modules: modules(attempt(viewedContent(), autoScored(4, 3)), attempt(viewedContent()))},
			status.TrainingFailed, new(75.0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := status.TrainingStatus(tt.in, now)
			if got.Status != tt.want {
				t.Errorf("status = %q, want %q", got.Status, tt.want)
			}
			if !equalScore(got.Score, tt.wantScore) {
				t.Errorf("score = %v, want %v", showScore(got.Score), showScore(tt.wantScore))
			}
			if len(got.Modules) != len(tt.in.Modules) {
				t.Fatalf("%d module results for %d modules", len(got.Modules), len(tt.in.Modules))
			}
			for i, m := range tt.in.Modules {
				if want := status.ModuleStatus(m); got.Modules[i].Status != want.Status {
					t.Errorf("module %d = %q, want %q", i, got.Modules[i].Status, want.Status)
				}
			}
		})
	}
}

// TestTrainingScoreCountsUnattemptedModules checks that the overall score
// divides by every point of the training, modules not yet attempted included,
// and earns nothing from a module without attempt whatever its facts say.
func TestTrainingScoreCountsUnattemptedModules(t *testing.T) {
	notAttempted := status.ModuleFacts{Activities: []status.ActivityFacts{autoScored(30, 30)}}
	got := status.TrainingStatus(status.TrainingFacts{
		PrerequisitesMet: true, Started: true,
		Modules: modules(attempt(autoScored(10, 10)), notAttempted),
	}, now)
	if got.Status != status.TrainingStarted || !equalScore(got.Score, new(25.0)) {
		t.Errorf("TrainingStatus = %q %v, want %q 25", got.Status, showScore(got.Score), status.TrainingStarted)
	}
}
