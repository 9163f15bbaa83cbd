// Package skillpath holds the domain of the skillpath service: the types of
// SPEC.md, their validation, the authorization rules and the one error type.
// It imports no database and no HTTP; store/ and server/ build on it.
package skillpath

import (
	"errors"
	"fmt"
)

// Error codes, each mapped to one HTTP status in server/errors.go.
const (
	EINVALID         = "invalid"           // 400: bad input; the message names the field
	EUNAUTHORIZED    = "unauthorized"      // 401: no or bad credentials
	EFORBIDDEN       = "forbidden"         // 403: authenticated but not allowed
	ENOTFOUND        = "not_found"         // 404
	ECONFLICT        = "conflict"          // 409: duplicate or in use
	ETOOLARGE        = "too_large"         // 413: request body above the limit
	EUNPROCESSABLE   = "unprocessable"     // 422: a rule of SPEC refuses the action
	ETOOMANYREQUESTS = "too_many_requests" // 429: login locked for a while
	EINTERNAL        = "internal"          // 500: a bug, never the client's input
	EUNAVAILABLE     = "unavailable"       // 503: the database cannot be reached for now; try again
)

// Error is the error every layer returns for a reason a user may read.
// Field names the input at fault, when there is one.
type Error struct {
	Code    string
	Field   string
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("skillpath error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error about one input field; the message is
// prefixed with the field's name so a client knows what to fix.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of an *Error in err's chain, EINTERNAL for any
// other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message a user may read: the *Error's own, or
// "Internal error." for anything else (which is logged, not shown).
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
