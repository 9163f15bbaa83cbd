package skillpath

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"skillpath/status"
)

// VerificationCodeBytes is how many random bytes a verification code
// carries: 128 bits, as SPEC §8 requires at least, written as 32 lower-case
// hex digits.
const VerificationCodeBytes = 16

// NewVerificationCode returns a fresh verification code: 128 bits from the
// operating system's cryptographic random source, as 32 hex digits.
func NewVerificationCode() string {
	b := make([]byte, VerificationCodeBytes)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// IsVerificationCode reports whether s has the shape of a verification code
// (32 lower-case hex digits); anything else cannot exist.
func IsVerificationCode(s string) bool {
	if len(s) != 2*VerificationCodeBytes {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// CertificateDocument is one delivered, displayed certificate as its PDF
// and its verification page show it (SPEC §8). Status is at the business
// clock's now.
type CertificateDocument struct {
	CertificateID ID
	EnrollmentID  ID
	Title         string // the certificate's title
	Learner       string // the learner's name: the only fact about them shown
	Path          string // the training that delivered it
	ByHand        bool   // certified by an administrator, not by passing Path
	DeliveredAt   time.Time
	ExpiresAt     *time.Time // nil: never expires
	Status        status.Certification
	Code          string // the verification code of {base-url}/verify/{code}
}
