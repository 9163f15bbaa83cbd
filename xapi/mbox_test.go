package xapi_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/lrstest"
	"skillpath/xapi"
)

// TestMbox is SPEC §4's rule for the actor's mbox over emails skillpath
// accepts: RFC 6068 percent-encoding of the local part, the domain
// lowercased and in punycode. Every statement built for these learners is
// accepted by Learning Locker's own validator (npm
// @learninglocker/xapi-validation) as well as by the tests' validator.
func TestMbox(t *testing.T) {
	cases := []struct{ email, mbox string }{
		{"lee@example.com", "mailto:lee@example.com"},
		{"Lee.Park+forklift@Example.COM", "mailto:Lee.Park+forklift@example.com"},
		{"MiXeD@ExAmPlE.oRg", "mailto:MiXeD@example.org"},
		{"user@EXAMPLE.co.uk", "mailto:user@example.co.uk"},
		{"first.last-name_x@sub.example.org", "mailto:first.last-name_x@sub.example.org"},
		{"jöhn@example.com", "mailto:j%C3%B6hn@example.com"},
		{"José.Núñez@Ejemplo.ES", "mailto:Jos%C3%A9.N%C3%BA%C3%B1ez@ejemplo.es"},
		{"用户@example.com", "mailto:%E7%94%A8%E6%88%B7@example.com"},
		{"ann&bob@example.com", "mailto:ann%26bob@example.com"},
		{"a%b@example.com", "mailto:a%25b@example.com"},
		{"what?@example.com", "mailto:what%3F@example.com"},
		{"a#b@example.com", "mailto:a%23b@example.com"},
		{"a/b@example.com", "mailto:a%2Fb@example.com"},
		{"a=b@example.com", "mailto:a%3Db@example.com"},
		{"o'neil@example.com", "mailto:o'neil@example.com"},
		{"a`b@example.com", "mailto:a%60b@example.com"},
		{"{x}@example.com", "mailto:%7Bx%7D@example.com"},
		{"a|b@example.com", "mailto:a%7Cb@example.com"},
		{"a~b@example.com", "mailto:a%7Eb@example.com"},
		{"a!b$c*d^e@example.com", "mailto:a%21b%24c%2Ad%5Ee@example.com"},
		{"x@bücher.example", "mailto:x@xn--bcher-kva.example"},
		{"x@BÜCHER.Example", "mailto:x@xn--bcher-kva.example"},
		{"a+b+c@münchen.de", "mailto:a+b+c@xn--mnchen-3ya.de"},
		{"zoë@例子.com", "mailto:zo%C3%AB@xn--fsqu00a.com"},
		{"x@xn--bcher-kva.example", "mailto:x@xn--bcher-kva.example"},
	}
	b := xapi.Builder{BaseURL: base}
	var statements []any
	for _, tc := range cases {
		if err := skillpath.ValidateEmail("email", tc.email); err != nil {
			t.Fatalf("skillpath refuses %q, the table must hold accepted emails: %v", tc.email, err)
		}
		if got := xapi.Mbox(tc.email); got != tc.mbox {
			t.Errorf("Mbox(%q) = %q, want %q", tc.email, got, tc.mbox)
		}
		ev := skillpath.LearningEvent{ID: "0b5e5e7a-6d2c-4c1e-8f3a-1a2b3c4d5e6f", Verb: skillpath.VerbStarted, At: time.Unix(0, 0),
			AttemptUUID: "4f7c2a36-2b8e-4b8a-9a55-0c1d2e3f4a5b"}
		st, err := b.Build(ev, &skillpath.User{Name: "Learner", Email: tc.email}, training())
		if err != nil {
			t.Fatal(err)
		}
		s := decoded(t, st)
		if err := lrstest.Validate(s); err != nil {
			t.Errorf("%s: %v", tc.email, err)
		}
		statements = append(statements, s)
	}
	// The unencoded form, as skillpath sent it before, is refused by both:
	// the check can fail.
	raw := decoded(t, must(b.Build(skillpath.LearningEvent{ID: "0b5e5e7a-6d2c-4c1e-8f3a-1a2b3c4d5e6f", Verb: skillpath.VerbStarted,
		AttemptUUID: "4f7c2a36-2b8e-4b8a-9a55-0c1d2e3f4a5b"}, &skillpath.User{Name: "Jöhn", Email: "jöhn@example.com"}, training())))
	raw["actor"].(map[string]any)["mbox"] = "mailto:jöhn@example.com"
	if err := lrstest.Validate(raw); err == nil || !strings.Contains(err.Error(), "actor.mbox") {
		t.Errorf("the tests' validator takes an unencoded mbox: %v", err)
	}
	results := lrstest.LearningLocker(t, append(statements, raw)...)
	if last := results[len(results)-1]; len(last) == 0 || !strings.Contains(last[0], "actor.mbox") {
		t.Errorf("Learning Locker's validator takes an unencoded mbox: %v", last)
	}
	for i, problems := range results[:len(cases)] {
		if len(problems) > 0 {
			t.Errorf("Learning Locker refuses the statement of %q (mbox %q): %v", cases[i].email, xapi.Mbox(cases[i].email), problems)
		}
	}
}

// TestMboxOnePerPerson: emails are unique in skillpath ignoring case, and
// the spellings of one person's domain give one mbox.
func TestMboxOnePerPerson(t *testing.T) {
	want := xapi.Mbox("lee.park@example.com")
	for _, email := range []string{"lee.park@Example.com", "lee.park@EXAMPLE.COM", "lee.park@eXaMpLe.CoM"} {
		if got := xapi.Mbox(email); got != want {
			t.Errorf("Mbox(%q) = %q, want %q", email, got, want)
		}
	}
}

// TestMboxOutsideStrictValidators: a few addresses skillpath accepts have
// no mbox that Learning Locker's validator takes (its pattern wants a dot
// and a letters-only top-level domain). Their mbox is still the RFC 6068
// IRI of the address, which decodes back to it.
func TestMboxOutsideStrictValidators(t *testing.T) {
	for email, want := range map[string]string{
		"a@localhost":    "mailto:a@localhost",
		"a@[192.0.2.1]":  "mailto:a@%5B192.0.2.1%5D",
		"user@пример.рф": "mailto:user@xn--e1afmkfd.xn--p1ai",
		"a@Ex_Ample.com": "mailto:a@ex%5Fample.com",
	} {
		if err := skillpath.ValidateEmail("email", email); err != nil {
			t.Fatalf("skillpath refuses %q: %v", email, err)
		}
		got := xapi.Mbox(email)
		if got != want {
			t.Errorf("Mbox(%q) = %q, want %q", email, got, want)
		}
		decodedAddr, err := url.PathUnescape(strings.TrimPrefix(got, "mailto:"))
		if err != nil || (!strings.Contains(decodedAddr, "xn--") && decodedAddr != strings.ToLower(email)) {
			t.Errorf("Mbox(%q) = %q decodes to %q (%v)", email, got, decodedAddr, err)
		}
	}
}

func decoded(t *testing.T, st *xapi.Statement) map[string]any {
	t.Helper()
	raw, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func must(st *xapi.Statement, err error) *xapi.Statement {
	if err != nil {
		panic(err)
	}
	return st
}
