package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
	"skillpath/server"
)

// signIn posts an email and password to POST /api/v1/tokens with extra
// headers as name, value pairs.
func signIn(t testing.TB, e *apitest.Env, email, password string, headers ...string) *apitest.Response {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"email": email, "password": password})
	req, err := http.NewRequest("POST", e.Server.URL+"/api/v1/tokens", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return &apitest.Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// TestSignInThrottle: after 10 failures for one email from one address the
// pair waits (429 with Retry-After), known email or not, with the same
// answer; the owner still signs in from another address; X-Forwarded-For
// counts only behind a trusted proxy.
func TestSignInThrottle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := apitest.Start(t, dialect, time.Time{}, func(s *server.Server) { s.TrustProxy = true })
		plain := apitest.Start(t, dialect, time.Time{})
		var bodies []string
		for _, email := range []string{apitest.AdminEmail, "nobody@example.com"} {
			for i := range skillpath.LoginMaxFailures {
				if r := signIn(t, e, email, fmt.Sprintf("wrong-%d", i), "X-Forwarded-For", "198.51.100.9, 203.0.113.1"); r.Status != 401 {
					t.Fatalf("%s failure %d: status %d", email, i+1, r.Status)
				}
			}
			r := signIn(t, e, email, apitest.AdminPassword, "X-Forwarded-For", "203.0.113.1")
			if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "60" || r.Err().Code != "too_many_requests" {
				t.Fatalf("%s, 11th sign-in: status %d, Retry-After %q: %s", email, r.Status, r.Header.Get("Retry-After"), r.Body)
			}
			bodies = append(bodies, string(r.Body))
		}
		if bodies[0] != bodies[1] {
			t.Errorf("a known and an unknown email are told apart: %s / %s", bodies[0], bodies[1])
		}
		// The last X-Forwarded-For entry is the address; the earlier ones
		// are the client's to choose, and do not count.
		if r := signIn(t, e, apitest.AdminEmail, apitest.AdminPassword, "X-Forwarded-For", "203.0.113.1", "X-Forwarded-For", "1.2.3.4, 203.0.113.1"); r.Status != 429 {
			t.Errorf("a forged first X-Forwarded-For entry escaped the throttle: %d", r.Status)
		}
		if r := signIn(t, e, apitest.AdminEmail, apitest.AdminPassword, "X-Forwarded-For", "203.0.113.2"); r.Status != 201 {
			t.Errorf("from an address that has not failed: status %d: %s", r.Status, r.Body)
		}
		// IPv6: one /64 is one address.
		for i := range skillpath.LoginMaxFailures {
			signIn(t, e, apitest.AdminEmail, "wrong", "X-Forwarded-For", fmt.Sprintf("2001:db8:1:2::%x", i+1))
		}
		if r := signIn(t, e, apitest.AdminEmail, apitest.AdminPassword, "X-Forwarded-For", "2001:db8:1:2:ffff::1"); r.Status != 429 {
			t.Errorf("another host of the same /64: %d, want 429", r.Status)
		}

		// Without a trusted proxy, X-Forwarded-For is ignored.
		for range skillpath.LoginMaxFailures {
			signIn(t, plain, apitest.AdminEmail, "wrong", "X-Forwarded-For", "203.0.113.7")
		}
		if r := signIn(t, plain, apitest.AdminEmail, apitest.AdminPassword, "X-Forwarded-For", "203.0.113.8"); r.Status != 429 {
			t.Errorf("an untrusted X-Forwarded-For changed the address: %d", r.Status)
		}
	})
}

// TestSignInParallel: 60 parallel wrong passwords for one account through
// the API check at most 10 passwords.
func TestSignInParallel(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := apitest.Start(t, dialect, time.Time{})
		before := e.Store.PasswordChecks()
		var wg sync.WaitGroup
		var mu sync.Mutex
		statuses := map[int]int{}
		for range 60 {
			wg.Go(func() {
				r := signIn(t, e, apitest.AdminEmail, "wrong-password")
				mu.Lock()
				statuses[r.Status]++
				mu.Unlock()
			})
		}
		wg.Wait()
		checks := e.Store.PasswordChecks() - before
		if checks > skillpath.LoginMaxFailures || int(checks) != statuses[401] || statuses[401]+statuses[429]+statuses[503] != 60 {
			t.Errorf("60 parallel sign-ins: %d password checks, answers %v; want at most %d checks", checks, statuses, skillpath.LoginMaxFailures)
		}
	})
}

