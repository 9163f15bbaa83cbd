// Package mail sends skillpath's emails (SPEC §7) through the SMTP server
// of SKILLPATH_SMTP_URL with github.com/wneessen/go-mail: STARTTLS when
// the server offers it (smtp://), implicit TLS (smtps://), AUTH when the
// URL carries credentials. Each email has a plain-text and an HTML part,
// both from the embedded templates, a Date, a Message-ID stable across
// retries, and List-Unsubscribe on the weekly digest.
package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	gomail "github.com/wneessen/go-mail"

	"skillpath"
)

//go:embed templates
var templates embed.FS

var (
	textTemplates = texttemplate.Must(texttemplate.New("").Funcs(texttemplate.FuncMap(funcs)).ParseFS(templates, "templates/*.txt"))
	htmlTemplates = htmltemplate.Must(htmltemplate.New("").Funcs(htmltemplate.FuncMap(funcs)).ParseFS(templates, "templates/*.html"))
)

var funcs = map[string]any{
	"date": func(zone *time.Location, t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(zone).Format(time.DateOnly)
	},
	"day": func(zone *time.Location, t time.Time) string { return t.In(zone).Format(time.DateOnly) },
}

// Config is where and how emails are sent.
type Config struct {
	// URL is SKILLPATH_SMTP_URL: smtp://[user:pass@]host[:port] (port 587
	// by default; STARTTLS when offered) or smtps://… (port 465, TLS from
	// the first byte).
	URL string
	// From is SKILLPATH_MAIL_FROM: an address, with a display name or not
	// ("skillpath <noreply@example.com>").
	From string
	// TLS, when set, replaces the default TLS settings (tests trust their
	// own certificate authority with it).
	TLS *tls.Config
	// Timeout bounds connecting and each SMTP command; 0 is 30 seconds.
	Timeout time.Duration
	// Platform names the platform in the emails; BaseURL is where its
	// pages are linked from; Zone shows dates (SPEC §2).
	Platform string
	BaseURL  string
	Zone     *time.Location
}

// Mailer sends emails to one SMTP server.
type Mailer struct {
	cfg      Config
	host     string
	port     int
	implicit bool
	user     string
	password string
	hasAuth  bool
	from     *mail.Address
	domain   string
}

// New checks the configuration and returns a mailer; it connects to
// nothing yet. Errors name SKILLPATH_SMTP_URL or SKILLPATH_MAIL_FROM.
func New(cfg Config) (*Mailer, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("SKILLPATH_SMTP_URL: %v", err)
	}
	m := &Mailer{cfg: cfg, host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		m.port = 587
	case "smtps":
		m.port, m.implicit = 465, true
	default:
		return nil, fmt.Errorf("SKILLPATH_SMTP_URL %q: the scheme must be smtp:// (STARTTLS when offered) or smtps:// (implicit TLS)", u.Redacted())
	}
	if m.host == "" {
		return nil, fmt.Errorf("SKILLPATH_SMTP_URL %q: no host", u.Redacted())
	}
	if p := u.Port(); p != "" {
		if m.port, err = strconv.Atoi(p); err != nil || m.port < 1 || m.port > 65535 {
			return nil, fmt.Errorf("SKILLPATH_SMTP_URL %q: the port must be between 1 and 65535", u.Redacted())
		}
	}
	if u.User != nil {
		m.user = u.User.Username()
		m.password, _ = u.User.Password()
		m.hasAuth = true
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return nil, fmt.Errorf("SKILLPATH_SMTP_URL %q: only smtp[s]://[user:pass@]host[:port]", u.Redacted())
	}
	if cfg.From == "" {
		return nil, errors.New("SKILLPATH_MAIL_FROM is required with SKILLPATH_SMTP_URL: the address emails come from")
	}
	if m.from, err = mail.ParseAddress(cfg.From); err != nil {
		return nil, fmt.Errorf("SKILLPATH_MAIL_FROM %q: %v", cfg.From, err)
	}
	_, m.domain, _ = strings.Cut(m.from.Address, "@")
	if m.cfg.Zone == nil {
		m.cfg.Zone = time.UTC
	}
	if m.cfg.Timeout == 0 {
		m.cfg.Timeout = 30 * time.Second
	}
	if m.cfg.Platform == "" {
		m.cfg.Platform = "skillpath"
	}
	m.cfg.BaseURL = strings.TrimSuffix(m.cfg.BaseURL, "/")
	return m, nil
}

// Server describes the SMTP server without its password, for logs and pages.
func (m *Mailer) Server() string {
	scheme := "smtp"
	if m.implicit {
		scheme = "smtps"
	}
	return fmt.Sprintf("%s://%s:%d", scheme, m.host, m.port)
}

// Message is one email to send: to whom, the data its templates show, and
// an identity stable across retries (the notification's id and time).
type Message struct {
	To      string
	Data    skillpath.MailData
	ID      int64
	Created time.Time
}

