package skillpath

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
)

// ID identifies a stored row. It is an integer in the databases (compact
// keys and joins) and a string in JSON, as SPEC §5 says ids are strings.
type ID int64

// ParseID reads an id from a URL or a form; any text that is not a positive
// integer is refused.
func ParseID(s string) (ID, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != s {
		return 0, false
	}
	return ID(n), true
}

func (id ID) String() string { return strconv.FormatInt(int64(id), 10) }

// MarshalJSON writes the id as a JSON string.
func (id ID) MarshalJSON() ([]byte, error) {
	return []byte(`"` + id.String() + `"`), nil
}

// UnmarshalJSON accepts the id as a JSON string (or, leniently, a number).
func (id *ID) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	n, ok := ParseID(s)
	if !ok {
		// An UnmarshalTypeError gets the field's name added by encoding/json,
		// so the client learns which id is wrong.
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[ID]()}
	}
	*id = n
	return nil
}