type tokenJSON struct {
	ID         string  `json:"id"`
	Token      string  `json:"token"`
	UserID     string  `json:"user_id"`
	CreatedBy  *string `json:"created_by"`
	ExpiresAt  *string `json:"expires_at"`
	LastUsedAt *string `json:"last_used_at"`
}

// TestTokensAPI: minting with an expiry, listing without secrets, revoking
// one, and who may do it.
func TestTokensAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newOrg(t, dialect)
		e, admin, learner := o.env, o.env.Admin, o.learnerC
		var other ids
		admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "other@example.com", "name": "Other", "password": "other-password"}, &other)
		otherC := e.Anonymous()
		var tok tokenJSON
		e.Anonymous().Must(201, "POST", "/api/v1/tokens", map[string]any{"email": "other@example.com", "password": "other-password", "expires_in": 3600}, &tok)
		otherC.Token = tok.Token
		if tok.ExpiresAt == nil || tok.ID == "" || tok.UserID != other.ID {
			t.Errorf("minted %+v", tok)
		}
		otherC.Must(200, "GET", "/api/v1/me", nil, nil)

		var minted tokenJSON
		end := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Second).Format(time.RFC3339)
		admin.Must(201, "POST", "/api/v1/users/"+o.learner+"/tokens", map[string]any{"expires_at": end}, &minted)
		if minted.ExpiresAt == nil || *minted.ExpiresAt != end {
			t.Errorf("minted %+v", minted)
		}
		admin.Must(201, "POST", "/api/v1/users/"+o.learner+"/tokens", nil, nil) // no body: no expiry
		for _, tc := range []struct {
			body  any
			field string
		}{
			{map[string]any{"expires_in": 0}, "expires_in"},
			{map[string]any{"expires_in": 400000000}, "expires_in"},
			{map[string]any{"expires_in": 60, "expires_at": end}, "expires_in"},
			{map[string]any{"expires_at": "2000-01-01T00:00:00Z"}, "expires_at"},
			{map[string]any{"expires_at": "tomorrow"}, "expires_at"},
			{map[string]any{"expires_in": "60"}, "expires_in"},
		} {
			r := admin.Do("POST", "/api/v1/users/"+o.learner+"/tokens", tc.body)
			if r.Status != 400 || r.Err().Field != tc.field {
				t.Errorf("%v: status %d, field %q, want 400 %q", tc.body, r.Status, r.Err().Field, tc.field)
			}
		}

		var list struct{ Tokens []map[string]any }
		learner.Must(200, "GET", "/api/v1/users/"+o.learner+"/tokens", nil, &list)
		if len(list.Tokens) != 3 {
			t.Fatalf("learner's tokens: %+v", list.Tokens)
		}
		for _, tk := range list.Tokens {
			for _, k := range []string{"id", "created_at", "expires_at", "last_used_at", "created_by"} {
				if _, ok := tk[k]; !ok {
					t.Errorf("listed token lacks %s: %v", k, tk)
				}
			}
			if _, ok := tk["token"]; ok {
				t.Errorf("a listed token shows its secret: %v", tk)
			}
		}
		// The learner's own sign-in token was used: it says so.
		if list.Tokens[2]["last_used_at"] == nil {
			t.Errorf("the token in use has no last use: %v", list.Tokens[2])
		}
		admin.Must(200, "GET", "/api/v1/users/"+o.learner+"/tokens", nil, nil)
		otherC.Must(404, "GET", "/api/v1/users/"+o.learner+"/tokens", nil, nil)
		otherC.Must(404, "DELETE", "/api/v1/users/"+o.learner+"/tokens/"+minted.ID, nil, nil)
		learner.Must(404, "DELETE", "/api/v1/users/"+o.learner+"/tokens/"+tok.ID, nil, nil) // not theirs
		learner.Must(404, "DELETE", "/api/v1/users/"+o.learner+"/tokens/abc", nil, nil)

		mintedC := e.WithToken(minted.Token)
		mintedC.Must(200, "GET", "/api/v1/me", nil, nil)
		learner.Must(204, "DELETE", "/api/v1/users/"+o.learner+"/tokens/"+minted.ID, nil, nil)
		mintedC.Must(401, "GET", "/api/v1/me", nil, nil)
		learner.Must(404, "DELETE", "/api/v1/users/"+o.learner+"/tokens/"+minted.ID, nil, nil)
		learner.Must(200, "GET", "/api/v1/me", nil, nil)
		admin.Must(204, "DELETE", "/api/v1/users/"+other.ID+"/tokens/"+tok.ID, nil, nil)
		otherC.Must(401, "GET", "/api/v1/me", nil, nil)

		// A staff member who may see the learner may not manage their tokens.
		var coach ids
		admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "coach@example.com", "name": "Coach"}, &coach)
		admin.Must(201, "POST", "/api/v1/groups/"+o.child+"/staff", map[string]any{"user_id": coach.ID, "role": "coach"}, nil)
		e.As(skillpath.ID(mustParseID(t, coach.ID))).Must(403, "GET", "/api/v1/users/"+o.learner+"/tokens", nil, nil)
	})
}

