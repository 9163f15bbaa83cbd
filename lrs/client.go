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
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"skillpath/xapi"
)

// StatementsURL is where statements of an endpoint are posted:
// {endpoint}/statements, or the endpoint itself when it already ends in
// /statements (SPEC §4).
func StatementsURL(endpoint string) string {
	endpoint = strings.TrimRight(endpoint, "/")
	if strings.HasSuffix(endpoint, "/statements") {
		return endpoint
	}
	return endpoint + "/statements"
}

// answer is what an LRS said to one POST, sorted into what follows.
type answer struct {
	kind       answerKind
	status     int           // 0 for a network error
	retryAfter time.Duration // from a Retry-After header, 0 if none
	message    string        // for admins: the status and the LRS's answer, or the network error
}

type answerKind int

const (
	stored         answerKind = iota // 200/204: the LRS holds every statement
	transient                        // network error, 5xx, 429: try again later
	conflict                         // 409: some id is held already
	refusedContent                   // 400, 413, 422: a statement (or the batch's size) is refused
	refusedRequest                   // any other 4xx: the endpoint or credentials are refused
)

// maxErrorBody bounds how much of an LRS's answer is kept with a parked
// statement.
const maxErrorBody = 500

// post sends statements as one JSON array to the LRS.
func post(ctx context.Context, client *http.Client, url, login, password string, statements []json.RawMessage, now time.Time) answer {
	var body bytes.Buffer
	body.WriteByte('[')
	for i, st := range statements {
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(st)
	}
	body.WriteByte(']')
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, &body)
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
	text, _ := io.ReadAll(io.LimitReader(resp.Body, 4*maxErrorBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // let the connection be reused
	a := answer{status: resp.StatusCode, message: fmt.Sprintf("LRS answered %s: %s", resp.Status, truncate(strings.TrimSpace(string(text)), maxErrorBody))}
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		a.kind = stored
	case c == http.StatusTooManyRequests || c >= 500 || c == http.StatusRequestTimeout:
		a.kind = transient
		a.retryAfter = retryAfter(resp.Header.Get("Retry-After"), now)
	case c == http.StatusConflict:
		a.kind = conflict
	case c == http.StatusBadRequest || c == http.StatusRequestEntityTooLarge || c == http.StatusUnprocessableEntity:
		a.kind = refusedContent
	default:
		a.kind = refusedRequest
	}
	return a
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

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
