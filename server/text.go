package server

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"skillpath"
	"skillpath/server/input"
)

// Text that reaches the databases must be UTF-8 without NUL characters:
// PostgreSQL refuses both, and a refusal there would be a 500. These checks
// turn such input into a 400 naming the parameter or field, once, at the
// edge, for the API and the pages alike.

func badText(s string) bool { return strings.ContainsRune(s, 0) || !utf8.ValidString(s) }

const badTextMessage = input.BadTextMessage

// checkValues refuses query or form values (or names) that are not text,
// and a parameter given more than skillpath.MaxListLength times.
func checkValues(values url.Values) error {
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if badText(name) {
			return skillpath.Invalid(strconv.Quote(name), badTextMessage)
		}
		if len(values[name]) > skillpath.MaxListLength {
			return skillpath.Invalid(name, "at most %d values", skillpath.MaxListLength)
		}
		for _, v := range values[name] {
			if badText(v) {
				return skillpath.Invalid(name, badTextMessage)
			}
		}
	}
	return nil
}

// checkRequestText refuses a request whose path or query is not text.
func checkRequestText(u *url.URL) error {
	if badText(u.Path) {
		return skillpath.Invalid("path", badTextMessage)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return skillpath.Invalid("query", "is not a valid query string")
	}
	return checkValues(q)
}