func mustParseID(t *testing.T, s string) int64 {
	id, ok := skillpath.ParseID(s)
	if !ok {
		t.Fatalf("id %q", s)
	}
	return int64(id)
}

// TestChangePasswordAPI: users changing their own password give the current
// one; their other tokens end, the one used stays; the last platform admin
// cannot drop the role.
func TestChangePasswordAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newOrg(t, dialect)
		e, admin, learner := o.env, o.env.Admin, o.learnerC
		var second struct{ Token string }
		e.Anonymous().Must(201, "POST", "/api/v1/tokens", map[string]any{"email": "learner@example.com", "password": "learner-password"}, &second)
		path := "/api/v1/users/" + o.learner
		for _, tc := range []struct {
			body        map[string]any
			status      int
			code, field string
		}{
			{map[string]any{"password": "new-password"}, 400, "invalid", "current_password"},
			{map[string]any{"password": "new-password", "current_password": "wrong-password"}, 403, "forbidden", "current_password"},
			{map[string]any{"current_password": "learner-password"}, 400, "invalid", "current_password"},
		} {
			r := learner.Do("PATCH", path, tc.body)
			if r.Status != tc.status || r.Err().Code != tc.code || r.Err().Field != tc.field {
				t.Errorf("%v: %d %s", tc.body, r.Status, r.Body)
			}
		}
		learner.Must(200, "PATCH", path, map[string]any{"password": "new-password", "current_password": "learner-password"}, nil)
		learner.Must(200, "GET", "/api/v1/me", nil, nil)
		e.WithToken(second.Token).Must(401, "GET", "/api/v1/me", nil, nil)
		e.Anonymous().Must(201, "POST", "/api/v1/tokens", map[string]any{"email": "learner@example.com", "password": "new-password"}, nil)
		// An admin sets it without the current one, ending all the user's tokens.
		admin.Must(200, "PATCH", path, map[string]any{"password": "third-password"}, nil)
		learner.Must(401, "GET", "/api/v1/me", nil, nil)

		// The last platform admin keeps the role; with a second admin it
		// may be given up.
		var me struct{ ID string }
		admin.Must(200, "GET", "/api/v1/me", nil, &me)
		if r := admin.Do("PATCH", "/api/v1/users/"+me.ID, map[string]any{"platform_admin": false}); r.Status != 422 {
			t.Errorf("the last admin dropping the role: %d %s", r.Status, r.Body)
		}
		admin.Must(200, "PATCH", path, map[string]any{"platform_admin": true}, nil)
		admin.Must(200, "PATCH", "/api/v1/users/"+me.ID, map[string]any{"platform_admin": false}, nil)
	})
}

