// Package apitest runs the real HTTP server on a real database for tests
// and gives them a small client that speaks its JSON API.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/testdb"
	"skillpath/server"
	"skillpath/store"
)

// Env is one running server with its store and a platform admin's client.
type Env struct {
	t      testing.TB
	Server *httptest.Server
	Store  *store.Store
	DBURL  string // the database, for a second store standing for another process
	Admin  *Client
}

// AdminEmail and AdminPassword are the platform admin every Env starts with.
const (
	AdminEmail    = "admin@example.com"
	AdminPassword = "admin-password"
)

// Start serves the API on a fresh database of the dialect, with the business
// clock frozen at now when it is not zero. Each configure function may set
// up the store and the server before the first request.
func Start(t testing.TB, dialect string, now time.Time, configure ...func(*server.Server)) *Env {
	t.Helper()
	return StartURL(t, testdb.URL(t, dialect), now, configure...)
}

// StartURL is Start on the database at url (from testdb.URL), for a test
// that reaches it its own way (through a proxy it can cut).
func StartURL(t testing.TB, url string, now time.Time, configure ...func(*server.Server)) *Env {
	t.Helper()
	st := testdb.OpenURL(t, url, now)
	app := server.New(st, testdb.Logger(t))
	// The stand-in LRSs of the tests listen on loopback, which only an
	// operator's --lrs-allow-private lets through (SPEC §4); tests of the
	// refusal turn it off again in a configure function.
	app.LRSGuard.AllowPrivate = true
	for _, c := range configure {
		c(app)
	}
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	e := &Env{t: t, Server: srv, Store: st, DBURL: url}
	admin := &skillpath.User{Email: AdminEmail, Name: "Admin", PlatformAdmin: true}
	if err := st.CreateUser(context.Background(), admin, AdminPassword); err != nil {
		t.Fatal(err)
	}
	e.Admin = e.As(admin.ID)
	return e
}

// As returns a client authenticated as the user, with a token minted
// directly in the store.
func (e *Env) As(userID skillpath.ID) *Client {
	e.t.Helper()
	token, err := e.Store.CreateToken(context.Background(), userID, userID)
	if err != nil {
		e.t.Fatal(err)
	}
	return &Client{t: e.t, base: e.Server.URL, Token: token}
}

// WithToken returns a client that sends the given bearer token.
func (e *Env) WithToken(token string) *Client {
	return &Client{t: e.t, base: e.Server.URL, Token: token}
}

// Anonymous returns a client without credentials.
func (e *Env) Anonymous() *Client { return &Client{t: e.t, base: e.Server.URL} }

// Client calls the API as one user.
type Client struct {
	t     testing.TB
	base  string
	Token string
}

// Response is an answer of the API.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends a request; body is marshalled to JSON unless it is a string,
// which is sent as is (for malformed input).
func (c *Client) Do(method, path string, body any) *Response {
	c.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	return c.send(req)
}

// Get sends a GET with extra headers as name, value pairs.
func (c *Client) Get(path string, headers ...string) *Response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	return c.send(req)
}

func (c *Client) send(req *http.Request) *Response {
	c.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Must sends a request and fails the test unless the answer has the status;
// the JSON answer is decoded into out when out is not nil.
func (c *Client) Must(status int, method, path string, body, out any) *Response {
	c.t.Helper()
	r := c.Do(method, path, body)
	if r.Status != status {
		c.t.Fatalf("%s %s: status %d, want %d; body: %s", method, path, r.Status, status, r.Body)
	}
	if out != nil {
		if err := json.Unmarshal(r.Body, out); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, r.Body, err)
		}
	}
	return r
}

// Error is the error part of an API error answer.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

// Err decodes the answer as an API error.
func (r *Response) Err() Error {
	var body struct {
		Error Error `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &body)
	return body.Error
}

// JSON decodes the answer into a generic map.
func (r *Response) JSON() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(r.Body, &m)
	return m
}

// Ref is the JSON shape of anything with an id.
type Ref struct {
	ID string `json:"id"`
}

// Tree is a training as the API answers it, reduced to the ids of its
// modules and activities.
type Tree struct {
	ID      string `json:"id"`
	Modules []struct {
		ID         string `json:"id"`
		Activities []struct {
			ID string `json:"id"`
		} `json:"activities"`
	} `json:"modules"`
}

// Send sends a raw body of the content type (a CSV file, say).
func (c *Client) Send(method, path, contentType string, body []byte) *Response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	return c.send(req)
}
