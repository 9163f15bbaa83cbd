package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"skillpath"
)

// maxBodyBytes is the largest request body accepted (413 above it).
const maxBodyBytes = 1 << 20

// writeJSON answers v as JSON with the given status. The body is encoded
// in full before the status is sent, so a value that cannot be encoded (a
// time outside RFC 3339's years, a NaN) is a logged 500, never a 2xx with
// an empty or cut body; the failure is reported to the server (its log
// line and metric) through the ResponseWriter.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		responseFailed(w, "encode", fmt.Errorf("encode the JSON answer: %w", err))
		status = http.StatusInternalServerError
		buf.Reset()
		_ = json.NewEncoder(&buf).Encode(errorBody{errorDetail{Code: skillpath.EINTERNAL, Message: skillpath.ErrorMessage(err)}})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if _, err := buf.WriteTo(w); err != nil {
		responseFailed(w, "write", err)
	}
}

// decodeOptions make request bodies exact (issue 11): member names match
// their field's name exactly (no case folding), an unknown or repeated
// member is refused rather than ignored or resolved silently, and strings
// must be valid UTF-8 (not replaced with U+FFFD). These are the defaults
// of github.com/go-json-experiment/json (the proposed encoding/json/v2);
// RejectUnknownMembers is the one to ask for.
var decodeOptions = jsonv2.JoinOptions(
	jsonv2.RejectUnknownMembers(true),
	jsonv2.MatchCaseInsensitiveNames(false),
	jsontext.AllowDuplicateNames(false),
	jsontext.AllowInvalidUTF8(false),
)

// decode reads one JSON object from the body into v (whatever Content-Type
// says: curl's default is not worth a refusal), refusing unknown,
// differently cased or duplicate members, invalid UTF-8, NUL characters,
// trailing data and bodies above maxBodyBytes, and turns every failure
// into an *skillpath.Error naming the field at fault (a path such as
// "modules[0].activities[1].title").
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := jsontext.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes), decodeOptions)
	if dec.PeekKind() != '{' {
		if _, err := dec.ReadToken(); err != nil {
			return decodeError(err)
		}
		return skillpath.Invalid("body", "must be a JSON object")
	}
	if err := jsonv2.UnmarshalDecode(dec, v, decodeOptions); err != nil {
		return decodeError(err)
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return decodeError(err)
		}
		return skillpath.Invalid("body", "must hold one JSON object and nothing after it")
	}
	if field := nulField(reflect.ValueOf(v), ""); field != "" {
		return skillpath.Invalid(field, badTextMessage)
	}
	return nil
}

func decodeError(err error) error {
	var syntax *jsontext.SyntacticError
	var semantic *jsonv2.SemanticError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return skillpath.Errorf(skillpath.ETOOLARGE, "body: larger than %d bytes", tooLarge.Limit)
	case errors.Is(err, io.EOF):
		return skillpath.Invalid("body", "a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return skillpath.Invalid("body", "the JSON ends too early")
	case errors.As(err, &syntax):
		field := fieldOf(syntax.JSONPointer)
		switch {
		case errors.Is(syntax.Err, jsontext.ErrDuplicateName):
			return skillpath.Invalid(field, "is given twice")
		case strings.Contains(syntax.Err.Error(), "UTF-8"), strings.Contains(syntax.Err.Error(), "surrogate"):
			return skillpath.Invalid(field, badTextMessage)
		}
		return skillpath.Invalid("body", "invalid JSON at byte %d: %v", syntax.ByteOffset, syntax.Err)
	case errors.As(err, &semantic):
		field := fieldOf(semantic.JSONPointer)
		if errors.Is(semantic.Err, jsonv2.ErrUnknownName) {
			return skillpath.Invalid(field, "unknown field (names are case-sensitive)")
		}
		if semantic.GoType == nil {
			return skillpath.Invalid(field, "%v", err)
		}
		return skillpath.Invalid(field, "must be %s", describeType(semantic.GoType))
	default:
		return skillpath.Invalid("body", "%v", err)
	}
}

// fieldOf names the member at a JSON pointer as the API's errors do:
// "/modules/0/title" is "modules[0].title"; the root is "body".
func fieldOf(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if _, err := strconv.Atoi(tok); err == nil && b.Len() > 0 {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	if b.Len() == 0 {
		return "body"
	}
	return b.String()
}

// describeType names what a JSON value should have been, for error messages.
func describeType(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[skillpath.ID]():
		return "an id (a string of digits)"
	case reflect.TypeFor[skillpath.Price]():
		return "a price: a non-negative number with at most two decimals"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number within range"
	case reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Slice:
		return "a list whose items are each " + describeType(t.Elem())
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return describeType(t.Elem())
	}
	return fmt.Sprintf("a %s", t)
}
