package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	neturl "net/url"
	"os"

	"skillpath/mail"
	"skillpath/notify"
	"skillpath/server"
	"skillpath/store"
)

// mailer reads SKILLPATH_SMTP_URL and SKILLPATH_MAIL_FROM (SPEC §7): nil
// when no SMTP server is configured, and then no email is written or sent.
// SKILLPATH_SMTP_CA_FILE (PEM) replaces the system's certificate
// authorities for the SMTP server's certificate: a private mail relay's.
func mailer(getenv func(string) string, st *store.Store, platform string) (*mail.Mailer, error) {
	url, from := getenv("SKILLPATH_SMTP_URL"), getenv("SKILLPATH_MAIL_FROM")
	if url == "" {
		if from != "" {
			return nil, fmt.Errorf("SKILLPATH_MAIL_FROM is set without SKILLPATH_SMTP_URL: set the SMTP server too, or neither")
		}
		return nil, nil
	}
	cfg := mail.Config{URL: url, From: from, Platform: platform, BaseURL: st.BaseURL, Zone: st.Zone}
	if file := getenv("SKILLPATH_SMTP_CA_FILE"); file != "" {
		pem, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("SKILLPATH_SMTP_CA_FILE: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("SKILLPATH_SMTP_CA_FILE %s: no PEM certificate in it", file)
		}
		u, err := neturl.Parse(url)
		if err != nil {
			return nil, fmt.Errorf("SKILLPATH_SMTP_URL: %v", err)
		}
		cfg.TLS = &tls.Config{RootCAs: pool, ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}
	}
	return mail.New(cfg)
}

// startNotifications starts the worker sending the notifications outbox
// (emails and webhook calls) until ctx ends; wait waits for it.
func startNotifications(ctx context.Context, st *store.Store, m *mail.Mailer, app *server.Server, log *slog.Logger) (wait func()) {
	w := &notify.Worker{Store: st, Mailer: m, Guard: app.LRSGuard, Log: log}
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	return func() { <-done }
}

// notifySweep writes the notifications time makes due (reminders, expiry
// notices, the weekly digest; SPEC §7), run by the hourly sweep next to
// the automatic re-enrollment.
func notifySweep(ctx context.Context, st *store.Store, log *slog.Logger) {
	res, err := st.NotifySweep(ctx)
	if err != nil && ctx.Err() == nil {
		log.Error("notification sweep", "error", err)
	} else if res.Written > 0 {
		log.Info("notification sweep", "written", res.Written)
	}
}
