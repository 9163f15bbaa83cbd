// Package password hashes and checks passwords with argon2id, the
// memory-hard hash OWASP recommends, from golang.org/x/crypto.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// Parameters of OWASP's first argon2id recommendation (19 MiB, 2 passes,
// 1 lane): about 30 ms a hash on one core, slow enough against guessing.
const (
	memoryKiB = 19 * 1024
	passes    = 2
	lanes     = 1
	keyLen    = 32
	saltLen   = 16
)

// Each hash takes memoryKiB of memory for its duration, so at most as many
// run at once as the process may use cores (GOMAXPROCS): more would not go
// faster, only take more memory. A hash waits at most MaxWait for its turn.
var slots = make(chan struct{}, runtime.GOMAXPROCS(0))

// MaxWait is how long a hash waits for a free slot before ErrBusy.
const MaxWait = 2 * time.Second

var maxWait = MaxWait // shortened by the package's tests

// ErrBusy is returned when every hashing slot stayed taken for MaxWait: the
// caller should answer "try again shortly" (HTTP 503 with Retry-After).
var ErrBusy = errors.New("password: too many password checks at once")

// acquire takes a hashing slot, waiting at most MaxWait (or until ctx ends).
func acquire(ctx context.Context) (release func(), err error) {
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	default:
	}
	t := time.NewTimer(maxWait)
	defer t.Stop()
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	case <-t.C:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Hash returns the password's argon2id hash in the PHC string format, which
// carries its own parameters so they can be raised later. It takes a
// hashing slot: ErrBusy when none came free within MaxWait.
func Hash(ctx context.Context, password string) (string, error) {
	release, err := acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, passes, memoryKiB, lanes, keyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memoryKiB, passes, lanes,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// Check reports whether password matches hash, in constant time. It takes a
// hashing slot: ErrBusy when none came free within MaxWait.
func Check(ctx context.Context, hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("password: not an argon2id hash")
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, fmt.Errorf("password: %w", err)
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("password: %w", err)
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil {
		return false, fmt.Errorf("password: %w", err)
	}
	release, err := acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
