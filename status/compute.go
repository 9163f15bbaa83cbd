package status

import "time"

// ActivityFacts is what is stored about one activity in one module attempt.
type ActivityFacts struct {
	Points        float64  // what the activity is worth; 0 for content
	ManualScoring bool     // a person scores the answer
	Answered      bool     // answered, or viewed for content
	Score         *float64 // nil until scored
}

// ModuleFacts is what is stored about a module and the learner's latest
// attempt of it. Activities follow the module's current activities, so an
// activity added after the attempt began is simply not started.
type ModuleFacts struct {
	MinScore   *float64 // percent; nil when the module has none
	Attempted  bool     // a module attempt exists
	Activities []ActivityFacts
}

// TrainingFacts is what is stored about one enrollment.
type TrainingFacts struct {
	PrerequisitesMet bool     // every prerequisite training passed at least once
	ApprovalPending  bool     // self-enrolled in a training needing approval, not approved yet
	Started          bool     // the training attempt exists
	PassingScore     *float64 // percent; nil when only modules decide
	Modules          []ModuleFacts
	// Awards are the certificates this enrollment delivered; their expiry
	// decides the expired status.
	Awards []AwardFacts
}

// AwardFacts is one delivered certificate: its expiration, nil if none.
type AwardFacts struct {
	ExpiresAt *time.Time
}

// ActivityStatus applies SPEC §1's activity table.
func ActivityStatus(a ActivityFacts) Activity {
	switch {
	case !a.Answered:
		return ActivityNotStarted
	case a.ManualScoring && a.Score == nil:
		return ActivityAwaitingScoring
	default:
		return ActivityDone
	}
}

// ModuleResult is a module's status with its score.
type ModuleResult struct {
	Status     Module
	Score      *float64 // percent of the module's points earned so far; nil without points
	Activities []Activity
}

// ModuleStatus applies SPEC §1's module table to the latest attempt.
func ModuleStatus(m ModuleFacts) ModuleResult {
	r := ModuleResult{Status: ModuleNotStarted, Activities: make([]Activity, len(m.Activities))}
	earned, available := 0.0, 0.0
	notStarted, awaiting := 0, 0
	for i, a := range m.Activities {
		s := ActivityNotStarted
		if m.Attempted {
			s = ActivityStatus(a)
		}
		r.Activities[i] = s
		available += a.Points
		switch s {
		case ActivityNotStarted:
			notStarted++
		case ActivityAwaitingScoring:
			awaiting++
		case ActivityDone:
			if a.Score != nil {
				earned += *a.Score
			}
		}
	}
	if available > 0 && m.Attempted {
		r.Score = percent(earned, available)
	}
	switch {
	case !m.Attempted:
		r.Status = ModuleNotStarted
	case notStarted > 0:
		r.Status = ModuleStarted
	case awaiting > 0:
		r.Status = ModuleAwaitingScoring
	case m.MinScore == nil || r.Score == nil || *r.Score >= *m.MinScore:
		r.Status = ModulePassed
	default:
		r.Status = ModuleFailed
	}
	return r
}

// TrainingResult is the outcome of one enrollment: statuses and scores.
type TrainingResult struct {
	Status   Training
	Score    *float64 // percent of all the training's points earned so far; nil without points
	Progress float64  // percent of the training's activities answered or viewed
	Modules  []ModuleResult
}

// TrainingStatus applies SPEC §1's training table, in its order, at now.
func TrainingStatus(t TrainingFacts, now time.Time) TrainingResult {
	r := TrainingResult{Modules: make([]ModuleResult, len(t.Modules))}
	earned, available := 0.0, 0.0
	incomplete, awaiting, failed := 0, 0, 0
	activities, touched := 0, 0
	for i, m := range t.Modules {
		mr := ModuleStatus(m)
		r.Modules[i] = mr
		for j, a := range m.Activities {
			available += a.Points
			if mr.Activities[j] == ActivityDone && a.Score != nil {
				earned += *a.Score
			}
			activities++
			if mr.Activities[j] != ActivityNotStarted {
				touched++
			}
		}
		switch mr.Status {
		case ModuleNotStarted, ModuleStarted:
			incomplete++
		case ModuleAwaitingScoring:
			awaiting++
		case ModuleFailed:
			failed++
		}
	}
	if available > 0 && t.Started {
		r.Score = percent(earned, available)
	}
	if activities > 0 && t.Started {
		r.Progress = *percent(float64(touched), float64(activities))
	}
	switch {
	case !t.Started && !t.PrerequisitesMet:
		r.Status = TrainingPrerequisitesPending
	case !t.Started && t.ApprovalPending:
		r.Status = TrainingApprovalPending
	case !t.Started:
		r.Status = TrainingNotStarted
	case incomplete > 0:
		r.Status = TrainingStarted
	case awaiting > 0:
		r.Status = TrainingAwaitingScoring
	case failed == 0 && (t.PassingScore == nil || r.Score == nil || *r.Score >= *t.PassingScore):
		r.Status = Expire(TrainingPassed, t.Awards, now)
	default:
		r.Status = TrainingFailed
	}
	return r
}

// Expire applies the expired row of SPEC §1 to a status computed without
// the clock (as the store keeps it): a pass whose certificates have all
// expired at now is expired.
func Expire(t Training, awards []AwardFacts, now time.Time) Training {
	if t == TrainingPassed && allExpired(awards, now) {
		return TrainingExpired
	}
	return t
}

// allExpired reports whether the enrollment delivered certificates and every
// one has expired; a training that grants none never expires (SPEC §1).
func allExpired(awards []AwardFacts, now time.Time) bool {
	if len(awards) == 0 {
		return false
	}
	for _, a := range awards {
		if a.ExpiresAt == nil || a.ExpiresAt.After(now) {
			return false
		}
	}
	return true
}

// percent multiplies before dividing so that a whole percentage comes out
// exact: 29 of 50 points is 58, not 57.99999999999999, and a score equal to
// the minimum or passing score passes (SPEC §1).
func percent(earned, available float64) *float64 {
	p := earned * 100 / available
	return &p
}
