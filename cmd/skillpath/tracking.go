package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"skillpath/lrs"
	"skillpath/secret"
	"skillpath/server"
	"skillpath/store"
)

// demoSecretPhrase derives the key of --demo when SKILLPATH_SECRET_KEY is
// not set: fixed, so a demo database can be served again, and public, so
// only for demos.
const demoSecretPhrase = "skillpath demo secret key — not for real LRS passwords"

// setUpTracking configures results tracking (SPEC §4) on the store: the
// base URL of statement IRIs and the key of LRS passwords, refusing to
// start when stored passwords cannot be opened.
func setUpTracking(ctx context.Context, st *store.Store, baseURL, keyText, addr string, demo bool, log *slog.Logger) error {
	base, err := statementBase(baseURL, addr)
	if err != nil {
		return err
	}
	st.BaseURL = base
	switch {
	case keyText != "":
		if st.Secrets, err = secret.ParseKey(keyText); err != nil {
			return fmt.Errorf("SKILLPATH_SECRET_KEY: %w", err)
		}
	case demo:
		st.Secrets = secret.DerivedKey(demoSecretPhrase)
		log.Warn("SKILLPATH_SECRET_KEY is not set: --demo encrypts LRS passwords with a fixed demo key anyone can derive; set SKILLPATH_SECRET_KEY (openssl rand -hex 32) before saving a real password")
	}
	if err := st.CheckLRSSecrets(ctx); err != nil {
		return fmt.Errorf("%w (32 bytes as 64 hex digits or base64, e.g. openssl rand -hex 32)", err)
	}
	return nil
}

// statementBase checks --base-url, or derives it from the address served.
func statementBase(baseURL, addr string) (string, error) {
	if baseURL == "" {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return "", fmt.Errorf("--addr %q: %w", addr, err)
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		return "http://" + net.JoinHostPort(host, port), nil
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("--base-url %q: must be the platform's public http or https URL, such as https://learn.example.com", baseURL)
	}
	return strings.TrimRight(baseURL, "/"), nil
}

// startDelivery starts the LRS delivery worker and exposes its metrics on
// the server's /metrics. It returns a function that waits for the worker to
// stop once ctx ends.
func startDelivery(ctx context.Context, st *store.Store, srv *server.Server, log *slog.Logger) (wait func()) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	w := &lrs.Worker{Store: st, Log: log, Metrics: lrs.NewMetrics(reg, st)}
	srv.Metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelError)})
	failed := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "skillpath_http_responses_failed_total",
		Help: "HTTP answers that failed after their handler chose them, by reason: encode (answered 500 instead), write (the client went away), aborted (a streamed download cut after its status was sent).",
	}, []string{"reason"})
	for _, r := range []string{"encode", "write", "aborted"} {
		failed.WithLabelValues(r) // show every reason from the start, at 0
	}
	reg.MustRegister(failed)
	srv.ResponseFailed = func(reason string) { failed.WithLabelValues(reason).Inc() }
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	return func() { <-done }
}
