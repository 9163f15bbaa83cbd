// Package secret encrypts the few secrets skillpath must be able to read
// back — the LRS passwords of results tracking (SPEC §4) — with AES-256-GCM
// from the standard library, under a key given by the operator
// (SKILLPATH_SECRET_KEY). Passwords of people are hashed instead (password/).
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Key is a 256-bit AES key.
type Key struct{ aead cipher.AEAD }

// prefix marks the format of sealed text, so a later format can coexist.
const prefix = "v1:"

// ParseKey reads a key written as 64 hexadecimal digits or as 32 bytes in
// base64 (standard or URL alphabet, padded or not): what `openssl rand -hex
// 32` or `openssl rand -base64 32` prints.
func ParseKey(text string) (*Key, error) {
	text = strings.TrimSpace(text)
	var raw []byte
	if len(text) == 64 {
		raw, _ = hex.DecodeString(text)
	}
	if raw == nil {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(text); err == nil {
				raw = b
				break
			}
		}
	}
	if len(raw) != 32 {
		return nil, errors.New("the key must be 32 bytes written as 64 hex digits or in base64 (openssl rand -hex 32)")
	}
	return newKey(raw)
}

// DerivedKey returns a key derived from a phrase, for demos only: anyone
// who knows the phrase can read what it sealed.
func DerivedKey(phrase string) *Key {
	sum := sha256.Sum256([]byte(phrase))
	k, _ := newKey(sum[:])
	return k
}

func newKey(raw []byte) (*Key, error) {
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Key{aead: aead}, nil
}

// Seal encrypts plain, bound to context (e.g. which row it belongs to), so
// sealed text copied elsewhere does not open. The result is printable.
func (k *Key) Seal(plain, context string) string {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(fmt.Sprintf("secret: no randomness: %v", err)) // crypto/rand does not fail on supported systems
	}
	sealed := k.aead.Seal(nonce, nonce, []byte(plain), []byte(context))
	return prefix + base64.RawStdEncoding.EncodeToString(sealed)
}

// ErrWrongKey is returned by Open for text sealed under another key or
// context, or damaged.
var ErrWrongKey = errors.New("secret: the key does not open this text (another SKILLPATH_SECRET_KEY, or damaged)")

// Open decrypts text made by Seal with the same key and context.
func (k *Key) Open(sealed, context string) (string, error) {
	body, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return "", ErrWrongKey
	}
	raw, err := base64.RawStdEncoding.DecodeString(body)
	n := k.aead.NonceSize()
	if err != nil || len(raw) < n {
		return "", ErrWrongKey
	}
	plain, err := k.aead.Open(nil, raw[:n], raw[n:], []byte(context))
	if err != nil {
		return "", ErrWrongKey
	}
	return string(plain), nil
}
