package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"skillpath/internal/smtptest"
	"skillpath/internal/testdb"
	"skillpath/webhook"
)

// notificationsAnswer is GET /api/v1/notifications.
type notificationsAnswer struct {
	Pending, Sent, Failed int
	MailConfigured        bool `json:"mail_configured"`
}

// passWithCertificate creates, through the API, a training granting a
// certificate and a learner who passes it; it returns the admin's token.
func passWithCertificate(t *testing.T, url string, hookURL string) (admin, secret string) {
	t.Helper()
	admin = login(t, url, "boss@example.com", "boss-password")
	var group, cert, training, session, user, enrolled, hook struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	apiJSON(t, url, admin, "POST", "/api/v1/groups", map[string]any{"name": "Dépôt"}, 201, &group)
	apiJSON(t, url, admin, "POST", "/api/v1/certificates", map[string]any{"title": "Cariste 叉车", "owner_group_id": group.ID, "validity_months": 12, "reminder_days": []int{10}}, 201, &cert)
	if hookURL != "" {
		apiJSON(t, url, admin, "POST", "/api/v1/webhooks", map[string]any{"url": hookURL, "events": []string{"certificate.delivered"}}, 201, &hook)
	}
	apiJSON(t, url, admin, "POST", "/api/v1/trainings", map[string]any{"title": "Forklift", "certificate_ids": []string{cert.ID}, "modules": []any{
		map[string]any{"title": "Basics", "activities": []any{map[string]any{"title": "Intro", "kind": "content"}}},
	}}, 201, &training)
	var tree struct {
		Modules []struct {
			Activities []struct{ ID string }
		}
	}
	apiJSON(t, url, admin, "GET", "/api/v1/trainings/"+training.ID, nil, 200, &tree)
	apiJSON(t, url, admin, "POST", "/api/v1/trainings/"+training.ID+"/sessions", map[string]any{"name": "Winter", "starts_at": "2026-01-01T00:00:00Z"}, 201, &session)
	apiJSON(t, url, admin, "POST", "/api/v1/users", map[string]any{"email": "lee@example.com", "name": "Lee Ji-eun 이지은", "group_ids": []string{group.ID}}, 201, &user)
	apiJSON(t, url, admin, "POST", "/api/v1/sessions/"+session.ID+"/enrollments", map[string]any{"user_id": user.ID}, 201, &enrolled)
	var tok struct {
		Token string `json:"token"`
	}
	apiJSON(t, url, admin, "POST", "/api/v1/users/"+user.ID+"/tokens", nil, 201, &tok)
	apiMust(t, url, tok.Token, "POST", "/api/v1/enrollments/"+enrolled.ID+"/start", nil, 200)
	apiMust(t, url, tok.Token, "POST", "/api/v1/enrollments/"+enrolled.ID+"/activities/"+tree.Modules[0].Activities[0].ID+"/view", nil, 200)
	return admin, hook.Secret
}

// TestServeSendsNotifications: serve with SKILLPATH_SMTP_URL emails a
// delivered certificate through a real SMTP server (STARTTLS, AUTH) and
// calls a signed webhook; GET /api/v1/notifications counts them sent.
func TestServeSendsNotifications(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		srv := smtptest.Start(t, smtptest.Options{})
		ca := filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(ca, srv.CAPEM, 0o600); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		type call struct {
			header http.Header
			body   []byte
		}
		var calls []call
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			calls = append(calls, call{r.Header.Clone(), body})
		}))
		t.Cleanup(receiver.Close)
		smtpURL := (&url.URL{Scheme: "smtp", Host: srv.Addr, User: url.UserPassword(srv.User, srv.Password)}).String()
		env := map[string]string{"SKILLPATH_DB": testdb.URL(t, dialect), "SKILLPATH_ADDR": "127.0.0.1:0",
			"SKILLPATH_ADMIN_EMAIL": "boss@example.com", "SKILLPATH_ADMIN_PASSWORD": "boss-password", "SKILLPATH_NOW": "2026-02-02T10:00:00Z",
			"SKILLPATH_LRS_ALLOW_PRIVATE": "true", "SKILLPATH_SMTP_URL": smtpURL, "SKILLPATH_MAIL_FROM": "Academy <academy@example.com>",
			"SKILLPATH_SMTP_CA_FILE": ca}
		in := startInProcess(t, env, "serve").await(t)
		admin, secret := passWithCertificate(t, in.URL, receiver.URL+"/hook")
		got := srv.Wait(1, 15*time.Second)
		if len(got) != 1 || got[0].To[0] != "lee@example.com" || !got[0].TLS {
			t.Fatalf("emails: %+v", got)
		}
		var answer notificationsAnswer
		for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
			apiJSON(t, in.URL, admin, "GET", "/api/v1/notifications", nil, 200, &answer)
			if answer.Sent == 2 {
				break
			}
		}
		if answer != (notificationsAnswer{Sent: 2, MailConfigured: true}) {
			t.Errorf("notifications %+v, want the email and the webhook call sent", answer)
		}
		mu.Lock()
		if len(calls) != 1 || !strings.Contains(string(calls[0].body), `"type":"certificate.delivered"`) {
			t.Fatalf("webhook calls %v", calls)
		}
		if err := webhook.Verify(secret, calls[0].header, calls[0].body, time.Now()); err != nil {
			t.Errorf("webhook: %v", err)
		}
		mu.Unlock()
		if err := in.shutdown(t); err != nil {
			t.Fatal(err)
		}
	})
}

// TestServeWithoutMail: without SKILLPATH_SMTP_URL nothing is sent and
// nothing waits; the API says mail is not configured.
func TestServeWithoutMail(t *testing.T) {
	env := map[string]string{"SKILLPATH_DB": "sqlite:" + filepath.Join(t.TempDir(), "skillpath.db"), "SKILLPATH_ADDR": "127.0.0.1:0",
		"SKILLPATH_ADMIN_EMAIL": "boss@example.com", "SKILLPATH_ADMIN_PASSWORD": "boss-password", "SKILLPATH_NOW": "2026-02-02T10:00:00Z"}
	in := startInProcess(t, env, "serve").await(t)
	admin, _ := passWithCertificate(t, in.URL, "")
	var answer notificationsAnswer
	apiJSON(t, in.URL, admin, "GET", "/api/v1/notifications", nil, 200, &answer)
	if answer != (notificationsAnswer{}) {
		t.Errorf("notifications %+v: nothing should be written", answer)
	}
	if err := in.shutdown(t); err != nil {
		t.Fatal(err)
	}
}
