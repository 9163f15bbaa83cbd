package load

import (
	"context"
	"slices"
)

// Round is one slice of a comparison: the floor measured, then the answers,
// right after one another, so that both see the same machine.
type Round struct {
	Floor  float64 // floor transactions per second
	Result Result
}

// Ratio is the answers' rate over the floor's.
func (r Round) Ratio() float64 { return r.Result.PerSecond() / r.Floor }

// Compare alternates the floor and the answers in rounds: on a shared
// machine whose load drifts, a ratio taken within a few seconds is steadier
// than one of two long measurements far apart.
func Compare(ctx context.Context, rounds int, floor func(context.Context) (float64, error), answers func(context.Context) (Result, error)) ([]Round, error) {
	out := make([]Round, 0, rounds)
	for range rounds {
		f, err := floor(ctx)
		if err != nil {
			return out, err
		}
		r, err := answers(ctx)
		if err != nil {
			return out, err
		}
		out = append(out, Round{Floor: f, Result: r})
	}
	return out, nil
}

// Median is the round of median ratio.
func Median(rounds []Round) Round {
	s := slices.Clone(rounds)
	slices.SortFunc(s, func(a, b Round) int {
		switch {
		case a.Ratio() < b.Ratio():
			return -1
		case a.Ratio() > b.Ratio():
			return 1
		}
		return 0
	})
	return s[len(s)/2]
}
