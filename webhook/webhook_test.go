package webhook_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"skillpath/webhook"
)

// The published test vector of the Standard Webhooks reference libraries
// (libraries/go/webhook_test.go, TestWebhookSign, and the same values in
// the other languages' tests).
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorBody      = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignPublishedVector(t *testing.T) {
	for _, secret := range []string{vectorSecret, vectorSecret[len("whsec_"):]} {
		got, err := webhook.Sign(secret, vectorID, time.Unix(vectorTimestamp, 0), []byte(vectorBody))
		if err != nil || got != vectorSignature {
			t.Errorf("Sign(%q) = %q, %v; want %q", secret, got, err, vectorSignature)
		}
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(vectorTimestamp, 0)
	header := func(sig string, ts string) http.Header {
		h := http.Header{}
		h.Set(webhook.HeaderID, vectorID)
		h.Set(webhook.HeaderTimestamp, ts)
		h.Set(webhook.HeaderSignature, sig)
		return h
	}
	cases := []struct {
		name string
		h    http.Header
		body string
		now  time.Time
		ok   bool
	}{
		{"published vector", header(vectorSignature, "1614265330"), vectorBody, now, true},
		{"several signatures, one right", header("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,x "+vectorSignature, "1614265330"), vectorBody, now, true},
		{"wrong signature", header("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=", "1614265330"), vectorBody, now, false},
		{"body changed", header(vectorSignature, "1614265330"), `{"test": 2432232315}`, now, false},
		{"timestamp changed", header(vectorSignature, "1614265331"), vectorBody, now, false},
		{"too old", header(vectorSignature, "1614265330"), vectorBody, now.Add(webhook.Tolerance + time.Second), false},
		{"from the future", header(vectorSignature, "1614265330"), vectorBody, now.Add(-webhook.Tolerance - time.Second), false},
		{"no signature", header("", "1614265330"), vectorBody, now, false},
	}
	for _, tc := range cases {
		err := webhook.Verify(vectorSecret, tc.h, []byte(tc.body), tc.now)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, webhook.ErrVerification)) {
			t.Errorf("%s: Verify = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestNewSecretSignsAndVerifies(t *testing.T) {
	s := webhook.NewSecret()
	h := http.Header{}
	now := time.Now()
	if err := webhook.SetHeaders(h, s, "msg_1", now, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if err := webhook.Verify(s, h, []byte("{}"), now); err != nil {
		t.Fatal(err)
	}
	if err := webhook.Verify(webhook.NewSecret(), h, []byte("{}"), now); err == nil {
		t.Fatal("another secret verified the call")
	}
}
