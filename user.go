package skillpath

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// UserStatus is active, or deleted once an administrator removed the user;
// deletion is soft so certificate statistics can still count deleted users
// (SPEC §3, user status filter).
type UserStatus string

const (
	UserActive  UserStatus = "active"
	UserDeleted UserStatus = "deleted"
)

// User is a person of the organisation: a learner, and possibly staff.
type User struct {
	ID            ID                `json:"id"`
	Email         string            `json:"email"`
	Name          string            `json:"name"`
	RegisteredAt  time.Time         `json:"registered_at"`
	Status        UserStatus        `json:"status"`
	CustomFields  map[string]string `json:"custom_fields"`
	GroupIDs      []ID              `json:"group_ids"`
	PlatformAdmin bool              `json:"platform_admin"`
}

// Limits on user input, chosen generous enough for real names and fields.
const (
	MaxNameLength       = 200
	MaxFieldValueLength = 500
	MaxCustomFields     = 50
	MinPasswordLength   = 8
	MaxPasswordLength   = 200
)

// fieldKeyPattern keeps custom field keys usable in the `field.KEY=VALUE`
// filter of SPEC §3 and as CSV and URL text.
var fieldKeyPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// NormalizeEmail returns the email as it is compared: emails are unique
// ignoring case.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// ValidateEmail returns EINVALID naming field unless email is one bare address.
func ValidateEmail(field, email string) error {
	if email == "" {
		return Invalid(field, "is required")
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 {
		return Invalid(field, "%q is not a valid email address", email)
	}
	return nil
}

// ValidateName returns EINVALID naming field unless name is a non-blank text
// of at most MaxNameLength characters.
func ValidateName(field, name string) error {
	if strings.TrimSpace(name) == "" {
		return Invalid(field, "is required")
	}
	if utf8.RuneCountInString(name) > MaxNameLength {
		return Invalid(field, "must be at most %d characters", MaxNameLength)
	}
	if !utf8.ValidString(name) || strings.ContainsAny(name, "\x00\r\n") {
		return Invalid(field, "must be one line of text")
	}
	return nil
}

// ValidatePassword returns EINVALID unless the password has a usable length.
func ValidatePassword(field, password string) error {
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLength || n > MaxPasswordLength {
		return Invalid(field, "must be between %d and %d characters", MinPasswordLength, MaxPasswordLength)
	}
	return nil
}

// ValidateCustomFields checks keys and values of a user's custom fields:
// values are one line of text (EINVALID naming field.KEY otherwise).
func ValidateCustomFields(field string, fields map[string]string) error {
	if len(fields) > MaxCustomFields {
		return Invalid(field, "at most %d fields", MaxCustomFields)
	}
	for k, v := range fields {
		if !fieldKeyPattern.MatchString(k) {
			return Invalid(field+"."+k, "keys are 1 to 64 letters, digits, '_' or '-'")
		}
		if utf8.RuneCountInString(v) > MaxFieldValueLength || !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			return Invalid(field+"."+k, "must be text of at most %d characters", MaxFieldValueLength)
		}
		if strings.ContainsAny(v, "\r\n") {
			// One line, like a CSV cell the import reads and the KEY=VALUE
			// lines of the people form.
			return Invalid(field+"."+k, "must be one line of text (no line breaks)")
		}
	}
	return nil
}

// ValidFieldKey reports whether key may name a custom field.
func ValidFieldKey(key string) bool { return fieldKeyPattern.MatchString(key) }

// Validate checks a user about to be created or updated.
func (u *User) Validate() error {
	if err := ValidateEmail("email", u.Email); err != nil {
		return err
	}
	if err := ValidateName("name", u.Name); err != nil {
		return err
	}
	if err := ValidateCustomFields("custom_fields", u.CustomFields); err != nil {
		return err
	}
	if !u.RegisteredAt.IsZero() { // zero: now, filled by the store
		if err := ValidateTime("registered_at", u.RegisteredAt); err != nil {
			return err
		}
	}
	return validateIDs("group_ids", u.GroupIDs)
}

// MaxListLength bounds every list a request may give: the ids of one JSON
// list (group_ids, certificate_ids, …) and the values of one query or form
// parameter, repeated or comma-separated. It keeps every query far below
// the databases' limits on parameters (32,766 on SQLite, 65,535 on
// PostgreSQL) and the work of reading a request linear and small.
const MaxListLength = 1000

// validateIDs refuses lists longer than MaxListLength and duplicate ids.
func validateIDs(field string, ids []ID) error {
	if len(ids) > MaxListLength {
		return Invalid(field, "at most %d ids", MaxListLength)
	}
	seen := make(map[ID]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			return Invalid(field, "lists %s twice", id)
		}
		seen[id] = true
	}
	return nil
}
