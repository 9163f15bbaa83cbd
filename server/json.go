package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"skillpath"
)

// maxBodyBytes is the largest request body accepted (413 above it).
const maxBodyBytes = 1 << 20

// writeJSON answers v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decode reads one JSON object from the body into v (whatever Content-Type
// says: curl's default is not worth a refusal), refusing unknown fields,
// trailing data and bodies above maxBodyBytes, and turns every failure into
// an *skillpath.Error naming the field at fault.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
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
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return skillpath.Errorf(skillpath.ETOOLARGE, "body: larger than %d bytes", tooLarge.Limit)
	case errors.Is(err, io.EOF):
		return skillpath.Invalid("body", "a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return skillpath.Invalid("body", "the JSON ends too early")
	case errors.As(err, &syntax):
		return skillpath.Invalid("body", "invalid JSON at byte %d: %v", syntax.Offset, syntax)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return skillpath.Invalid(field, "must be %s", describeType(typ.Type))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return skillpath.Invalid(name, "unknown field")
	default:
		return skillpath.Invalid("body", "%v", err)
	}
}

// describeType names what a JSON value should have been, for error messages.
func describeType(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[skillpath.ID]():
		return "an id (a string of digits)"
	case reflect.TypeFor[skillpath.Price]():
		return "a price: a non-negative number with at most two decimals"
	case reflect.TypeFor[choiceInput]():
		return `a choice: its text, or {"id", "text"} with the id of an existing choice`
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number"
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
