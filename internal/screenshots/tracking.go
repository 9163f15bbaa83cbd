package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"skillpath"
	"skillpath/demo"
	"skillpath/lrs"
	"skillpath/store"
)

// liveTracking turns the demo's results tracking draft into a lived-in
// picture, after the other pictures are taken: the Forklift training is
// published, two essays are scored (passed, delivered), two are answered
// (answered: one refused by the LRS and parked, one still waiting), and the
// draft is changed again so that it differs from what is live. The LRS
// answers in-process: nothing leaves the machine.
func liveTracking(ctx context.Context, st *store.Store) (skillpath.ID, error) {
	wall := st.Wall
	st.Wall = func() time.Time { return now } // the outbox's real-time columns, shown on the page
	defer func() { st.Wall = wall }()
	fork, err := trainingID(ctx, st, "Forklift Operator Certification")
	if err != nil {
		return 0, err
	}
	tr, err := st.FindTraining(ctx, fork)
	if err != nil {
		return 0, err
	}
	essay := tr.Modules[1].Activities[0].ID
	if _, err := st.PublishTraining(ctx, fork); err != nil {
		return 0, err
	}
	instructor, err := userID(ctx, st, "ivy.instructor@demo.skillpath.test")
	if err != nil {
		return 0, err
	}
	for _, email := range []string{"learner25@demo.skillpath.test", "learner26@demo.skillpath.test"} { // awaiting scoring
		e, err := forkliftEnrollment(ctx, st, email)
		if err == nil {
			err = st.Score(ctx, e, essay, 8, instructor)
		}
		if err != nil {
			return 0, err
		}
	}
	answer := func(email string) error {
		e, err := forkliftEnrollment(ctx, st, email)
		if err != nil {
			return err
		}
		return st.Answer(ctx, e, essay, "Heaviest loads at the bottom, and never above the rack's capacity sign.")
	}
	if err := answer(learner); err != nil {
		return 0, err
	}
	w := &lrs.Worker{Store: st, HTTP: &http.Client{Transport: inProcess{refusingLRS}}}
	for {
		worked, err := w.DeliverOnce(ctx)
		if err != nil {
			return 0, err
		}
		if !worked {
			break
		}
	}
	if err := answer("learner02@demo.skillpath.test"); err != nil {
		return 0, err
	}
	_, err = st.SetLRSDraft(ctx, fork, store.LRSInput{Endpoint: demo.LRSEndpoint, Verbs: []skillpath.Verb{
		skillpath.VerbStarted, skillpath.VerbProgressed, skillpath.VerbAnswered, skillpath.VerbPassed, skillpath.VerbFailed}})
	return fork, err
}

// refusingLRS stores every statement but answers, which it refuses as an
// LRS that does not take essays' long responses might.
func refusingLRS(w http.ResponseWriter, r *http.Request) {
	var statements []struct {
		ID   string `json:"id"`
		Verb struct {
			ID string `json:"id"`
		} `json:"verb"`
	}
	if err := json.NewDecoder(r.Body).Decode(&statements); err != nil {
		http.Error(w, `{"error":"not JSON"}`, http.StatusBadRequest)
		return
	}
	ids := []string{}
	for _, s := range statements {
		if s.Verb.ID == "http://adlnet.gov/expapi/verbs/answered" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"error":"statement %s: result.response is longer than the 50 characters this LRS keeps"}`, s.ID)
			return
		}
		ids = append(ids, s.ID)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(ids)
}

// inProcess is an http.RoundTripper answering every request with a
// handler, in the same process.
type inProcess struct{ handler http.HandlerFunc }

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.handler(rec, r)
	return rec.Result(), nil
}

func userID(ctx context.Context, st *store.Store, email string) (skillpath.ID, error) {
	users, _, err := st.ListUsers(ctx, store.UserFilter{Query: email, Limit: 1})
	if err != nil || len(users) != 1 {
		return 0, fmt.Errorf("demo user %s: %v", email, err)
	}
	return users[0].ID, nil
}

func trainingID(ctx context.Context, st *store.Store, title string) (skillpath.ID, error) {
	list, err := st.TrackingOverview(ctx, &skillpath.User{PlatformAdmin: true})
	if err != nil {
		return 0, err
	}
	for _, t := range list {
		if t.Title == title {
			return t.TrainingID, nil
		}
	}
	return 0, fmt.Errorf("no demo training %q", title)
}
