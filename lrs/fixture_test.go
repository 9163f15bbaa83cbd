package lrs_test

import (
	"context"
	"testing"
	"time"

	"skillpath/internal/apitest"
	"skillpath/internal/lrstest"
	"skillpath/lrs"
	"skillpath/secret"
	"skillpath/server"
	"skillpath/store"
)

var (
	start    = time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC)
	testKey  = secret.DerivedKey("lrs tests")
	allVerbs = []string{"started", "progressed", "experienced", "answered", "mastered", "passed", "failed"}
)

type ids = apitest.Ref

type tree = apitest.Tree

// path is a training with a stand-in LRS: a content page, a choice
// question worth 2 points and a text question worth 1, mastery at 50%.
type path struct {
	env      *apitest.Env
	lrs      *lrstest.LRS
	training tree
	session  string
}

func newPath(t *testing.T, dialect string) *path {
	t.Helper()
	env := apitest.Start(t, dialect, start, func(s *server.Server) { s.Store.Secrets = testKey })
	p := &path{env: env, lrs: lrstest.Start(t)}
	p.create(t)
	return p
}

// another is a second training of the same platform, reporting to the same LRS.
func (p *path) another(t *testing.T) *path {
	q := &path{env: p.env, lrs: p.lrs}
	q.create(t)
	return q
}

func (p *path) create(t *testing.T) {
	t.Helper()
	p.env.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Forklift", "mastery_score": 50, "modules": []any{
		map[string]any{"title": "Quiz", "activities": []any{
			map[string]any{"title": "Intro", "kind": "content"},
			map[string]any{"title": "Which lever?", "kind": "choice", "points": 2, "choices": []string{"left", "right"}, "correct": "right"},
			map[string]any{"title": "Brake colour", "kind": "text", "correct": "Red"},
		}},
	}}, &p.training)
	var s ids
	p.env.Admin.Must(201, "POST", "/api/v1/trainings/"+p.training.ID+"/sessions", map[string]any{"name": "Winter", "starts_at": "2026-01-01T00:00:00Z"}, &s)
	p.session = s.ID
}

// track saves the settings as the draft and, with publish, makes them live.
func (p *path) track(t *testing.T, publish bool, settings map[string]any) {
	t.Helper()
	if _, ok := settings["endpoint"]; !ok {
		settings["endpoint"] = p.lrs.URL
	}
	p.env.Admin.Must(200, "PUT", "/api/v1/trainings/"+p.training.ID+"/lrs", settings, nil)
	if publish {
		p.env.Admin.Must(200, "POST", "/api/v1/trainings/"+p.training.ID+"/publish", nil, nil)
	}
}

// learner is one enrolled learner and their client.
type learner struct {
	p          *path
	email      string
	client     *apitest.Client
	enrollment string
}

func (p *path) learner(t *testing.T, email string) *learner {
	t.Helper()
	var u, e ids
	p.env.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": email, "name": "Learner " + email}, &u)
	p.env.Admin.Must(201, "POST", "/api/v1/sessions/"+p.session+"/enrollments", map[string]any{"user_id": u.ID}, &e)
	return &learner{p: p, email: email, client: p.env.WithToken(token(t, p.env, u.ID)), enrollment: e.ID}
}

func token(t *testing.T, env *apitest.Env, userID string) string {
	var tok struct {
		Token string `json:"token"`
	}
	env.Admin.Must(201, "POST", "/api/v1/users/"+userID+"/tokens", nil, &tok)
	return tok.Token
}

// The steps of the path, and the statements each causes with every verb
// selected: started; experienced + progressed; answered + progressed +
// mastered (2 of 3 points ≥ 50%); answered + progressed + passed.
func (l *learner) start(t *testing.T) { l.do(t, "/start", nil) }
func (l *learner) view(t *testing.T) {
	l.do(t, "/activities/"+l.p.training.Modules[0].Activities[0].ID+"/view", nil)
}
func (l *learner) answerLever(t *testing.T) {
	l.do(t, "/activities/"+l.p.training.Modules[0].Activities[1].ID+"/answer", map[string]any{"response": "right"})
}
func (l *learner) answerBrake(t *testing.T) {
	l.do(t, "/activities/"+l.p.training.Modules[0].Activities[2].ID+"/answer", map[string]any{"response": "red"})
}
func (l *learner) walk(t *testing.T) { l.start(t); l.view(t); l.answerLever(t); l.answerBrake(t) }

// walkStatements is how many statements walk causes with every verb.
const walkStatements = 9

func (l *learner) do(t *testing.T, action string, body any) {
	t.Helper()
	l.client.Must(200, "POST", "/api/v1/enrollments/"+l.enrollment+action, body, nil)
}

// fast is a worker that polls, backs off and leases in milliseconds.
func fast(st *store.Store) *lrs.Worker {
	return &lrs.Worker{Store: st, Concurrency: 2, BatchSize: 50, Lease: 3 * time.Second, Poll: 10 * time.Millisecond,
		RequestTimeout: 2 * time.Second, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}
}

// run runs the worker until the test ends (or stop is called).
func run(t *testing.T, w *lrs.Worker) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	stop = func() {
		cancel()
		<-done
	}
	t.Cleanup(stop)
	return stop
}

// settled waits until nothing is pending and the counts are as wanted.
func settled(t *testing.T, st *store.Store, delivered, parked int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := st.CountOutbox(context.Background(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if c.Pending == 0 && c.Delivered == delivered && c.Parked == parked {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox %+v, want delivered %d, parked %d, nothing pending", c, delivered, parked)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// verbsOf lists the verbs of statements as the LRS holds them.
func verbsOf(stmts []map[string]any) []string {
	out := make([]string, len(stmts))
	for i, s := range stmts {
		display, _ := s["verb"].(map[string]any)["display"].(map[string]any)
		out[i], _ = display["en-US"].(string)
	}
	return out
}
