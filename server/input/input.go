// Package input reads the JSON API's request bodies (SPEC §5): the one
// strict decoder every body goes through, the shapes of the main bodies (a
// user, a training tree, a session) and the times they carry. It holds no
// HTTP routing and no database, so its fuzz targets build and run quickly.
package input

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"skillpath"
)

// MaxBodyBytes is the largest request body accepted (413 above it).
const MaxBodyBytes = 1 << 20

// BadTextMessage is how text that is not UTF-8 or holds NUL is refused.
const BadTextMessage = "must be UTF-8 text without NUL characters"

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

// Decode reads one JSON object from the body into v (whatever Content-Type
// says: curl's default is not worth a refusal), refusing unknown,
// differently cased or duplicate members, invalid UTF-8, NUL characters,
// trailing data and bodies above MaxBodyBytes, and turns every failure
// into an *skillpath.Error naming the field at fault (a path such as
// "modules[0].activities[1].title").
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := jsontext.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes), decodeOptions)
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
		return skillpath.Invalid(field, BadTextMessage)
	}
	return nil
}

// DecodeOptional is Decode for a body that may also be empty (or only
// white space): then v is left as it is.
func DecodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		return decodeError(err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return Decode(w, r, v)
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
			return skillpath.Invalid(field, BadTextMessage)
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
	case reflect.TypeFor[Choice]():
		return `a choice: its text, or {"id", "text"} with the id of an existing choice`
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

// ParseTime reads an RFC 3339 time from input field; with dateOK a plain
// YYYY-MM-DD is accepted too, as midnight in the platform's zone. The time
// must lie within skillpath.MinTime and MaxTime once in UTC.
func ParseTime(field, v string, dateOK bool, zone *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		// Go takes offsets up to ±99:59; RFC 3339's time-numoffset has
		// hours 00–23 (so +24:00 is refused).
		if _, off := t.Zone(); off <= -24*3600 || off >= 24*3600 {
			return time.Time{}, skillpath.Invalid(field, "%q has an offset beyond ±23:59", v)
		}
		return t.UTC(), skillpath.ValidateTime(field, t)
	}
	if dateOK {
		if t, err := time.ParseInLocation(time.DateOnly, v, zone); err == nil {
			return t.UTC(), skillpath.ValidateTime(field, t)
		}
		return time.Time{}, skillpath.Invalid(field, "%q is not an RFC 3339 time (2026-01-31T09:00:00Z) or a date (2026-01-31)", v)
	}
	return time.Time{}, skillpath.Invalid(field, "%q is not an RFC 3339 time such as 2026-01-31T09:00:00Z", v)
}

// OptionalTime is ParseTime for a field that may be absent (nil or "").
func OptionalTime(field string, v *string, zone *time.Location) (*time.Time, error) {
	if v == nil || *v == "" {
		return nil, nil
	}
	t, err := ParseTime(field, *v, false, zone)
	return &t, err
}

// User is the body of POST /api/v1/users.
type User struct {
	Email         string            `json:"email"`
	Name          string            `json:"name"`
	RegisteredAt  *string           `json:"registered_at"`
	CustomFields  map[string]string `json:"custom_fields"`
	GroupIDs      []skillpath.ID    `json:"group_ids"`
	PlatformAdmin bool              `json:"platform_admin"`
	Password      string            `json:"password"`
}

// Training is the body of POST (and PUT) /api/v1/trainings: the whole
// tree. Module and activity ids are only read on PUT, to keep them. The
// read-only members of GET's answer (id, created_at, published_at) are
// accepted so a client can send back what it read; a different id is refused.
type Training struct {
	ID               skillpath.ID     `json:"id"`
	CreatedAt        any              `json:"created_at"`
	PublishedAt      any              `json:"published_at"`
	Title            string           `json:"title"`
	CertificateIDs   []skillpath.ID   `json:"certificate_ids"`
	PrerequisiteIDs  []skillpath.ID   `json:"prerequisite_ids"`
	RequiresApproval bool             `json:"requires_approval"`
	Price            *skillpath.Price `json:"price"`
	PassingScore     *float64         `json:"passing_score"`
	MasteryScore     *float64         `json:"mastery_score"`
	AuthorIDs        []skillpath.ID   `json:"author_ids"`
	InstructorIDs    []skillpath.ID   `json:"instructor_ids"`
	Modules          []*Module        `json:"modules"`
}

