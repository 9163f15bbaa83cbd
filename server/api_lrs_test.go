package server_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"skillpath/internal/apitest"
	"skillpath/internal/lrstest"
	"skillpath/internal/testdb"
	"skillpath/lrs"
	"skillpath/secret"
	"skillpath/server"
)

var lrsNow = time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC)

// lrsTraining creates a training with an author and returns its id and
// the author's client.
func lrsTraining(t *testing.T, e *apitest.Env) (string, *apitest.Client) {
	t.Helper()
	var author, tr ids
	e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "ada@example.com", "name": "Ada"}, &author)
	e.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Forklift", "author_ids": []string{author.ID},
		"modules": []any{map[string]any{"title": "Read", "activities": []any{map[string]any{"title": "Rules", "kind": "content"}}}}}, &tr)
	return tr.ID, e.As(idOf(t, author.ID))
}

type lrsView struct {
	TrainingID         string   `json:"training_id"`
	Endpoint           string   `json:"endpoint"`
	Login              string   `json:"login"`
	PasswordSet        bool     `json:"password_set"`
	Verbs              []string `json:"verbs"`
	UnpublishedChanges bool     `json:"unpublished_changes"`
	Live               *struct {
		Endpoint    string   `json:"endpoint"`
		PasswordSet bool     `json:"password_set"`
		Verbs       []string `json:"verbs"`
	} `json:"live"`
}

// TestLRSSettingsInput: bad settings are refused naming the field, and
// nothing is saved.
func TestLRSSettingsInput(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := apitest.Start(t, dialect, lrsNow, func(s *server.Server) { s.Store.Secrets = secret.DerivedKey("api tests") })
		id, _ := lrsTraining(t, e)
		path := "/api/v1/trainings/" + id + "/lrs"
		cases := []struct {
			name   string
			body   any
			status int
			field  string
		}{
			{"no endpoint", map[string]any{"verbs": []string{}}, 400, "endpoint"},
			{"not http", map[string]any{"endpoint": "ftp://lrs.example.com", "verbs": []string{}}, 400, "endpoint"},
			{"relative", map[string]any{"endpoint": "/xapi", "verbs": []string{}}, 400, "endpoint"},
			{"credentials in the URL", map[string]any{"endpoint": "https://u:p@lrs.example.com/xapi", "verbs": []string{}}, 400, "endpoint"},
			{"query", map[string]any{"endpoint": "https://lrs.example.com/xapi?key=1", "verbs": []string{}}, 400, "endpoint"},
			{"no verbs", map[string]any{"endpoint": "https://lrs.example.com/xapi"}, 400, "verbs"},
			{"unknown verb", map[string]any{"endpoint": "https://lrs.example.com/xapi", "verbs": []string{"started", "completed"}}, 400, "verbs[1]"},
			{"verb twice", map[string]any{"endpoint": "https://lrs.example.com/xapi", "verbs": []string{"passed", "passed"}}, 400, "verbs"},
			{"verbs not a list", map[string]any{"endpoint": "https://lrs.example.com/xapi", "verbs": "started"}, 400, "verbs"},
			{"colon in login", map[string]any{"endpoint": "https://lrs.example.com/xapi", "login": "a:b", "verbs": []string{}}, 400, "login"},
			{"password without login", map[string]any{"endpoint": "https://lrs.example.com/xapi", "password": "x", "verbs": []string{}}, 400, "login"},
			{"unknown field", map[string]any{"endpoint": "https://lrs.example.com/xapi", "verbs": []string{}, "secret": "x"}, 400, "secret"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := e.Admin.Do("PUT", path, tc.body)
				if r.Status != tc.status || r.Err().Field != tc.field {
					t.Fatalf("status %d field %q, want %d %q: %s", r.Status, r.Err().Field, tc.status, tc.field, r.Body)
				}
			})
		}
		e.Admin.Must(404, "GET", path, nil, nil) // nothing was saved
		e.Admin.Must(404, "PUT", "/api/v1/trainings/999999/lrs", map[string]any{"endpoint": "https://lrs.example.com", "verbs": []string{}}, nil)
		e.Admin.Must(404, "POST", "/api/v1/trainings/999999/publish", nil, nil)
	})
}

