// Package load drives learners answering questions over the HTTP API of a
// running skillpath server, and measures the floor the answers are compared
// with: what the database itself does in small write transactions in the
// same run (docs/PERFORMANCE.md, "Learner answers").
package load

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// Config is one load run.
type Config struct {
	BaseURL    string // the server, e.g. http://127.0.0.1:8080
	AdminToken string // a platform admin's API token, to set the fixture up
	Learners   int    // concurrent learners, one enrollment and one connection each
	Questions  int    // choice questions in the training's one module (default 20)
	Duration   time.Duration
	// Answers stops the run after this many answers in all instead of
	// after Duration (for benchmarks); 0: Duration decides.
	Answers int
}

// Fixture is what Setup created: one enrollment per learner, started.
type Fixture struct {
	TrainingID string
	ModuleID   string
	Questions  []string // activity ids, in order
	Learners   []Learner
}

// Learner is one enrolled learner with their API token.
type Learner struct {
	Token        string
	EnrollmentID string
	next         int // the question to answer next; len(Questions): retake first
}

// Result is what a run did.
type Result struct {
	Answers int           // answers recorded (200)
	Retakes int           // module retakes, one per pass through the module
	Elapsed time.Duration // from the first request to the last answer
}

// PerSecond is the answers' rate.
func (r Result) PerSecond() float64 { return float64(r.Answers) / r.Elapsed.Seconds() }

// Client returns an HTTP client keeping one connection per learner.
func Client(learners int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = learners + 8
	t.MaxIdleConnsPerHost = learners + 8
	return &http.Client{Transport: t, Timeout: time.Minute}
}

// Setup creates, as the admin, a training of one module of choice questions
// (the first answered wrong on purpose, so the module fails and is taken
// again without end), a session, and cfg.Learners learners enrolled and
// started, each with a token.
func Setup(ctx context.Context, c *http.Client, cfg Config) (*Fixture, error) {
	if cfg.Questions <= 0 {
		cfg.Questions = 20
	}
	admin := api{c: c, base: cfg.BaseURL, token: cfg.AdminToken}
	acts := make([]map[string]any, cfg.Questions)
	for i := range acts {
		acts[i] = map[string]any{"title": fmt.Sprintf("Question %d", i+1), "kind": "choice", "points": 1,
			"choices": []string{"right", "wrong"}, "correct": "right"}
	}
	var tr struct {
		ID      string `json:"id"`
		Modules []struct {
			ID         string `json:"id"`
			Activities []struct {
				ID string `json:"id"`
			} `json:"activities"`
		} `json:"modules"`
	}
	stamp := time.Now().UnixNano()
	if err := admin.call(ctx, "POST", "/api/v1/trainings", map[string]any{"title": fmt.Sprintf("Load %d", stamp), "passing_score": 100,
		"modules": []any{map[string]any{"title": "Drill", "min_score": 100, "max_attempts": 0, "activities": acts}}}, 201, &tr); err != nil {
		return nil, err
	}
	f := &Fixture{TrainingID: tr.ID, ModuleID: tr.Modules[0].ID}
	for _, a := range tr.Modules[0].Activities {
		f.Questions = append(f.Questions, a.ID)
	}
	var se struct {
		ID string `json:"id"`
	}
	if err := admin.call(ctx, "POST", "/api/v1/trainings/"+tr.ID+"/sessions", map[string]any{"name": "Load",
		"starts_at": "2000-01-01T00:00:00Z"}, 201, &se); err != nil {
		return nil, err
	}
	f.Learners = make([]Learner, cfg.Learners)
	errs := make(chan error, cfg.Learners)
	var wg sync.WaitGroup
	for i := range f.Learners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- setupLearner(ctx, admin, se.ID, fmt.Sprintf("load-%d-%d@example.com", stamp, i), &f.Learners[i])
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return f, nil
}

func setupLearner(ctx context.Context, admin api, sessionID, email string, l *Learner) error {
	var u, tok, e struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	if err := admin.call(ctx, "POST", "/api/v1/users", map[string]any{"email": email, "name": "Learner " + email}, 201, &u); err != nil {
		return err
	}
	if err := admin.call(ctx, "POST", "/api/v1/users/"+u.ID+"/tokens", nil, 201, &tok); err != nil {
		return err
	}
	if err := admin.call(ctx, "POST", "/api/v1/sessions/"+sessionID+"/enrollments", map[string]any{"user_id": u.ID}, 201, &e); err != nil {
		return err
	}
	l.Token, l.EnrollmentID = tok.Token, e.ID
	learner := api{c: admin.c, base: admin.base, token: tok.Token}
	return learner.call(ctx, "POST", "/api/v1/enrollments/"+e.ID+"/start", nil, 200, nil)
}

