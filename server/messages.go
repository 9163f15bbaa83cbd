package server

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"skillpath"
)

// Pages say a refusal in the user's words (issue 18): the API's errors
// name the parameter at fault ("score: must be between 0 and 10"), which
// a page shows next to the field instead, without the parameter's name.

// fieldWords names the parameters and fields of the pages as a sentence
// about them begins.
var fieldWords = map[string]string{
	"registered_from": "“Registered from”",
	"registered_to":   "“Registered to”",
	"expires_from":    "“Expires from”",
	"expires_to":      "“Expires to”",
	"latest_status":   "The latest status",
	"sort":            "The order",
	"group":           "The groups",
	"user_status":     "The user status",
	fieldKeyParam:     "The custom field",
	"response":        "Your answer",
	"score":           "The score",
	"status":          "The status",
	"limit":           "The number of rows",
	"endpoint":        "The LRS endpoint",
	"login":           "The LRS login",
	"password":        "The password",
}

// pageMessage is err's message as a page shows it: a message that is
// already a sentence as is; "FIELD: is required" as "Your answer is
// required."; a parameter named inside it in words too.
func pageMessage(err error) string {
	var e *skillpath.Error
	if !errors.As(err, &e) || e.Field == "" {
		return skillpath.ErrorMessage(err)
	}
	rest, ok := strings.CutPrefix(e.Message, e.Field+": ")
	if !ok {
		return e.Message
	}
	for name, words := range fieldWords {
		if name != e.Field && strings.Contains(name, "_") { // a parameter's name, never a word of the sentence
			rest = strings.ReplaceAll(rest, name, lowerFirst(words))
		}
	}
	if r, _ := utf8.DecodeRuneInString(rest); unicode.IsUpper(r) {
		return rest
	}
	if named, ok := strings.CutPrefix(rest, e.Field+" "); ok { // "group 7 does not exist"
		return strings.ToUpper(e.Field[:1]) + e.Field[1:] + " " + sentence(named)
	}
	subject, ok := fieldWords[e.Field]
	if !ok {
		subject = strings.ToUpper(e.Field[:1]) + strings.ReplaceAll(e.Field[1:], "_", " ")
		if key, isField := strings.CutPrefix(e.Field, "field."); isField {
			subject = "The custom field " + key
		}
	}
	for _, verb := range []string{"is ", "are ", "must ", "has "} {
		if strings.HasPrefix(rest, verb) {
			return subject + " " + sentence(rest)
		}
	}
	return subject + ": " + sentence(rest)
}

// lowerFirst puts the first letter of words in lower case, for a name
// inside a sentence; quotes and other signs stay.
func lowerFirst(words string) string {
	r, n := utf8.DecodeRuneInString(words)
	if !unicode.IsUpper(r) {
		return words
	}
	return string(unicode.ToLower(r)) + words[n:]
}

// sentence ends s with a full stop.
func sentence(s string) string {
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!") {
		return s
	}
	return s + "."
}
