package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"skillpath"
	"skillpath/internal/smtptest"
	"skillpath/internal/testdb"
	"skillpath/mail"
	"skillpath/netguard"
	"skillpath/notify"
	skillsecret "skillpath/secret"
	"skillpath/store"
	"skillpath/webhook"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// world is a store with mail on, a training granting a certificate, and a
// session to enroll learners in.
type world struct {
	url      string
	st       *store.Store
	training *skillpath.Training
	session  *skillpath.Session
}

func newWorld(t *testing.T, dialect string, now time.Time) *world {
	ctx := context.Background()
	address := testdb.URL(t, dialect)
	st := testdb.OpenURL(t, address, now)
	st.Mail = true
	g := &skillpath.Group{Name: "G"}
	must(t, st.CreateGroup(ctx, g))
	c := &skillpath.Certificate{Title: "Permis de conduire 運転免許", OwnerGroupID: g.ID, ValidityMonths: new(12)}
	must(t, st.CreateCertificate(ctx, c))
	w := &world{st: st, url: address}
	w.training = &skillpath.Training{Title: "Conduite", CertificateIDs: []skillpath.ID{c.ID}, Modules: []*skillpath.Module{
		{Title: "M", MaxAttempts: 1, Activities: []*skillpath.Activity{{Title: "Page", Kind: skillpath.KindContent}}}}}
	must(t, st.CreateTraining(ctx, w.training))
	w.session = &skillpath.Session{TrainingID: w.training.ID, Name: "S", StartsAt: now.Add(-time.Hour)}
	must(t, st.CreateSession(ctx, w.session))
	return w
}

// pass creates a learner who passes the training: a certificate delivered.
func (w *world) pass(t *testing.T, email, name string) skillpath.ID {
	ctx := context.Background()
	u := &skillpath.User{Email: email, Name: name}
	must(t, w.st.CreateUser(ctx, u, ""))
	e, err := w.st.Enroll(ctx, w.session.ID, u.ID, u.ID, false)
	must(t, err)
	must(t, w.st.Start(ctx, e.ID))
	must(t, w.st.View(ctx, e.ID, w.training.Modules[0].Activities[0].ID))
	return u.ID
}

func mailer(t *testing.T, srv *smtptest.Server) *mail.Mailer {
	u := &url.URL{Scheme: "smtp", Host: srv.Addr, User: url.UserPassword(srv.User, srv.Password)}
	m, err := mail.New(mail.Config{URL: u.String(), From: "skillpath <noreply@skillpath.test>", TLS: srv.ClientTLS, Timeout: 5 * time.Second})
	must(t, err)
	return m
}

// drain runs the worker until a claim finds nothing due.
func drain(t *testing.T, w *notify.Worker) {
	t.Helper()
	for range 20 {
		n, err := w.RunOnce(context.Background())
		must(t, err)
		if n == 0 {
			return
		}
	}
	t.Fatal("the outbox did not drain")
}