// TestLRSPassword: the password is write-only; leaving it out keeps it, ""
// removes it; it is stored encrypted; without a key it cannot be saved.
func TestLRSPassword(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := apitest.Start(t, dialect, lrsNow, func(s *server.Server) { s.Store.Secrets = secret.DerivedKey("api tests") })
		id, _ := lrsTraining(t, e)
		path := "/api/v1/trainings/" + id + "/lrs"
		const password = "Pa55-word-of-the-LAP"
		var v lrsView
		r := e.Admin.Must(200, "PUT", path, map[string]any{"endpoint": "https://lrs.example.com/xapi/", "login": "lap", "password": password,
			"verbs": []string{"passed", "started"}}, &v)
		if !v.PasswordSet || v.Login != "lap" || strings.Join(v.Verbs, ",") != "started,passed" || v.Live != nil || !v.UnpublishedChanges {
			t.Fatalf("after PUT: %s", r.Body)
		}
		r = e.Admin.Must(200, "GET", path, nil, &v)
		if strings.Contains(string(r.Body), password) || strings.Contains(string(r.Body), `"password"`) {
			t.Fatalf("the password is shown: %s", r.Body)
		}
		if stored := storedPassword(t, e); stored == "" || strings.Contains(stored, password) {
			t.Fatalf("stored password %q is not encrypted", stored)
		}
		if err := e.Store.CheckLRSSecrets(context.Background()); err != nil {
			t.Fatalf("the key does not open the password it sealed: %v", err)
		}

		e.Admin.Must(200, "POST", "/api/v1/trainings/"+id+"/publish", nil, nil)
		e.Admin.Must(200, "PUT", path, map[string]any{"endpoint": "https://lrs.example.com/xapi/", "login": "lap", "verbs": []string{"started", "passed"}}, &v)
		if !v.PasswordSet || v.UnpublishedChanges || v.Live == nil || !v.Live.PasswordSet {
			t.Fatalf("leaving the password out: %+v", v)
		}
		e.Admin.Must(200, "PUT", path, map[string]any{"endpoint": "https://lrs.example.com/xapi/", "login": "lap", "password": "", "verbs": []string{"started", "passed"}}, &v)
		if v.PasswordSet || !v.UnpublishedChanges || !v.Live.PasswordSet {
			t.Fatalf("removing the password: %+v", v)
		}

		e.Store.Secrets = nil
		r = e.Admin.Do("PUT", path, map[string]any{"endpoint": "https://lrs.example.com/xapi/", "login": "lap", "password": "new", "verbs": []string{}})
		if r.Status != 422 || !strings.Contains(r.Err().Message, "SKILLPATH_SECRET_KEY") {
			t.Fatalf("a password without a key: %d %s", r.Status, r.Body)
		}
		e.Admin.Must(200, "PUT", path, map[string]any{"endpoint": "https://lrs.example.com/xapi/", "verbs": []string{}}, nil)
	})
}

