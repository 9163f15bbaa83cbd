package store

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"skillpath"
)

// Paging cursors are opaque to clients, who send back the `next` of one
// page as the `after` of the following one. Every cursor a list accepts is
// read here and checked in full before it reaches SQL: a crafted one (bytes
// that are not UTF-8, a NUL, an id out of range) is EINVALID naming
// "after", never a database error.

// maxCursorLength bounds a cursor's text: a name of skillpath.MaxNameLength
// characters of four bytes each, its id and base64's growth.
const maxCursorLength = 4*(4*skillpath.MaxNameLength+24)/3 + 4

// errBadCursor is the refusal of every cursor that no page returned.
var errBadCursor = skillpath.Invalid("after", "is not a cursor returned as next by a previous page")

// cursor is the position of a page's last row in a list ordered by a name
// and then an id (learners by name, results by learner name): the next
// page starts after it.
type cursor struct {
	name string
	id   skillpath.ID
}

// String encodes the cursor as URL-safe base64 of "ID:NAME".
func (c cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.id.String() + ":" + c.name))
}

// parseCursor reads a cursor made by cursor.String.
func parseCursor(v string) (cursor, error) {
	if len(v) > maxCursorLength {
		return cursor{}, errBadCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return cursor{}, errBadCursor
	}
	idText, name, ok := strings.Cut(string(b), ":")
	id, idOK := skillpath.ParseID(idText)
	if !ok || !idOK || !utf8.ValidString(name) || strings.ContainsRune(name, 0) {
		return cursor{}, errBadCursor
	}
	return cursor{name: name, id: id}, nil
}

// parseIDCursor reads a cursor that is the id of the page's last row, in a
// list ordered by id.
func parseIDCursor(v string) (skillpath.ID, error) {
	id, ok := skillpath.ParseID(v)
	if !ok {
		return 0, errBadCursor
	}
	return id, nil
}
