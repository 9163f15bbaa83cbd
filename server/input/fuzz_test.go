package input

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"skillpath"
)

// The fuzz target of the API's bodies (issue 11). `make test` runs it for
// a few seconds, `make fuzz` for a minute; what it finds is kept in
// testdata/fuzz and replayed by every plain `go test`.

// FuzzDecodeBodies decodes arbitrary bytes as the main bodies — a user, a
// training tree, a session — and holds the decoder to its contract: no
// panic; a refusal is a 400 (or 413) naming a field, its message starting
// with that field; an acceptance only of valid JSON in valid UTF-8 without
// NUL, whose tree then validates without panicking and refuses only with
// 400 or 422.
func FuzzDecodeBodies(f *testing.F) {
	for _, seed := range []string{
		`{"email":"a@example.com","name":"A","registered_at":"2026-01-31","group_ids":["1","2"],"custom_fields":{"region":"North"},"platform_admin":false,"password":"12345678"}`,
		`{"NAME":"x"}`,
		`{"platform_admin":false,"Platform_Admin":true}`,
		`{"name":"a","name":"b"}`,
		"{\"name\":\"\xff\"}",
		`{"name":"a\u0000"}`,
		`{"title":"T","certificate_ids":["1"],"price":19.99,"passing_score":50,"modules":[{"title":"M","min_score":50,"max_attempts":2,"activities":[{"title":"Q","kind":"choice","choices":["a","b"],"correct":"b","points":1e308}]}]}`,
		`{"title":"T","modules":[{"title":"M","max_attempts":99999999999999999999,"activities":[null]}]}`,
		`{"name":"S","starts_at":"9999-12-31T23:00:00-05:00","ends_at":"0000-01-01T00:00:00+01:00","auto_reenroll":true}`,
		`{"name":"S","starts_at":"0001-01-01T00:00:00Z"}`,
		`[]`, `"x"`, `{}`, `{"a":{"b":[1,2,{"c":null}]}}`, `{"title":"T"} {}`, ``,
	} {
		f.Add([]byte(seed))
	}
	zone := time.UTC
	f.Fuzz(func(t *testing.T, body []byte) {
		targets := []struct {
			name  string
			v     any
			check func(any) error
		}{
			{"user", &User{}, func(v any) error {
				in := v.(*User)
				u := &skillpath.User{Email: in.Email, Name: in.Name, CustomFields: in.CustomFields, GroupIDs: in.GroupIDs}
				if in.RegisteredAt != nil {
					tm, err := ParseTime("registered_at", *in.RegisteredAt, true, zone)
					if err != nil {
						return err
					}
					u.RegisteredAt = tm
				}
				return u.Validate()
			}},
			{"training", &Training{}, func(v any) error { return v.(*Training).Domain().Validate() }},
			{"session", &Session{}, func(v any) error {
				in := v.(*Session)
				se := &skillpath.Session{Name: in.Name}
				if in.StartsAt == nil {
					return skillpath.Invalid("starts_at", "is required")
				}
				var err error
				if se.StartsAt, err = ParseTime("starts_at", *in.StartsAt, false, zone); err != nil {
					return err
				}
				if se.EndsAt, err = OptionalTime("ends_at", in.EndsAt, zone); err != nil {
					return err
				}
				if err := se.Validate(); err != nil {
					return err
				}
				if se.StartsAt.Before(skillpath.MinTime) || se.StartsAt.After(skillpath.MaxTime) {
					t.Fatalf("session accepted with starts_at %v", se.StartsAt)
				}
				// What was accepted can be answered.
				if _, err := stdjson.Marshal(se); err != nil {
					t.Fatalf("accepted session cannot be encoded: %v", err)
				}
				return nil
			}},
		}
		for _, tg := range targets {
			r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
			err := Decode(httptest.NewRecorder(), r, tg.v)
			if err != nil {
				checkRefusal(t, tg.name, err, skillpath.EINVALID, skillpath.ETOOLARGE)
				continue
			}
			if !stdjson.Valid(body) || !utf8.Valid(body) {
				t.Fatalf("%s: accepted a body that is not valid JSON in UTF-8: %q", tg.name, body)
			}
			if f := nulField(reflect.ValueOf(tg.v), ""); f != "" {
				t.Fatalf("%s: accepted a NUL in %s", tg.name, f)
			}
			if err := tg.check(tg.v); err != nil {
				checkRefusal(t, tg.name, err, skillpath.EINVALID, skillpath.EUNPROCESSABLE)
			}
		}
	})
}

// checkRefusal fails unless err is a *skillpath.Error with one of the codes
// and, for EINVALID, a field its message starts with.
func checkRefusal(t *testing.T, what string, err error, codes ...string) {
	t.Helper()
	var e *skillpath.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: %v is not a refusal a client can read", what, err)
	}
	ok := false
	for _, c := range codes {
		ok = ok || e.Code == c
	}
	if !ok {
		t.Fatalf("%s: code %s, want one of %v (%s)", what, e.Code, codes, e.Message)
	}
	if e.Code == skillpath.EINVALID && (e.Field == "" || !strings.HasPrefix(e.Message, e.Field+": ")) {
		t.Fatalf("%s: refusal %q does not name its field %q", what, e.Message, e.Field)
	}
}
