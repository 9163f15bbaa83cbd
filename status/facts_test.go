package status_test

import (
	"time"

	"skillpath/status"
)

// The facts below are named after the rows of SPEC §1 so that the case tables
// read like the SPEC's tables.

// unanswered is an activity worth points that has no answer yet.
func unanswered(points float64) status.ActivityFacts {
	return status.ActivityFacts{Points: points}
}

// autoScored is an answered, automatically scored activity.
func autoScored(points, earned float64) status.ActivityFacts {
	return status.ActivityFacts{Points: points, Answered: true, Score: &earned}
}

// awaitingManual is an answered, manually scored activity no one has scored.
func awaitingManual(points float64) status.ActivityFacts {
	return status.ActivityFacts{Points: points, ManualScoring: true, Answered: true}
}

// manuallyScored is an answered activity a person has scored.
func manuallyScored(points, earned float64) status.ActivityFacts {
	return status.ActivityFacts{Points: points, ManualScoring: true, Answered: true, Score: &earned}
}

// viewedContent is a content activity (no points) the learner has viewed.
func viewedContent() status.ActivityFacts { return status.ActivityFacts{Answered: true} }

// unviewedContent is a content activity the learner has not viewed.
func unviewedContent() status.ActivityFacts { return status.ActivityFacts{} }

// attempt is a module attempt over the given activities, without minimum score.
func attempt(activities ...status.ActivityFacts) status.ModuleFacts {
	return status.ModuleFacts{Attempted: true, Activities: activities}
}

// Modules of a training, one per module status of SPEC §1, each worth 10 points.
var (
	moduleNotStarted      = status.ModuleFacts{Activities: []status.ActivityFacts{unanswered(10)}}
	moduleStarted         = attempt(autoScored(5, 5), unanswered(5))
	moduleAwaitingScoring = attempt(autoScored(5, 5), awaitingManual(5))
	modulePassed          = attempt(autoScored(10, 10))
	moduleFailed          = status.ModuleFacts{MinScore: new(50.0), Attempted: true,
		Activities: []status.ActivityFacts{autoScored(10, 2)}}
)

// modules lists module facts, to keep the training table on one line a case.
func modules(m ...status.ModuleFacts) []status.ModuleFacts { return m }

// now is the fixed "now" of every test; rules never read the clock.
var now = time.Date(2026, time.June, 15, 12, 0, 0, 0, time.UTC)

// noScore is the score of a result that has none (no points, or no attempt).
var noScore *float64

func equalScore(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func showScore(s *float64) any {
	if s == nil {
		return "none"
	}
	return *s
}