// Run lets every learner of the fixture answer the questions in order, as
// fast as the server answers, retaking the module after its last question,
// until cfg.Duration passes or cfg.Answers answers are recorded. Any answer
// but 200 stops the run with an error. Each learner keeps one connection.
//
// The answers go through fasthttp's client, not net/http's: in a benchmark
// the client shares the server's process and cores, and net/http's client
// spent about as much CPU per answer as the server's HTTP layer. The
// requests are those a browser sends (a bearer token, a JSON body, gzip
// accepted), and each response's status is checked; the bodies, which the
// learners do not read, are not decoded.
func Run(ctx context.Context, cfg Config, f *Fixture) (Result, error) {
	// Learners stop between requests, never in the middle of one, so each
	// knows where it is in the module for the next run.
	var stop atomic.Bool
	var answers, retakes atomic.Int64
	var firstErr error
	var errOnce sync.Once
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; stop.Store(true) })
	}
	c := &fasthttp.Client{
		MaxConnsPerHost:          len(f.Learners) + 8,
		ReadTimeout:              time.Minute,
		WriteTimeout:             time.Minute,
		NoDefaultUserAgentHeader: true,
	}
	start := time.Now()
	var end atomic.Int64
	if cfg.Answers == 0 {
		timer := time.AfterFunc(cfg.Duration, func() { stop.Store(true) })
		defer timer.Stop()
	}
	var wg sync.WaitGroup
	for i := range f.Learners {
		l := &f.Learners[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			base := cfg.BaseURL + "/api/v1/enrollments/" + l.EnrollmentID
			retake := base + "/modules/" + f.ModuleID + "/retake"
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			post := func(uri string, body []byte) error {
				req.Reset()
				req.Header.SetMethod(http.MethodPost)
				req.SetRequestURI(uri)
				req.Header.Set("Authorization", "Bearer "+l.Token)
				req.Header.Set("Accept-Encoding", "gzip")
				if body != nil {
					req.Header.SetContentType("application/json")
					req.SetBody(body)
				}
				if err := c.Do(req, resp); err != nil {
					return fmt.Errorf("POST %s: %w", uri, err)
				}
				if resp.StatusCode() != http.StatusOK {
					b, _ := resp.BodyUncompressed()
					return fmt.Errorf("POST %s: status %d, want 200: %s", uri, resp.StatusCode(), strings.TrimSpace(string(b)))
				}
				return nil
			}
			for !stop.Load() && ctx.Err() == nil {
				if l.next == len(f.Questions) {
					if err := post(retake, nil); err != nil {
						fail(err)
						return
					}
					retakes.Add(1)
					l.next = 0
					continue
				}
				response := rightAnswer
				if l.next == 0 {
					response = wrongAnswer
				}
				if err := post(base+"/activities/"+f.Questions[l.next]+"/answer", response); err != nil {
					fail(err)
					return
				}
				l.next++
				n := answers.Add(1)
				end.Store(int64(time.Since(start)))
				if cfg.Answers > 0 && n >= int64(cfg.Answers) {
					stop.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	c.CloseIdleConnections()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return Result{Answers: int(answers.Load()), Retakes: int(retakes.Load()), Elapsed: time.Duration(end.Load())}, firstErr
}

// The learners' answers: the first question of each pass is answered wrong
// on purpose, so the module fails and can be taken again.
var (
	rightAnswer = []byte(`{"response":"right"}`)
	wrongAnswer = []byte(`{"response":"wrong"}`)
)

// api calls the JSON API with a bearer token.
type api struct {
	c     *http.Client
	base  string
	token string
}

func (a api) call(ctx context.Context, method, path string, body any, want int, out any) error {
	var r io.Reader
	if body != nil {
		b, ok := body.(json.RawMessage)
		if !ok {
			var err error
			if b, err = json.Marshal(body); err != nil {
				return err
			}
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	// Asked for by name, a compressed body is not decoded by the
	// transport: the server compresses as it would for a browser, and the
	// decoding, which is the learner's device's work, is done only for the
	// bodies read (not in the timed answers' share of this process's CPU).
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := a.c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == want && out == nil {
		_, err := io.Copy(io.Discard, resp.Body)
		return err
	}
	in := io.Reader(resp.Body)
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		in = zr
	}
	if resp.StatusCode != want {
		b, _ := io.ReadAll(io.LimitReader(in, 2048))
		return fmt.Errorf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, strings.TrimSpace(string(b)))
	}
	return json.NewDecoder(in).Decode(out)
}

// Login exchanges an email and password for an API token.
func Login(ctx context.Context, c *http.Client, baseURL, email, password string) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	err := api{c: c, base: baseURL}.call(ctx, "POST", "/api/v1/tokens", map[string]string{"email": email, "password": password}, 201, &out)
	if err == nil && out.Token == "" {
		err = errors.New("login answered no token")
	}
	return out.Token, err
}