// storedPassword reads the draft password as the database holds it, with
// a connection of its own.
func storedPassword(t *testing.T, e *apitest.Env) string {
	t.Helper()
	driver, dsn := "pgx", e.DBURL
	if path, ok := strings.CutPrefix(e.DBURL, "sqlite:"); ok {
		driver, dsn = "sqlite", "file:"+path
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var stored string
	if err := db.QueryRow(`SELECT draft_password FROM lrs_settings`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	return stored
}

// TestLRSAccess: platform admins and the training's authors configure
// results tracking and publish; the outbox is for platform admins.
func TestLRSAccess(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := apitest.Start(t, dialect, lrsNow)
		id, author := lrsTraining(t, e)
		var u ids
		e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "ivy@example.com", "name": "Ivy"}, &u)
		learner := e.As(idOf(t, u.ID))
		settings := map[string]any{"endpoint": "https://lrs.example.com/xapi", "verbs": []string{"passed"}}
		path := "/api/v1/trainings/" + id
		cases := []struct {
			name   string
			client *apitest.Client
			method string
			path   string
			body   any
			status int
		}{
			{"learner saves settings", learner, "PUT", path + "/lrs", settings, 403},
			{"learner reads settings", learner, "GET", path + "/lrs", nil, 403},
			{"learner publishes", learner, "POST", path + "/publish", nil, 403},
			{"author saves settings", author, "PUT", path + "/lrs", settings, 200},
			{"author reads settings", author, "GET", path + "/lrs", nil, 200},
			{"author publishes", author, "POST", path + "/publish", nil, 200},
			{"author reads the outbox", author, "GET", "/api/v1/lrs/outbox", nil, 403},
			{"author retries", author, "POST", "/api/v1/lrs/outbox/retry", nil, 403},
			{"anonymous", e.Anonymous(), "GET", path + "/lrs", nil, 401},
			{"admin: bad statement id", e.Admin, "POST", "/api/v1/lrs/outbox/retry", map[string]any{"ids": []string{"42"}}, 400},
			{"admin: bad training filter", e.Admin, "GET", "/api/v1/lrs/outbox?training_id=x", nil, 400},
			{"admin: retry everything, nothing parked", e.Admin, "POST", "/api/v1/lrs/outbox/retry", nil, 200},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				if r := tc.client.Do(tc.method, tc.path, tc.body); r.Status != tc.status {
					t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
				}
			})
		}
		var tr struct {
			PublishedAt *string `json:"published_at"`
		}
		e.Admin.Must(200, "GET", path, nil, &tr)
		if tr.PublishedAt == nil || *tr.PublishedAt != "2026-01-31T10:00:00Z" {
			t.Errorf("published_at %v", tr.PublishedAt)
		}
	})
}

// TestMetrics: /metrics shows the outbox by state, counted in the
// database, and what this process's worker did, in Prometheus's format.
func TestMetrics(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		var metrics *lrs.Metrics
		e := apitest.Start(t, dialect, lrsNow, func(s *server.Server) {
			reg := prometheus.NewRegistry()
			metrics = lrs.NewMetrics(reg, s.Store)
			s.Metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
		})
		stand := lrstest.Start(t)
		id, _ := lrsTraining(t, e)
		e.Admin.Must(200, "PUT", "/api/v1/trainings/"+id+"/lrs", map[string]any{"endpoint": stand.URL, "verbs": []string{"started", "experienced"}}, nil)
		e.Admin.Must(200, "POST", "/api/v1/trainings/"+id+"/publish", nil, nil)
		var sess, enr ids
		e.Admin.Must(201, "POST", "/api/v1/trainings/"+id+"/sessions", map[string]any{"name": "S", "starts_at": "2026-01-01T00:00:00Z"}, &sess)
		var u ids
		e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "lee@example.com", "name": "Lee"}, &u)
		e.Admin.Must(201, "POST", "/api/v1/sessions/"+sess.ID+"/enrollments", map[string]any{"user_id": u.ID}, &enr)
		lee := e.As(idOf(t, u.ID))
		lee.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/start", nil, nil)

		body := string(e.Anonymous().Get("/metrics").Body)
		for _, line := range []string{`skillpath_lrs_outbox_statements{state="pending"} 1`, `skillpath_lrs_outbox_statements{state="delivered"} 0`} {
			if !strings.Contains(body, line) {
				t.Fatalf("/metrics lacks %q:\n%s", line, body)
			}
		}
		stand.Fail(1, 503)
		w := &lrs.Worker{Store: e.Store, Metrics: metrics, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}
		for deadline := time.Now().Add(5 * time.Second); len(stand.Stored()) < 1 && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if _, err := w.DeliverOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		body = string(e.Anonymous().Get("/metrics").Body)
		for _, line := range []string{
			`skillpath_lrs_outbox_statements{state="pending"} 0`,
			`skillpath_lrs_outbox_statements{state="delivered"} 1`,
			`skillpath_lrs_outbox_statements{state="parked"} 0`,
			`skillpath_lrs_delivery_attempts_total 2`,
			`skillpath_lrs_delivery_failures_total{reason="server_error"} 1`,
			`skillpath_lrs_delivery_latency_seconds_count 1`,
			`skillpath_lrs_statements_delivered_total 1`,
		} {
			if !strings.Contains(body, line) {
				t.Errorf("/metrics lacks %q:\n%s", line, body)
			}
		}
	})
}
