package server

import (
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"skillpath"
)

// Text that reaches the databases must be UTF-8 without NUL characters:
// PostgreSQL refuses both, and a refusal there would be a 500. These checks
// turn such input into a 400 naming the parameter or field, once, at the
// edge, for the API and the pages alike.

func badText(s string) bool { return strings.ContainsRune(s, 0) || !utf8.ValidString(s) }

const badTextMessage = "must be UTF-8 text without NUL characters"

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

// nulField returns the JSON name (a path such as "modules[0].title") of the
// first string in v holding a NUL character, or "" when there is none.
// The JSON decoder refuses invalid UTF-8 itself; a NUL may still come as
// the escape \u0000.
func nulField(v reflect.Value, path string) string {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return ""
		}
		return nulField(v.Elem(), path)
	case reflect.String:
		if strings.ContainsRune(v.String(), 0) {
			return path
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if f := nulField(v.Index(i), path+"["+strconv.Itoa(i)+"]"); f != "" {
				return f
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			key := joinField(path, iter.Key().String())
			if strings.ContainsRune(iter.Key().String(), 0) {
				return key
			}
			if f := nulField(iter.Value(), key); f != "" {
				return f
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name == "-" || !t.Field(i).IsExported() {
				continue
			}
			if name == "" {
				name = t.Field(i).Name
			}
			if f := nulField(v.Field(i), joinField(path, name)); f != "" {
				return f
			}
		}
	}
	return ""
}

func joinField(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
