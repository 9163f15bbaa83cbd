// Package lrs delivers xAPI statements from the outbox to the customers'
// Learning Record Stores (SPEC §4): the HTTP client of the xAPI statements
// resource, and the worker that claims, sends and settles batches.
package lrs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"skillpath/xapi"
)

// StatementsURL is where statements of an endpoint are posted:
// {endpoint}/statements, or the endpoint itself when it already ends in
// /statements (SPEC §4).
func StatementsURL(endpoint string) string {
	return baseURL(endpoint) + "/statements"
}

// AboutURL is the LRS's About resource, {endpoint}/about (xAPI 1.0.3
// §2.8), which lists the xAPI versions the LRS accepts.
func AboutURL(endpoint string) string {
	return baseURL(endpoint) + "/about"
}

func baseURL(endpoint string) string {
	endpoint = strings.TrimRight(endpoint, "/")
	return strings.TrimSuffix(endpoint, "/statements")
}

// newClient is the HTTP client of deliveries: a connection must be made
// within connect (so an LRS that drops packets frees its lane soon) and a
// whole request answered within request.
// NewClient is the HTTP client of LRS deliveries: connecting gives up after
// connect, one POST (connection included) after request, and a redirect is
// answered as it is, never followed. control, when not nil, is asked before
// every connection (SPEC §4: netguard.Guard.Control refuses addresses inside
// this server's network, whatever a name resolved to when the endpoint was
// saved); then no proxy is used either, as a proxy would connect out of its
// sight.
func NewClient(connect, request time.Duration, control func(network, address string, c syscall.RawConn) error) *http.Client {
	dialer := &net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second, Control: control}
	proxy := http.ProxyFromEnvironment
	if control != nil {
		proxy = nil
	}
	return withoutRedirects(&http.Client{
		Timeout: request,
		Transport: &http.Transport{
			Proxy:               proxy,
			DialContext:         dialer.DialContext,
			TLSHandshakeTimeout: connect,
			ForceAttemptHTTP2:   true,
			MaxIdleConns:        100,
			MaxIdleConnsPerHost: 8,
			IdleConnTimeout:     90 * time.Second,
		},
	})
}