type auditJSON struct {
	Entries []struct {
		ID      string `json:"id"`
		ActorID string `json:"actor_id"`
		Action  string `json:"action"`
		Object  string `json:"object"`
		Path    string `json:"path"`
		At      string `json:"at"`
	} `json:"entries"`
	Next *string `json:"next"`
}

// TestAudit: every admin action through the API and the pages is in the
// audit log, with its actor and object; learners' own progress is not; only
// platform admins read it, a page at a time, filtered.
func TestAudit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newOrg(t, dialect) // creates groups, a user, a certificate, a training, a session
		e, admin := o.env, o.env.Admin
		var me struct{ ID string }
		admin.Must(200, "GET", "/api/v1/me", nil, &me)
		var tok tokenJSON
		admin.Must(201, "POST", "/api/v1/users/"+o.learner+"/tokens", nil, &tok)
		admin.Must(200, "PATCH", "/api/v1/users/"+o.learner, map[string]any{"name": "Lee"}, nil)
		admin.Must(200, "PATCH", "/api/v1/groups/"+o.child, map[string]any{"name": "Kid"}, nil)
		admin.Must(201, "POST", "/api/v1/groups/"+o.root+"/staff", map[string]any{"user_id": o.learner, "role": "coach"}, nil)
		admin.Must(204, "DELETE", "/api/v1/groups/"+o.root+"/staff/"+o.learner+"/coach", nil, nil)
		var enr ids
		admin.Must(201, "POST", "/api/v1/sessions/"+o.session+"/enrollments", map[string]any{"user_id": o.learner}, &enr)
		o.learnerC.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/start", nil, nil)
		admin.Must(204, "DELETE", "/api/v1/enrollments/"+enr.ID, nil, nil)
		admin.Must(200, "POST", "/api/v1/sessions/"+o.session+"/archive", nil, nil)
		admin.Must(204, "DELETE", "/api/v1/users/"+o.learner+"/tokens/"+tok.ID, nil, nil)
		admin.Must(400, "PATCH", "/api/v1/groups/"+o.child, map[string]any{"name": ""}, nil) // refused: not recorded

		var log auditJSON
		admin.Must(200, "GET", "/api/v1/audit?limit=500", nil, &log)
		got := map[string]string{}
		for _, en := range log.Entries {
			if en.ActorID != me.ID {
				t.Errorf("entry %+v: actor %s, want %s", en, en.ActorID, me.ID)
			}
			if _, dup := got[en.Action]; !dup {
				got[en.Action] = en.Object
			}
		}
		want := map[string]string{
			"POST /api/v1/groups":                               "groups/" + o.child,
			"POST /api/v1/users":                                "users/" + o.learner,
			"POST /api/v1/certificates":                         "certificates/" + o.cert,
			"POST /api/v1/trainings":                            "trainings/" + o.training,
			"POST /api/v1/trainings/{id}/sessions":              "sessions/" + o.session,
			"POST /api/v1/users/{id}/tokens":                    "tokens/" + tok.ID,
			"PATCH /api/v1/users/{id}":                          "users/" + o.learner,
			"PATCH /api/v1/groups/{id}":                         "groups/" + o.child,
			"POST /api/v1/groups/{id}/staff":                    "groups/" + o.root,
			"DELETE /api/v1/groups/{id}/staff/{user_id}/{role}": "groups/" + o.root,
			"POST /api/v1/sessions/{id}/enrollments":            "enrollments/" + enr.ID,
			"DELETE /api/v1/enrollments/{id}":                   "enrollments/" + enr.ID,
			"POST /api/v1/sessions/{id}/archive":                "sessions/" + o.session,
			"DELETE /api/v1/users/{id}/tokens/{token_id}":       "users/" + o.learner,
		}
		for action, object := range want {
			if g, ok := got[action]; !ok || g != object {
				t.Errorf("audit of %s: object %q (recorded: %v), want %q", action, g, ok, object)
			}
		}
		if len(log.Entries) != len(want)+1 { // two groups created
			t.Errorf("%d entries, want %d: %+v", len(log.Entries), len(want)+1, log.Entries)
		}
		if _, ok := got["POST /api/v1/enrollments/{id}/start"]; ok {
			t.Error("a learner's own progress is in the audit log")
		}

		var filtered auditJSON
		admin.Must(200, "GET", "/api/v1/audit?object=users/"+o.learner, nil, &filtered)
		if len(filtered.Entries) != 3 { // created, renamed, a token revoked
			t.Errorf("object filter: %+v", filtered.Entries)
		}
		admin.Must(200, "GET", "/api/v1/audit?action="+"PATCH%20/api/v1/groups/%7Bid%7D", nil, &filtered)
		if len(filtered.Entries) != 1 {
			t.Errorf("action filter: %+v", filtered.Entries)
		}
		admin.Must(200, "GET", "/api/v1/audit?actor_id="+o.learner, nil, &filtered)
		if len(filtered.Entries) != 0 {
			t.Errorf("actor filter: %+v", filtered.Entries)
		}
		var first, second auditJSON
		admin.Must(200, "GET", "/api/v1/audit?limit=10", nil, &first)
		if first.Next == nil || len(first.Entries) != 10 {
			t.Fatalf("first page: %+v", first)
		}
		admin.Must(200, "GET", "/api/v1/audit?limit=10&after="+*first.Next, nil, &second)
		if second.Next != nil || len(second.Entries) != len(log.Entries)-10 ||
			mustParseID(t, second.Entries[0].ID) >= mustParseID(t, first.Entries[9].ID) {
			t.Errorf("second page: %+v", second)
		}
		o.learnerC.Must(403, "GET", "/api/v1/audit", nil, nil)
		e.Anonymous().Must(401, "GET", "/api/v1/audit", nil, nil)
		for _, q := range []string{"limit=0", "after=x", "actor_id=-1"} {
			admin.Must(400, "GET", "/api/v1/audit?"+q, nil, nil)
		}
	})
}

