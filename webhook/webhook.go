// Package webhook signs and verifies webhook calls the Standard Webhooks
// way (https://www.standardwebhooks.com, SPEC §7): the headers webhook-id,
// webhook-timestamp (Unix seconds) and webhook-signature ("v1," and the
// base64 HMAC-SHA256 of "id.timestamp.body" under the secret). A secret is
// "whsec_" followed by the base64 of its key bytes.
//
// It is written here rather than imported: the signature is a dozen lines
// of the standard library, and the reference Go library would bring its
// own dependencies for them.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The Standard Webhooks headers.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// SecretPrefix starts every secret.
const SecretPrefix = "whsec_"

// Tolerance is how far a timestamp may be from the verifier's clock.
const Tolerance = 5 * time.Minute

// NewSecret returns a fresh secret: "whsec_" and 32 random bytes in base64.
func NewSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// key decodes a secret, with or without its whsec_ prefix.
func key(secret string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil || len(k) == 0 {
		return nil, errors.New("the webhook secret is not whsec_ followed by base64")
	}
	return k, nil
}

// Sign returns the webhook-signature value of one call: "v1," and the base64
// HMAC-SHA256 of "id.timestamp.body". Returns an error for a malformed
// secret.
func Sign(secret, id string, timestamp time.Time, body []byte) (string, error) {
	k, err := key(secret)
	if err != nil {
		return "", err
	}
	return "v1," + base64.StdEncoding.EncodeToString(mac(k, id, timestamp.Unix(), body)), nil
}

func mac(k []byte, id string, ts int64, body []byte) []byte {
	h := hmac.New(sha256.New, k)
	fmt.Fprintf(h, "%s.%d.", id, ts)
	h.Write(body)
	return h.Sum(nil)
}

// SetHeaders signs body and sets the three headers on h.
func SetHeaders(h http.Header, secret, id string, timestamp time.Time, body []byte) error {
	sig, err := Sign(secret, id, timestamp, body)
	if err != nil {
		return err
	}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(timestamp.Unix(), 10))
	h.Set(HeaderSignature, sig)
	return nil
}

// ErrVerification is returned by Verify for a call that is not signed by
// the secret, or whose timestamp is outside Tolerance of now.
var ErrVerification = errors.New("webhook signature not verified")

// Verify checks a received call as a receiver should: the headers present,
// the timestamp within Tolerance of now, and one of the space-separated
// v1 signatures equal (in constant time) to the body's. Returns
// ErrVerification (wrapped with the reason) or a malformed secret's error.
func Verify(secret string, h http.Header, body []byte, now time.Time) error {
	k, err := key(secret)
	if err != nil {
		return err
	}
	id, tsText, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || tsText == "" || sigs == "" {
		return fmt.Errorf("%w: a webhook-id, webhook-timestamp or webhook-signature header is missing", ErrVerification)
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: webhook-timestamp %q is not Unix seconds", ErrVerification, tsText)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > Tolerance || d < -Tolerance {
		return fmt.Errorf("%w: webhook-timestamp is %s away from now", ErrVerification, d.Round(time.Second))
	}
	want := mac(k, id, ts, body)
	for _, s := range strings.Fields(sigs) {
		v, b64, ok := strings.Cut(s, ",")
		if !ok || v != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return fmt.Errorf("%w: no v1 signature matches", ErrVerification)
}