// withoutRedirects is client answering every redirect as it is: a POST of
// statements is never followed to another address (a 301/302/303 would
// turn it into a GET without its body, and the GET's 200 would pass for a
// delivery).
func withoutRedirects(client *http.Client) *http.Client {
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// answer is what an LRS said to one POST, sorted into what follows.
type answer struct {
	kind       answerKind
	status     int           // 0 for a network error
	retryAfter time.Duration // from a Retry-After header, 0 if none
	message    string        // for admins: what the LRS answered and, when it is not plain, what to do
	// aboutVersion marks a 400 that speaks of a version: the LRS may
	// refuse the X-Experience-API-Version header rather than a statement.
	aboutVersion bool
}

type answerKind int

const (
	stored         answerKind = iota // 200 with one id per statement, or 204: the LRS holds every statement
	transient                        // network error, timeout, 5xx, 408, 429: try again later
	conflict                         // 409: some id is held already
	refusedContent                   // 400, 413, 422: a statement (or the batch's size) is refused
	// refusedRequest is an answer that concerns the endpoint, not a
	// statement: other 4xx, a redirect, a 200 without the statement ids
	// (a login page, a proxy), another 2xx. Retrying cannot mend it.
	refusedRequest
)

// maxErrorBody bounds how much of an LRS's answer is kept with a parked
// statement.
const maxErrorBody = 500

// maxIDsBody bounds the body read from a 200: a JSON array of statement
// ids, some 40 bytes each.
const maxIDsBody = 1 << 20

// post sends statements as one JSON array to the LRS and sorts its answer
// (SPEC §4: only 200 with a JSON array of one id per statement, 204 or 409
// count as delivered).
func post(ctx context.Context, client *http.Client, url, login, password string, statements []json.RawMessage, now time.Time) answer {
	size := 2
	for _, st := range statements {
		size += len(st) + 1
	}
	body := bytes.NewBuffer(make([]byte, 0, size))
	body.WriteByte('[')
	for i, st := range statements {
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(st)
	}
	body.WriteByte(']')
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, body)
	if err != nil {
		return answer{kind: refusedRequest, message: fmt.Sprintf("endpoint %q: %v", url, err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Experience-API-Version", xapi.Version)
	if login != "" || password != "" {
		req.SetBasicAuth(login, password)
	}
	resp, err := client.Do(req)
	if err != nil {
		return answer{kind: transient, message: fmt.Sprintf("POST %s: %v", url, err)}
	}
	defer resp.Body.Close()
	c := resp.StatusCode
	limit := int64(4 * maxErrorBody)
	if c == http.StatusOK {
		limit = maxIDsBody
	}
	text, _ := io.ReadAll(io.LimitReader(resp.Body, limit))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // let the connection be reused
	a := answer{status: c, message: "LRS answered " + resp.Status + ": " + excerpt(text)}
	switch {
	case c == http.StatusOK:
		a = storedIDs(a, resp.Header.Get("Content-Type"), text, len(statements))
	case c == http.StatusNoContent:
		a.kind = stored
	case c >= 300 && c < 400:
		a.kind = refusedRequest
		a.message = redirected(resp)
	case c == http.StatusTooManyRequests || c >= 500 || c == http.StatusRequestTimeout:
		a.kind = transient
		a.retryAfter = retryAfter(resp.Header.Get("Retry-After"), now)
	case c == http.StatusConflict:
		a.kind = conflict
	case c == http.StatusBadRequest || c == http.StatusRequestEntityTooLarge || c == http.StatusUnprocessableEntity:
		a.kind = refusedContent
		a.aboutVersion = c == http.StatusBadRequest && strings.Contains(strings.ToLower(string(text)), "version")
	case c >= 200 && c < 300:
		a.kind = refusedRequest
		a.message = fmt.Sprintf("LRS answered %s, which is not how an LRS says it stored statements (200 with their ids, or 204); not counted as delivered: %s",
			resp.Status, excerpt(text))
	default:
		a.kind = refusedRequest
	}
	return a
}

// storedIDs reads a 200's body: the statements are delivered only when it
// is a JSON array of one id per statement sent (xAPI 1.0.3 §2.1.3). Any
// other 200 comes from something that is not an LRS storing them — a login
// page, a proxy, a misrouted URL — and retrying will not change it, so it
// is a refusal with a reason an admin can act on.
func storedIDs(a answer, contentType string, body []byte, sent int) answer {
	var ids []string
	err := json.Unmarshal(body, &ids)
	if err == nil && len(ids) == sent {
		a.kind = stored
		return a
	}
	a.kind = refusedRequest
	media, _, _ := mime.ParseMediaType(contentType)
	trimmed := bytes.TrimSpace(body)
	switch {
	case err == nil:
		a.message = fmt.Sprintf("the LRS answered 200 with %d statement ids for %d statements sent; not counted as delivered, as the LRS may not hold them all: %s",
			len(ids), sent, excerpt(body))
	case media == "text/html" || bytes.HasPrefix(trimmed, []byte("<")):
		a.message = "the LRS answered 200 with an HTML page instead of the statement ids, so nothing is known to be stored: a login page or a proxy answers at this endpoint. Check the endpoint URL and any proxy in front of the LRS, then retry. The page: " +
			excerpt(body)
	default:
		a.message = "the LRS answered 200 without the JSON array of statement ids xAPI requires, so nothing is known to be stored; not counted as delivered. Check that the endpoint is the LRS's xAPI endpoint, then retry. The answer: " +
			excerpt(body)
	}
	return a
}

// redirected explains a redirect: the endpoint has moved (http to https,
// a new path), and the admin must set the new address.
func redirected(resp *http.Response) string {
	loc, err := resp.Location()
	if err != nil {
		return fmt.Sprintf("the LRS answered %s, a redirect without a usable Location; statements are never re-sent to a redirect, so nothing was stored: check the endpoint URL", resp.Status)
	}
	return fmt.Sprintf("the LRS redirected to %s (%s); statements are never re-sent to a redirect, so nothing was stored: set the endpoint to the address the LRS redirects to (without /statements) and publish, then retry",
		loc, resp.Status)
}

// aboutVersions reads the versions an LRS's About resource lists (xAPI
// 1.0.3 §2.8: {"version": ["1.0.3", …]}).
func aboutVersions(ctx context.Context, client *http.Client, endpoint string) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, AboutURL(endpoint), nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s answered %s", AboutURL(endpoint), resp.Status)
	}
	var about struct {
		Version []string `json:"version"`
	}
	if err := json.Unmarshal(text, &about); err != nil || len(about.Version) == 0 {
		return nil, fmt.Errorf("GET %s answered without a version list: %s", AboutURL(endpoint), excerpt(text))
	}
	return about.Version, nil
}

// versionRefusal tells whether a 400 that speaks of a version refuses
// skillpath's xAPI version, asking the LRS's About resource; when it does,
// the answer's message names the versions the LRS lists. A 400 about a
// statement is left as it is.
func versionRefusal(ctx context.Context, client *http.Client, endpoint string, a answer) (answer, bool) {
	versions, err := aboutVersions(ctx, client, endpoint)
	switch {
	case err == nil && slices.Contains(versions, xapi.Version):
		return a, false
	case err == nil:
		a.message = fmt.Sprintf("the LRS refuses xAPI version %s (the X-Experience-API-Version header skillpath sends); its About resource lists %s. Point the endpoint at an LRS that accepts %s, then retry. %s",
			xapi.Version, strings.Join(versions, ", "), xapi.Version, a.message)
	case strings.Contains(strings.ToLower(a.message), "x-experience-api-version"):
		a.message = fmt.Sprintf("the LRS refuses xAPI version %s (the X-Experience-API-Version header skillpath sends), and its About resource could not be read (%v). Point the endpoint at an LRS that accepts %s, then retry. %s",
			xapi.Version, err, xapi.Version, a.message)
	default:
		return a, false
	}
	a.kind = refusedRequest
	return a, true
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// excerpt is an answer's body as kept for admins: trimmed, at most
// maxErrorBody bytes.
func excerpt(body []byte) string {
	return truncate(strings.TrimSpace(string(body)), maxErrorBody)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
