package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/testdb"
)

// BenchmarkResultAfterRetakes reads an enrollment (the learning pass's
// reads without its writes) whose one module of 20 questions was taken
// `attempts` times: what reading the latest attempt costs as retakes pile up.
func BenchmarkResultAfterRetakes(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		for _, attempts := range []int{1, 20} {
			b.Run(fmt.Sprintf("%s/attempts=%d", dialect, attempts), func(b *testing.B) {
				ctx := context.Background()
				now := at("2026-05-04T09:00:00Z")
				st := testdb.Open(b, dialect, now)
				g := &skillpath.Group{Name: "G"}
				must(b, st.CreateGroup(ctx, g))
				m := &skillpath.Module{Title: "M", MinScore: ptr(100.0)}
				for i := range 20 {
					m.Activities = append(m.Activities, &skillpath.Activity{Title: fmt.Sprintf("Q%d", i), Kind: skillpath.KindChoice, Points: 1, Choices: []string{"no", "yes"}, Correct: ptr("yes")})
				}
				tr := &skillpath.Training{Title: "Drill", Modules: []*skillpath.Module{m}}
				must(b, st.CreateTraining(ctx, tr))
				s := &skillpath.Session{TrainingID: tr.ID, Name: "S", StartsAt: now.Add(-time.Hour)}
				must(b, st.CreateSession(ctx, s))
				u := &skillpath.User{Email: "l@example.com", Name: "L", GroupIDs: []skillpath.ID{g.ID}}
				must(b, st.CreateUser(ctx, u, ""))
				e, err := st.Enroll(ctx, s.ID, u.ID, u.ID, false)
				must(b, err)
				must(b, st.Start(ctx, e.ID))
				for n := range attempts {
					if n > 0 {
						must(b, st.Retake(ctx, e.ID, m.ID))
					}
					for i, a := range m.Activities {
						answer := "yes"
						if i == 0 {
							answer = "no"
						}
						must(b, st.Answer(ctx, e.ID, a.ID, answer))
					}
				}
				b.ResetTimer()
				for b.Loop() {
					if _, err := st.Result(ctx, e.ID); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
