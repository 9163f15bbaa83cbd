package mail_test

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"skillpath"
	"skillpath/internal/smtptest"
	"skillpath/mail"
)

func mailer(t *testing.T, srv *smtptest.Server, scheme string, withAuth bool) *mail.Mailer {
	t.Helper()
	u := &url.URL{Scheme: scheme, Host: srv.Addr}
	if withAuth {
		u.User = url.UserPassword(srv.User, srv.Password)
	}
	zone, _ := time.LoadLocation("Asia/Tokyo")
	m, err := mail.New(mail.Config{URL: u.String(), From: "Академия skillpath <noreply@skillpath.test>", TLS: srv.ClientTLS,
		Platform: "skillpath", BaseURL: "https://learn.example.com/", Zone: zone, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// parts reads the text and HTML parts of a multipart/alternative message.
func parts(t *testing.T, m smtptest.Message) (text, html string) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	body := string(m.Raw[strings.Index(string(m.Raw), "\r\n\r\n")+4:])
	r := multipart.NewReader(strings.NewReader(body), params["boundary"])
	for {
		p, err := r.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "text/plain":
			text = string(b)
		case "text/html":
			html = string(b)
		}
	}
	return text, html
}

func decode(t *testing.T, s string) string {
	d, err := new(mime.WordDecoder).DecodeHeader(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSendOverSTARTTLSWithAuth: every email goes to a real SMTP server on
// loopback over STARTTLS after AUTH PLAIN, with its subject, both parts and
// headers, names and titles in any script, dates in the platform's zone.
func TestSendOverSTARTTLSWithAuth(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	m := mailer(t, srv, "smtp", true)
	expires := time.Date(2026, 3, 10, 20, 0, 0, 0, time.UTC) // 2026-03-11 in Tokyo
	delivered := time.Date(2025, 3, 10, 20, 0, 0, 0, time.UTC)
	cases := []struct {
		data    skillpath.MailData
		subject string
		text    string
	}{
		{skillpath.MailData{Reason: skillpath.ReasonReminder, Name: "李小龍", Certificate: "Сертификат безопасности", ExpiresAt: &expires, DaysBefore: 30},
			"Your certificate “Сертификат безопасности” expires in 30 days (2026-03-11)", "expires on 2026-03-11, in 30 days"},
		{skillpath.MailData{Reason: skillpath.ReasonExpired, Name: "Zoë", Certificate: "شهادة", ExpiresAt: &expires},
			"Your certificate “شهادة” expires today", "expires today, 2026-03-11"},
		{skillpath.MailData{Reason: skillpath.ReasonDelivered, Name: "Zoë", Certificate: "First aid", Training: "First aid 101", DeliveredAt: &delivered, ExpiresAt: &expires},
			"You have obtained the certificate “First aid”", "valid until 2026-03-11"},
		{skillpath.MailData{Reason: skillpath.ReasonApproved, Name: "Zoë", Training: "Forklift"}, "Your enrollment in “Forklift” is approved", "is approved"},
		{skillpath.MailData{Reason: skillpath.ReasonRefused, Name: "Zoë", Training: "Forklift"}, "Your enrollment in “Forklift” was refused", "was refused"},
		{skillpath.MailData{Reason: skillpath.ReasonReenrolled, Name: "Zoë", Training: "Forklift", Session: "2026"}, "You are enrolled again in “Forklift” to renew your certificate", "session “2026”"},
		{skillpath.MailData{Reason: skillpath.ReasonScoring, Name: "Ana", Training: "Essays"}, "Answers await your scoring in “Essays”", "https://learn.example.com/grading"},
		{skillpath.MailData{Reason: skillpath.ReasonDigest, Name: "Ana", Digest: []skillpath.DigestEntry{
			{Learner: "Lee", Email: "lee@example.com", Certificate: "First aid", ExpiresAt: expires},
			{Learner: "Kim", Email: "kim@example.com", Certificate: "Forklift", ExpiresAt: delivered, Expired: true}}},
			"Weekly digest: 1 certificates expiring soon, 1 expired", "Lee <lee@example.com>: “First aid” expires on 2026-03-11"},
	}
	for i, tc := range cases {
		err := m.Send(context.Background(), mail.Message{To: "learner@example.com", Data: tc.data, ID: int64(i + 1), Created: delivered})
		if err != nil {
			t.Fatalf("%s: %v", tc.data.Reason, err)
		}
	}
	got := srv.Wait(len(cases), 5*time.Second)
	if len(got) != len(cases) {
		t.Fatalf("%d messages arrived, want %d", len(got), len(cases))
	}
	for i, tc := range cases {
		msg := got[i]
		if msg.From != "noreply@skillpath.test" || len(msg.To) != 1 || msg.To[0] != "learner@example.com" {
			t.Errorf("%s: envelope %s → %v", tc.data.Reason, msg.From, msg.To)
		}
		if !msg.TLS || msg.AuthUser != srv.User {
			t.Errorf("%s: TLS %v, authenticated as %q", tc.data.Reason, msg.TLS, msg.AuthUser)
		}
		if s := decode(t, msg.Header.Get("Subject")); s != tc.subject {
			t.Errorf("%s: subject %q, want %q", tc.data.Reason, s, tc.subject)
		}
		if to := decode(t, msg.Header.Get("To")); !strings.Contains(to, tc.data.Name) {
			t.Errorf("%s: To %q lacks %q", tc.data.Reason, to, tc.data.Name)
		}
		if from := decode(t, msg.Header.Get("From")); !strings.Contains(from, "Академия skillpath") {
			t.Errorf("%s: From %q", tc.data.Reason, from)
		}
		if _, err := msg.Header.Date(); err != nil {
			t.Errorf("%s: Date: %v", tc.data.Reason, err)
		}
		if id := msg.Header.Get("Message-ID"); !strings.HasPrefix(id, "<skillpath.") || !strings.HasSuffix(id, "@skillpath.test>") {
			t.Errorf("%s: Message-ID %q", tc.data.Reason, id)
		}
		unsub := msg.Header.Get("List-Unsubscribe")
		if (tc.data.Reason == skillpath.ReasonDigest) != (unsub != "") {
			t.Errorf("%s: List-Unsubscribe %q", tc.data.Reason, unsub)
		}
		text, html := parts(t, msg)
		if !strings.Contains(text, tc.text) || !strings.Contains(text, "Hello "+tc.data.Name) {
			t.Errorf("%s: text part lacks %q:\n%s", tc.data.Reason, tc.text, text)
		}
		if !strings.Contains(html, "<!DOCTYPE html>") || !strings.Contains(html, "Hello "+tc.data.Name) {
			t.Errorf("%s: HTML part:\n%s", tc.data.Reason, html)
		}
		if tc.data.Certificate != "" && !strings.Contains(html, tc.data.Certificate) {
			t.Errorf("%s: HTML part lacks %q", tc.data.Reason, tc.data.Certificate)
		}
	}
}

func TestSendOverImplicitTLS(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{Implicit: true})
	m := mailer(t, srv, "smtps", true)
	if err := m.Send(context.Background(), mail.Message{To: "a@example.com", Data: skillpath.MailData{Reason: skillpath.ReasonApproved, Name: "A", Training: "T"}, ID: 1}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Wait(1, 5*time.Second); len(got) != 1 || !got[0].TLS {
		t.Fatalf("messages %+v", got)
	}
}

// TestSendErrors: the SMTP server's 4xx answer is temporary (retried), a
// 5xx answer permanent (parked); both carry the server's answer; a wrong
// password is the server's 535.
func TestSendErrors(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	m := mailer(t, srv, "smtp", true)
	srv.Reject(func(rcpt string) *smtp.SMTPError {
		if strings.HasPrefix(rcpt, "busy") {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
		}
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox"}
	})
	for _, tc := range []struct {
		to        string
		code      int
		permanent bool
		text      string
	}{{"busy@example.com", 451, false, "Try again later"}, {"nobody@example.com", 550, true, "No such mailbox"}} {
		err := m.Send(context.Background(), mail.Message{To: tc.to, Data: skillpath.MailData{Reason: skillpath.ReasonApproved, Name: "A", Training: "T"}, ID: 1})
		var me *mail.Error
		if !errors.As(err, &me) || me.Code != tc.code || me.Permanent != tc.permanent || !strings.Contains(me.Error(), tc.text) {
			t.Errorf("%s: %#v", tc.to, err)
		}
	}
	u := &url.URL{Scheme: "smtp", Host: srv.Addr, User: url.UserPassword(srv.User, "wrong")}
	bad, err := mail.New(mail.Config{URL: u.String(), From: "noreply@skillpath.test", TLS: srv.ClientTLS, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = bad.Send(context.Background(), mail.Message{To: "a@example.com", Data: skillpath.MailData{Reason: skillpath.ReasonApproved}, ID: 1})
	var me *mail.Error
	if !errors.As(err, &me) || me.Code != 535 {
		t.Errorf("wrong password: %#v", err)
	}
}

func TestNewRefusesBadSettings(t *testing.T) {
	for _, tc := range []struct{ url, from, want string }{
		{"http://mail.example.com", "a@example.com", "scheme"},
		{"smtp://", "a@example.com", "no host"},
		{"smtp://mail.example.com:99999", "a@example.com", "port"},
		{"smtp://mail.example.com", "", "SKILLPATH_MAIL_FROM"},
		{"smtp://mail.example.com", "not an address", "SKILLPATH_MAIL_FROM"},
	} {
		if _, err := mail.New(mail.Config{URL: tc.url, From: tc.from}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: %v, want %q", tc.url, tc.from, err, tc.want)
		}
	}
}