// view is what the templates see.
type view struct {
	skillpath.MailData
	Zone     *time.Location
	Platform string
	BaseURL  string
	Expiring []skillpath.DigestEntry
	Expired  []skillpath.DigestEntry
}

// Subject is the subject line of an email (SPEC §7's texts, docs/NOTIFICATIONS.md).
func (m *Mailer) Subject(d skillpath.MailData) string {
	date := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(m.cfg.Zone).Format(time.DateOnly)
	}
	switch d.Reason {
	case skillpath.ReasonReminder:
		return fmt.Sprintf("Your certificate “%s” expires in %d days (%s)", d.Certificate, d.DaysBefore, date(d.ExpiresAt))
	case skillpath.ReasonExpired:
		return fmt.Sprintf("Your certificate “%s” expires today", d.Certificate)
	case skillpath.ReasonDelivered:
		return fmt.Sprintf("You have obtained the certificate “%s”", d.Certificate)
	case skillpath.ReasonApproved:
		return fmt.Sprintf("Your enrollment in “%s” is approved", d.Training)
	case skillpath.ReasonRefused:
		return fmt.Sprintf("Your enrollment in “%s” was refused", d.Training)
	case skillpath.ReasonReenrolled:
		return fmt.Sprintf("You are enrolled again in “%s” to renew your certificate", d.Training)
	case skillpath.ReasonScoring:
		return fmt.Sprintf("Answers await your scoring in “%s”", d.Training)
	case skillpath.ReasonDigest:
		expiring, expired := split(d.Digest)
		return fmt.Sprintf("Weekly digest: %d certificates expiring soon, %d expired", len(expiring), len(expired))
	}
	return string(d.Reason)
}

func split(list []skillpath.DigestEntry) (expiring, expired []skillpath.DigestEntry) {
	for _, e := range list {
		if e.Expired {
			expired = append(expired, e)
		} else {
			expiring = append(expiring, e)
		}
	}
	return expiring, expired
}

// Build makes the email of msg: headers, a text part and an HTML part.
func (m *Mailer) Build(msg Message) (*gomail.Msg, error) {
	g := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithNoDefaultUserAgent())
	if err := g.FromFormat(m.from.Name, m.from.Address); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := g.AddToFormat(msg.Data.Name, msg.To); err != nil {
		return nil, fmt.Errorf("to %q: %w", msg.To, err)
	}
	g.Subject(m.Subject(msg.Data))
	g.SetDateWithValue(time.Now())
	g.SetMessageIDWithValue(fmt.Sprintf("skillpath.%d.%d@%s", msg.ID, msg.Created.UnixMilli(), m.domain))
	g.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	if msg.Data.Reason == skillpath.ReasonDigest {
		g.SetGenHeader(gomail.HeaderListUnsubscribe, "<mailto:"+m.from.Address+"?subject=unsubscribe%20weekly%20digest>")
	}
	v := view{MailData: msg.Data, Zone: m.cfg.Zone, Platform: m.cfg.Platform, BaseURL: m.cfg.BaseURL}
	v.Expiring, v.Expired = split(msg.Data.Digest)
	name := string(msg.Data.Reason)
	var text, html bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&text, name+".txt", v); err != nil {
		return nil, err
	}
	if err := htmlTemplates.ExecuteTemplate(&html, name+".html", v); err != nil {
		return nil, err
	}
	g.SetBodyString(gomail.TypeTextPlain, text.String())
	g.AddAlternativeString(gomail.TypeTextHTML, html.String())
	return g, nil
}

// Error is a send that failed, with the SMTP server's answer. Permanent is
// set for a 5xx answer: the email is parked for an admin; anything else (a
// 4xx answer, a network error) is retried.
type Error struct {
	Code      int // the SMTP reply code, 0 when the server gave none
	Permanent bool
	Err       error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Send connects to the server, sends msg, and disconnects. Returns nil once
// the server accepted it, or an *Error.
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	g, err := m.Build(msg)
	if err != nil {
		return &Error{Permanent: true, Err: err}
	}
	opts := []gomail.Option{gomail.WithPort(m.port), gomail.WithTimeout(m.cfg.Timeout), gomail.WithoutNoop()}
	if m.implicit {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if m.cfg.TLS != nil {
		opts = append(opts, gomail.WithTLSConfig(m.cfg.TLS))
	}
	if m.hasAuth {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(m.user), gomail.WithPassword(m.password))
	}
	c, err := gomail.NewClient(m.host, opts...)
	if err != nil {
		return &Error{Permanent: true, Err: err}
	}
	if err := c.DialAndSendWithContext(ctx, g); err != nil {
		return classify(err)
	}
	return nil
}

// classify reads the SMTP reply code of a failed send: 5xx is permanent.
func classify(err error) *Error {
	e := &Error{Err: err}
	var se *gomail.SendError
	if errors.As(err, &se) {
		e.Code = se.ErrorCode()
	}
	var tp *textproto.Error
	if e.Code == 0 && errors.As(err, &tp) {
		e.Code = tp.Code
	}
	e.Permanent = e.Code >= 500 && e.Code < 600
	return e
}