type Module struct {
	ID          skillpath.ID `json:"id"`
	Title       string       `json:"title"`
	MinScore    *float64     `json:"min_score"`
	MaxAttempts *int         `json:"max_attempts"`
	Activities  []*Activity  `json:"activities"`
}

type Activity struct {
	ID            skillpath.ID           `json:"id"`
	Title         string                 `json:"title"`
	Kind          skillpath.ActivityKind `json:"kind"`
	Points        *float64               `json:"points"`
	ManualScoring bool                   `json:"manual_scoring"`
	Choices       []Choice               `json:"choices"`
	// ChoiceIDs, as GET answers it, is accepted and ignored so a client can
	// send back what it read: reordering choices moves their texts, and a
	// choice keeps its id through its text or an explicit {id, text}.
	ChoiceIDs []string `json:"choice_ids"`
	Correct   *string  `json:"correct"`
	Body      string   `json:"body"`
	URL       string   `json:"url"`
}

// Choice is one choice of a choice question: its text, as SPEC §5 writes
// it, or an object {id?, text} naming the choice by the stable id GET
// answered in choice_ids, to reword it while keeping its id (issue 10).
type Choice struct {
	ID   string
	Text string
}

// UnmarshalJSON takes a choice as a string or as {id?, text}, decoded as
// strictly as every body.
func (c *Choice) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return jsonv2.Unmarshal(b, &c.Text, decodeOptions)
	}
	var obj struct {
		ID   *string `json:"id"`
		Text *string `json:"text"`
	}
	if err := jsonv2.Unmarshal(b, &obj, decodeOptions); err != nil || obj.Text == nil {
		return errors.New(`a choice is its text, or {"id", "text"}`)
	}
	c.Text = *obj.Text
	if obj.ID != nil {
		c.ID = *obj.ID
	}
	return nil
}

// choices splits the input's choices into texts and the ids given (nil
// when none is).
func (ai *Activity) choices() (texts, ids []string) {
	for i, c := range ai.Choices {
		texts = append(texts, c.Text)
		if c.ID != "" {
			if ids == nil {
				ids = make([]string, len(ai.Choices))
			}
			ids[i] = c.ID
		}
	}
	return texts, ids
}

// Domain turns the input into a domain training with SPEC's defaults:
// max_attempts 1, one point per question, empty lists rather than null.
func (in *Training) Domain() *skillpath.Training {
	t := &skillpath.Training{Title: in.Title, CertificateIDs: orEmpty(in.CertificateIDs), PrerequisiteIDs: orEmpty(in.PrerequisiteIDs),
		RequiresApproval: in.RequiresApproval, Price: in.Price, PassingScore: in.PassingScore, MasteryScore: in.MasteryScore,
		AuthorIDs: orEmpty(in.AuthorIDs), InstructorIDs: orEmpty(in.InstructorIDs), Modules: []*skillpath.Module{}}
	if t.Price != nil && *t.Price == 0 {
		t.Price = nil // free
	}
	for _, mi := range in.Modules {
		if mi == nil {
			t.Modules = append(t.Modules, nil)
			continue
		}
		m := &skillpath.Module{ID: mi.ID, Title: mi.Title, MinScore: mi.MinScore, MaxAttempts: 1, Activities: []*skillpath.Activity{}}
		if mi.MaxAttempts != nil {
			m.MaxAttempts = *mi.MaxAttempts
		}
		for _, ai := range mi.Activities {
			if ai == nil {
				m.Activities = append(m.Activities, nil)
				continue
			}
			a := &skillpath.Activity{ID: ai.ID, Title: ai.Title, Kind: ai.Kind, ManualScoring: ai.ManualScoring, Correct: ai.Correct,
				Body: ai.Body, URL: ai.URL}
			a.Choices, a.ChoiceIDs = ai.choices()
			if ai.Points != nil {
				a.Points = *ai.Points
			}
			a.ApplyDefaults(ai.Points != nil)
			m.Activities = append(m.Activities, a)
		}
		t.Modules = append(t.Modules, m)
	}
	return t
}

func orEmpty(ids []skillpath.ID) []skillpath.ID {
	if ids == nil {
		return []skillpath.ID{}
	}
	return ids
}

// Session is the body of POST /api/v1/trainings/{id}/sessions.
type Session struct {
	Name         string  `json:"name"`
	StartsAt     *string `json:"starts_at"`
	EndsAt       *string `json:"ends_at"`
	AutoReenroll bool    `json:"auto_reenroll"`
}