// TestEmailsAndWebhooksDelivered: a delivered certificate reaches the
// learner by email through a real SMTP server (STARTTLS, AUTH) and a
// webhook receiver on loopback, which verifies the Standard Webhooks
// signature; each is sent once.
func TestEmailsAndWebhooksDelivered(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		srv := smtptest.Start(t, smtptest.Options{})
		var mu sync.Mutex
		var received []map[string]any
		var secret string
		receiver := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			if err := webhook.Verify(secret, r.Header, body, time.Now()); err != nil {
				t.Errorf("webhook: %v", err)
				rw.WriteHeader(http.StatusUnauthorized)
				return
			}
			var ev map[string]any
			if err := json.Unmarshal(body, &ev); err != nil {
				t.Errorf("webhook body %s: %v", body, err)
			}
			received = append(received, ev)
			rw.WriteHeader(http.StatusNoContent)
		}))
		t.Cleanup(receiver.Close)
		w := newWorld(t, dialect, time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC))
		w.st.Secrets = skillsecret.DerivedKey("notify test") // the secret is stored sealed
		secret = webhook.NewSecret()
		hook := &store.Webhook{URL: receiver.URL + "/hooks", Events: []skillpath.WebhookEvent{skillpath.EventCertificateDelivered, skillpath.EventEnrollmentCreated}}
		must(t, w.st.CreateWebhook(ctx, hook, secret, 0))
		var stored string
		if err := testdb.Raw(t, w.url).QueryRow(`SELECT secret FROM webhooks`).Scan(&stored); err != nil || !strings.HasPrefix(stored, "sealed:") || strings.Contains(stored, secret[6:]) {
			t.Fatalf("stored secret %q, %v: want it sealed", stored, err)
		}
		w.pass(t, "zoe@example.com", "Zoë Ωmega")
		worker := &notify.Worker{Store: w.st, Mailer: mailer(t, srv), Guard: netguardAllow()}
		drain(t, worker)
		drain(t, worker)
		got := srv.Messages()
		if len(got) != 1 || got[0].To[0] != "zoe@example.com" || !got[0].TLS || got[0].AuthUser != srv.User {
			t.Fatalf("emails %+v", got)
		}
		mu.Lock()
		defer mu.Unlock()
		types := []string{}
		for _, ev := range received {
			types = append(types, ev["type"].(string))
			if _, err := time.Parse(time.RFC3339, ev["timestamp"].(string)); err != nil {
				t.Errorf("timestamp %v", ev["timestamp"])
			}
		}
		slices.Sort(types)
		if strings.Join(types, ",") != "certificate.delivered,enrollment.created" {
			t.Fatalf("webhook events %v", types)
		}
		for _, ev := range received {
			if d := ev["data"].(map[string]any); ev["type"] == "certificate.delivered" && d["certificate"] != "Permis de conduire 運転免許" {
				t.Errorf("certificate.delivered data %v", d)
			}
		}
		counts, _, err := w.st.Notifications(ctx, "", 10)
		must(t, err)
		if counts != (store.NotificationCounts{Sent: 3}) {
			t.Errorf("counts %+v", counts)
		}
	})
}

func netguardAllow() netguard.Guard { return netguard.Guard{AllowPrivate: true} }

// TestSMTPAnswers: the SMTP server's 4xx answer leaves the email pending
// with the answer, retried after the back-off and then sent; a 5xx answer
// parks it (failed) with the answer until an admin retries it.
func TestSMTPAnswers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		srv := smtptest.Start(t, smtptest.Options{})
		refuse := true
		var mu sync.Mutex
		srv.Reject(func(rcpt string) *smtp.SMTPError {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case strings.HasPrefix(rcpt, "busy") && refuse:
				return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Greylisted, try again later"}
			case strings.HasPrefix(rcpt, "gone"):
				return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox"}
			}
			return nil
		})
		w := newWorld(t, dialect, time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC))
		w.pass(t, "busy@example.com", "Busy")
		w.pass(t, "gone@example.com", "Gone")
		wall := time.Now()
		w.st.Wall = func() time.Time { return wall }
		worker := &notify.Worker{Store: w.st, Mailer: mailer(t, srv)}
		drain(t, worker)
		counts, rows, err := w.st.Notifications(ctx, "", 10)
		must(t, err)
		if counts != (store.NotificationCounts{Pending: 1, Failed: 1}) {
			t.Fatalf("counts %+v", counts)
		}
		for _, r := range rows {
			want := map[string]string{"busy@example.com": "451", "gone@example.com": "550"}[r.Recipient]
			if !strings.Contains(r.LastError, want) || r.Attempts != 1 {
				t.Errorf("%s: attempts %d, error %q, want %s", r.Recipient, r.Attempts, r.LastError, want)
			}
		}
		mu.Lock()
		refuse = false
		mu.Unlock()
		drain(t, worker) // backing off: nothing due
		if len(srv.Messages()) != 0 {
			t.Fatal("sent before the back-off ended")
		}
		wall = wall.Add(2 * time.Hour)
		drain(t, worker)
		if got := srv.Messages(); len(got) != 1 || got[0].To[0] != "busy@example.com" {
			t.Fatalf("after the back-off: %+v", got)
		}
		n, err := w.st.RetryNotifications(ctx, nil)
		must(t, err)
		if n != 1 {
			t.Fatalf("retried %d", n)
		}
		drain(t, worker)
		counts, _, err = w.st.Notifications(ctx, "", 10)
		must(t, err)
		if counts != (store.NotificationCounts{Sent: 1, Failed: 1}) {
			t.Fatalf("counts after retry %+v: 550 again", counts)
		}
	})
}