// TestAuditPages: page forms are audited like the API — a self-enrollment
// is, a learner starting their training is not.
func TestAuditPages(t *testing.T) {
	o := newWebOrg(t, "sqlite")
	c := o.client(t)
	c.mustSignIn(learnerEmail, learnerPassword)
	if p := c.post("/learn", "/learn/enroll", url.Values{"session_id": {o.session}}); p.Status != http.StatusSeeOther {
		t.Fatalf("enroll: %d %s", p.Status, p.Body)
	}
	var log auditJSON
	o.env.Admin.Must(200, "GET", "/api/v1/audit?actor_id="+o.learnerID, nil, &log)
	if len(log.Entries) != 1 || log.Entries[0].Action != "POST /learn/enroll" || !strings.HasPrefix(log.Entries[0].Object, "enrollments/") {
		t.Fatalf("audit of the learner: %+v", log.Entries)
	}
	enrollment := strings.TrimPrefix(log.Entries[0].Object, "enrollments/")
	if p := c.post("/learn", "/learn/enrollments/"+enrollment+"/start", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("start: %d %s", p.Status, p.Body)
	}
	o.env.Admin.Must(200, "GET", "/api/v1/audit?actor_id="+o.learnerID, nil, &log)
	if len(log.Entries) != 1 {
		t.Errorf("a learner's own progress was audited: %+v", log.Entries)
	}
}

// TestAuthorizationScheme: the Bearer scheme's name is case-insensitive
// (RFC 9110 §11.1); other schemes and a missing token are refused with 401.
func TestAuthorizationScheme(t *testing.T) {
	e := apitest.Start(t, "sqlite", time.Time{})
	tok := e.Admin.Token
	for _, tt := range []struct {
		header string
		status int
	}{
		{"Bearer " + tok, 200},
		{"bearer " + tok, 200},
		{"BEARER " + tok, 200},
		{"Bearer  " + tok, 200},
		{"Bearer", 401},
		{"Bearer ", 401},
		{"Basic " + tok, 401},
		{"Bearertoken" + tok, 401},
		{tok, 401},
	} {
		req, err := http.NewRequest("GET", e.Server.URL+"/api/v1/groups", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", tt.header)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("Authorization %q: status %d, want %d", strings.Replace(tt.header, tok, "TOKEN", 1), resp.StatusCode, tt.status)
		}
	}
}
