package status_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"skillpath/status"
)

// FuzzTrainingStatus builds an enrollment's facts from arbitrary bytes —
// modules, activities worth up to 10,000 points, answers, scores within
// the points, minimum and passing scores, awards expiring around now — and
// checks the rules of SPEC §1 hold whatever the shape: no panic; every
// status in its allowed set; scores and progress between 0 and 100; a
// training not started is in one of the three "before" states and a
// started one in none of them; passed or expired only when every module
// passed; expired only when every award has expired.
func FuzzTrainingStatus(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0xff, 3, 1, 0x80, 2, 50, 10, 0xff, 1, 0x40, 0x11, 0x22})
	f.Add([]byte{0x07, 90, 2, 0x00, 1, 0x3f, 2, 0xfe, 0xfe, 0xfe, 0xfe, 3, 1, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := reader{data: data}
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		flags := r.byte()
		facts := status.TrainingFacts{
			PrerequisitesMet: flags&1 != 0,
			ApprovalPending:  flags&2 != 0,
			Started:          flags&4 != 0,
		}
		if flags&8 != 0 {
			facts.PassingScore = new(float64(r.byte()) * 100 / 255)
		}
		for range r.byte() % 6 {
			m := status.ModuleFacts{Attempted: r.byte()&1 != 0}
			if b := r.byte(); b&1 != 0 {
				m.MinScore = new(float64(b>>1) * 100 / 127)
			}
			for range r.byte() % 6 {
				b := r.byte()
				a := status.ActivityFacts{ManualScoring: b&1 != 0, Answered: b&2 != 0}
				if b&4 != 0 {
					a.Points = float64(r.byte()) * 10000 / 255
				}
				if b&8 != 0 {
					a.Score = new(a.Points * float64(r.byte()) / 255)
				}
				m.Activities = append(m.Activities, a)
			}
			facts.Modules = append(facts.Modules, m)
		}
		for range r.byte() % 4 {
			if b := r.byte(); b&1 != 0 {
				facts.Awards = append(facts.Awards, status.AwardFacts{ExpiresAt: new(now.Add(time.Duration(int8(b)) * time.Hour))})
			} else {
				facts.Awards = append(facts.Awards, status.AwardFacts{})
			}
		}

		res := status.TrainingStatus(facts, now)
		if !res.Status.Valid() {
			t.Fatalf("training status %q", res.Status)
		}
		inRange := func(p *float64) bool { return p == nil || (!math.IsNaN(*p) && *p >= 0 && *p <= 100+1e-9) }
		if !inRange(res.Score) || !inRange(&res.Progress) {
			t.Fatalf("score %v, progress %v", res.Score, res.Progress)
		}
		before := []status.Training{status.TrainingPrerequisitesPending, status.TrainingApprovalPending, status.TrainingNotStarted}
		if slices.Contains(before, res.Status) != !facts.Started {
			t.Fatalf("started %v but status %q", facts.Started, res.Status)
		}
		if len(res.Modules) != len(facts.Modules) {
			t.Fatalf("%d module results for %d modules", len(res.Modules), len(facts.Modules))
		}
		allPassed := true
		for i, m := range res.Modules {
			switch m.Status {
			case status.ModuleNotStarted, status.ModuleStarted, status.ModuleAwaitingScoring, status.ModulePassed, status.ModuleFailed:
			default:
				t.Fatalf("module status %q", m.Status)
			}
			allPassed = allPassed && m.Status == status.ModulePassed
			if !inRange(m.Score) || len(m.Activities) != len(facts.Modules[i].Activities) {
				t.Fatalf("module %d: score %v, %d activity statuses", i, m.Score, len(m.Activities))
			}
			for _, a := range m.Activities {
				switch a {
				case status.ActivityNotStarted, status.ActivityAwaitingScoring, status.ActivityDone:
				default:
					t.Fatalf("activity status %q", a)
				}
			}
		}
		if (res.Status == status.TrainingPassed || res.Status == status.TrainingExpired) && !allPassed {
			t.Fatalf("%s with modules %v", res.Status, res.Modules)
		}
		if res.Status == status.TrainingExpired {
			for _, a := range facts.Awards {
				if a.ExpiresAt == nil || a.ExpiresAt.After(now) {
					t.Fatalf("expired with an award valid at now: %v", a.ExpiresAt)
				}
			}
		}
		if status.Expire(res.Status, facts.Awards, now) != res.Status && res.Status != status.TrainingPassed {
			t.Fatalf("Expire changed %q", res.Status)
		}
	})
}

// FuzzDates checks the date rules over any instants: a session's state and
// a certificate's status are in their sets and follow the clock, and an
// expiration comes validity months after the delivery, never before it.
func FuzzDates(f *testing.F) {
	f.Add(int64(0), int64(3600), int64(7200), int64(1800), 12, false)
	f.Add(int64(-62135596800), int64(253402300799), int64(0), int64(0), 1200, true)
	f.Fuzz(func(t *testing.T, start, end, at, delivered int64, months int, archived bool) {
		const span = 1 << 37 // seconds: any instant from year -2300 to 6300
		s, e, n, d := time.Unix(start%span, 0).UTC(), time.Unix(end%span, 0).UTC(), time.Unix(at%span, 0).UTC(), time.Unix(delivered%span, 0).UTC()
		want := status.SessionOngoing
		switch {
		case archived:
			want = status.SessionArchived
		case n.Before(s):
			want = status.SessionNotStarted
		case !n.Before(e):
			want = status.SessionEnded
		}
		if state := status.SessionState(s, &e, archived, n); state != want {
			t.Fatalf("session %v–%v archived %v at %v: %q, want %q", s, e, archived, n, state, want)
		}
		months = 1 + abs(months)%1200
		paris, _ := time.LoadLocation("Europe/Paris")
		exp := status.Expiration(d, &months, paris)
		if exp == nil || !exp.After(d) {
			t.Fatalf("delivered %v, valid %d months: expires %v", d, months, exp)
		}
		c := status.CertificationStatus(true, exp, n)
		switch c {
		case status.CertificationValid, status.CertificationExpiringSoon, status.CertificationExpired:
		default:
			t.Fatalf("certification %q", c)
		}
		if (c == status.CertificationExpired) != !exp.After(n) {
			t.Fatalf("expires %v, at %v: %q", exp, n, c)
		}
		if status.CertificationStatus(false, exp, n) != status.CertificationNotObtained {
			t.Fatal("not delivered but obtained")
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -(n + 1)
	}
	return n
}

// reader hands out the fuzzer's bytes, then zeros.
type reader struct {
	data []byte
	i    int
}

func (r *reader) byte() byte {
	if r.i >= len(r.data) {
		return 0
	}
	r.i++
	return r.data[r.i-1]
}