// TestWebhookAnswers: a 5xx answer is retried, a 4xx parks the call; a
// redirect is not followed.
func TestWebhookAnswers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		var mu sync.Mutex
		answers := map[string]int{"/busy": 503, "/gone": 410, "/moved": 302}
		calls := map[string]int{}
		receiver := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			calls[r.URL.Path]++
			if r.URL.Path == "/moved" {
				rw.Header().Set("Location", "/elsewhere")
			}
			rw.WriteHeader(answers[r.URL.Path])
		}))
		t.Cleanup(receiver.Close)
		w := newWorld(t, dialect, time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC))
		w.st.Mail = false
		for _, path := range []string{"/busy", "/gone", "/moved"} {
			must(t, w.st.CreateWebhook(ctx, &store.Webhook{URL: receiver.URL + path, Events: []skillpath.WebhookEvent{skillpath.EventCertificateDelivered}}, webhook.NewSecret(), 0))
		}
		w.pass(t, "a@example.com", "A")
		worker := &notify.Worker{Store: w.st, Guard: netguardAllow()}
		drain(t, worker)
		counts, rows, err := w.st.Notifications(ctx, "", 10)
		must(t, err)
		if counts != (store.NotificationCounts{Pending: 1, Failed: 2}) {
			t.Fatalf("counts %+v", counts)
		}
		for _, r := range rows {
			if !strings.Contains(r.LastError, "HTTP ") {
				t.Errorf("%s: %q", r.Recipient, r.LastError)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if calls["/elsewhere"] != 0 {
			t.Error("a redirect was followed")
		}
	})
}

// TestWebhookAddressRules: without --lrs-allow-private a webhook on
// loopback is refused at connect time and parked.
func TestWebhookAddressRules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		called := false
		receiver := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { called = true }))
		t.Cleanup(receiver.Close)
		w := newWorld(t, dialect, time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC))
		w.st.Mail = false
		must(t, w.st.CreateWebhook(ctx, &store.Webhook{URL: receiver.URL, Events: []skillpath.WebhookEvent{skillpath.EventCertificateDelivered}}, webhook.NewSecret(), 0))
		w.pass(t, "a@example.com", "A")
		drain(t, &notify.Worker{Store: w.st})
		_, rows, err := w.st.Notifications(ctx, "failed", 10)
		must(t, err)
		if called || len(rows) != 1 || !strings.Contains(rows[0].LastError, "not allowed") {
			t.Fatalf("called %v, failed %+v", called, rows)
		}
	})
}

// TestTwoWorkersSendEachOnce: on PostgreSQL two processes' workers drain
// one outbox at once; each email arrives once.
func TestTwoWorkersSendEachOnce(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	url := testdb.URL(t, "postgres")
	first := testdb.OpenURL(t, url, now)
	first.Mail = true
	w := &world{st: first}
	g := &skillpath.Group{Name: "G"}
	must(t, first.CreateGroup(ctx, g))
	c := &skillpath.Certificate{Title: "C", OwnerGroupID: g.ID, ValidityMonths: new(12)}
	must(t, first.CreateCertificate(ctx, c))
	w.training = &skillpath.Training{Title: "T", CertificateIDs: []skillpath.ID{c.ID}, Modules: []*skillpath.Module{
		{Title: "M", MaxAttempts: 1, Activities: []*skillpath.Activity{{Title: "Page", Kind: skillpath.KindContent}}}}}
	must(t, first.CreateTraining(ctx, w.training))
	w.session = &skillpath.Session{TrainingID: w.training.ID, Name: "S", StartsAt: now.Add(-time.Hour)}
	must(t, first.CreateSession(ctx, w.session))
	const learners = 30
	for i := range learners {
		w.pass(t, "l"+strconv.Itoa(i)+"@example.com", "L")
	}
	second := testdb.OpenURL(t, url, now)
	srv := smtptest.Start(t, smtptest.Options{})
	var wg sync.WaitGroup
	for _, st := range []*store.Store{first, second} {
		worker := &notify.Worker{Store: st, Mailer: mailer(t, srv), Batch: 3}
		wg.Go(func() {
			for {
				n, err := worker.RunOnce(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	got := srv.Messages()
	seen := map[string]int{}
	for _, m := range got {
		seen[m.To[0]]++
	}
	if len(got) != learners || len(seen) != learners {
		t.Fatalf("%d emails to %d recipients, want %d each once", len(got), len(seen), learners)
	}
}
