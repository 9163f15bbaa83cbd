package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode"

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
	if baseURL == "" && strings.HasPrefix(base, "http://localhost:") && !strings.HasPrefix(addr, "localhost:") {
		log.Warn("serving on all interfaces without --base-url: statements and certificates' verification links name " + base +
			"; set --base-url (SKILLPATH_BASE_URL) to the platform's public URL")
	}
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
		if keyText == "" && !demo {
			return fmt.Errorf("%w (32 bytes as 64 hex digits or base64, e.g. openssl rand -hex 32); passwords saved while running with --demo and no key were sealed with the demo's fixed key: start with --demo again", err)
		}
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
	if err := checkBaseURL(baseURL); err != nil {
		return "", fmt.Errorf("--base-url (SKILLPATH_BASE_URL) %q: %s", baseURL, err)
	}
	return strings.TrimRight(baseURL, "/"), nil
}

// checkBaseURL tells what keeps a base URL from prefixing activity IRIs
// (xAPI 1.0.3: activity ids are IRIs, RFC 3987): it must be an absolute
// http or https URL naming a host, without credentials, query or fragment
// (ids are built by appending /xapi/… to it), and made only of IRI
// characters — a space or a quote must be percent-encoded.
func checkBaseURL(base string) error {
	const want = "must be the platform's public http or https URL, such as https://learn.example.com"
	for i, r := range base {
		if !iriChar(r) {
			return fmt.Errorf("%q at position %d cannot be part of an IRI: write it percent-encoded, as %s", r, i+1, url.PathEscape(string(r)))
		}
		if r == '%' && (i+2 >= len(base) || !isHex(base[i+1]) || !isHex(base[i+2])) {
			return fmt.Errorf("%% at position %d starts no percent-encoded byte (%%XX); write a %% sign as %%25", i+1)
		}
	}
	u, err := url.Parse(base)
	switch {
	case err != nil:
		return fmt.Errorf("%v; the URL %s", err, want)
	case u.Scheme != "http" && u.Scheme != "https", u.Opaque != "":
		return fmt.Errorf("%s", want)
	case u.Hostname() == "":
		return fmt.Errorf("names no host; it %s", want)
	case u.User != nil:
		return fmt.Errorf("must hold no user name or password")
	case u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(base, "?#"):
		return fmt.Errorf("must have no query or fragment: activity IRIs are built by appending /xapi/… to it")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("port %q must be a number from 1 to 65535", p)
		}
	}
	if strings.Trim(strings.ToLower(u.Hostname()), "abcdefghijklmnopqrstuvwxyz0123456789.-:") != "" {
		return fmt.Errorf("host %q is not a host name (letters, digits, hyphens and dots; an international name in its xn-- form) nor an IP address", u.Hostname())
	}
	return nil
}

// iriChar reports whether r may appear as it is in an IRI (RFC 3987 §2.2):
// the characters of URIs (RFC 3986: letters, digits, -._~ :/?#[]@
// !$&'()*+,;= and % of percent-encoding) and non-ASCII letters, marks and
// digits; never a space, a control character, a quote or <>\^`{|}.
func iriChar(r rune) bool {
	if r < 0x80 {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("-._~:/?#[]@!$&'()*+,;=%", r)
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}

// startDelivery starts the LRS delivery worker and exposes its metrics on
// the server's /metrics. It returns a function that waits for the worker to
// stop once ctx ends.
func startDelivery(ctx context.Context, st *store.Store, srv *server.Server, log *slog.Logger) (wait func()) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	w := &lrs.Worker{Store: st, Log: log, Metrics: lrs.NewMetrics(reg, st), Control: srv.LRSGuard.Control}
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

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
