package lrstest

import (
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// The patterns of xAPI 1.0.3 that Validate relies on.
var (
	uuidPattern     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$`)
	durationPattern = regexp.MustCompile(`^P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$`)
	languagePattern = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)
	// mailtoPattern: RFC 6068's addr-spec as a URI holds no space, quote,
	// %, /, ?, #, [, ], &, ;, = or non-ASCII character unless percent-encoded.
	mailtoPattern    = regexp.MustCompile(`^mailto:([A-Za-z0-9._~!$'()*+,:-]|%[0-9A-Fa-f]{2})+@([A-Za-z0-9._~!$'()*+,:-]|%[0-9A-Fa-f]{2})+$`)
	interactionTypes = []string{"true-false", "choice", "fill-in", "long-fill-in", "matching", "performance", "sequencing", "likert", "numeric", "other"}
)

// Validate checks one statement, decoded from JSON, against the rules of
// xAPI 1.0.3 that a conformant LRS enforces and skillpath relies on: known
// properties only, no null, UUID ids, an Agent with a mailto mbox, IRIs for
// verbs, activities, types and extension keys, language maps, scores in
// range, ISO 8601 durations, RFC 3339 timestamps. It returns every problem
// found, joined, or nil.
func Validate(st map[string]any) error {
	v := &validator{}
	v.statement(st)
	if len(v.problems) == 0 {
		return nil
	}
	return fmt.Errorf("invalid statement: %s", strings.Join(v.problems, "; "))
}

type validator struct{ problems []string }

func (v *validator) fail(path, format string, args ...any) {
	v.problems = append(v.problems, path+": "+fmt.Sprintf(format, args...))
}

// object checks that x is an object holding only the allowed keys, no null.
func (v *validator) object(path string, x any, allowed ...string) map[string]any {
	m, ok := x.(map[string]any)
	if !ok {
		v.fail(path, "must be an object, got %T", x)
		return nil
	}
	for k, val := range m {
		if !slices.Contains(allowed, k) {
			v.fail(path+"."+k, "is not a property of xAPI 1.0.3")
		}
		if val == nil {
			v.fail(path+"."+k, "is null")
		}
	}
	return m
}

func (v *validator) statement(st map[string]any) {
	m := v.object("statement", st, "id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority", "version", "attachments")
	if m == nil {
		return
	}
	v.uuid("id", m["id"], true)
	v.agent("actor", m["actor"])
	if verb := v.object("verb", m["verb"], "id", "display"); verb != nil {
		v.iri("verb.id", verb["id"], true)
		v.languageMap("verb.display", verb["display"], true)
	}
	v.activity("object", m["object"], true)
	if r, ok := m["result"]; ok {
		v.result("result", r)
	}
	if c, ok := m["context"]; ok {
		v.context("context", c)
	}
	if ts, ok := m["timestamp"].(string); !ok {
		v.fail("timestamp", "is required")
	} else if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
		v.fail("timestamp", "%q is not an RFC 3339 time", ts)
	}
	if ver, ok := m["version"]; ok {
		if s, _ := ver.(string); !strings.HasPrefix(s, "1.0.") {
			v.fail("version", "%v is not 1.0.x", ver)
		}
	}
}

func (v *validator) uuid(path string, x any, required bool) {
	s, ok := x.(string)
	switch {
	case x == nil && !required:
	case !ok || !uuidPattern.MatchString(s):
		v.fail(path, "%v is not a UUID", x)
	}
}

func (v *validator) iri(path string, x any, required bool) {
	s, ok := x.(string)
	if x == nil && !required {
		return
	}
	u, err := url.Parse(s)
	if !ok || err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque == "") {
		v.fail(path, "%v is not an absolute IRI", x)
	}
}

func (v *validator) languageMap(path string, x any, required bool) {
	if x == nil && !required {
		return
	}
	m, ok := x.(map[string]any)
	if !ok || len(m) == 0 {
		v.fail(path, "must be a language map with at least one entry")
		return
	}
	for tag, text := range m {
		if !languagePattern.MatchString(tag) {
			v.fail(path, "%q is not a language tag", tag)
		}
		if _, ok := text.(string); !ok {
			v.fail(path+"."+tag, "must be text")
		}
	}
}

func (v *validator) agent(path string, x any) {
	m := v.object(path, x, "objectType", "name", "mbox", "mbox_sha1sum", "openid", "account")
	if m == nil {
		return
	}
	if m["objectType"] != "Agent" {
		v.fail(path+".objectType", "must be Agent, got %v", m["objectType"])
	}
	if _, ok := m["name"].(string); !ok {
		v.fail(path+".name", "is required (SPEC §4)")
	}
	mbox, _ := m["mbox"].(string)
	if !mailtoPattern.MatchString(mbox) {
		v.fail(path+".mbox", "%q is not a mailto IRI of RFC 6068 (URI characters, the rest percent-encoded)", mbox)
	} else {
		addr, err := url.PathUnescape(strings.TrimPrefix(mbox, "mailto:"))
		if a, perr := mail.ParseAddress(addr); err != nil || perr != nil || a.Address != addr {
			v.fail(path+".mbox", "%q is not mailto:EMAIL", mbox)
		}
	}
	ifis := 0
	for _, k := range []string{"mbox", "mbox_sha1sum", "openid", "account"} {
		if _, ok := m[k]; ok {
			ifis++
		}
	}
	if ifis != 1 {
		v.fail(path, "an Agent has exactly one identifier, found %d", ifis)
	}
}

func (v *validator) activity(path string, x any, withDefinition bool) {
	m := v.object(path, x, "objectType", "id", "definition")
	if m == nil {
		return
	}
	if ot, ok := m["objectType"]; ok && ot != "Activity" {
		v.fail(path+".objectType", "must be Activity, got %v", ot)
	}
	v.iri(path+".id", m["id"], true)
	d, ok := m["definition"]
	if !ok {
		if withDefinition {
			v.fail(path+".definition", "is required (SPEC §4)")
		}
		return
	}
	def := v.object(path+".definition", d, "name", "description", "type", "moreInfo", "interactionType",
		"correctResponsesPattern", "choices", "scale", "source", "target", "steps", "extensions")
	if def == nil {
		return
	}
	v.languageMap(path+".definition.name", def["name"], false)
	v.iri(path+".definition.type", def["type"], withDefinition)
	it, hasType := def["interactionType"].(string)
	if _, present := def["interactionType"]; present && !slices.Contains(interactionTypes, it) {
		v.fail(path+".definition.interactionType", "%v is not an interaction type", def["interactionType"])
	}
	if def["type"] == "http://adlnet.gov/expapi/activities/cmi.interaction" && !hasType {
		v.fail(path+".definition.interactionType", "is required for a cmi.interaction")
	}
	var ids []string
	if c, ok := def["choices"]; ok {
		if it != "choice" && it != "sequencing" {
			v.fail(path+".definition.choices", "only for choice and sequencing interactions")
		}
		list, _ := c.([]any)
		for i, item := range list {
			p := fmt.Sprintf("%s.definition.choices[%d]", path, i)
			comp := v.object(p, item, "id", "description")
			if comp == nil {
				continue
			}
			id, _ := comp["id"].(string)
			if id == "" || strings.ContainsAny(id, " \t\n") || slices.Contains(ids, id) {
				v.fail(p+".id", "%q must be a unique id without spaces", id)
			}
			ids = append(ids, id)
			v.languageMap(p+".description", comp["description"], true)
		}
	}
	if c, ok := def["correctResponsesPattern"]; ok {
		list, ok := c.([]any)
		if !ok || !hasType {
			v.fail(path+".definition.correctResponsesPattern", "must be a list, in an interaction")
		}
		for _, p := range list {
			s, ok := p.(string)
			if !ok {
				v.fail(path+".definition.correctResponsesPattern", "holds %v, not text", p)
			} else if it == "choice" && !slices.Contains(ids, s) {
				v.fail(path+".definition.correctResponsesPattern", "%q is not a choice id", s)
			}
		}
	}
}

func (v *validator) result(path string, x any) {
	m := v.object(path, x, "score", "success", "completion", "response", "duration", "extensions")
	if m == nil {
		return
	}
	if s, ok := m["score"]; ok {
		sc := v.object(path+".score", s, "scaled", "raw", "min", "max")
		num := func(k string) (float64, bool) { f, ok := sc[k].(float64); return f, ok }
		if scaled, ok := num("scaled"); ok && (scaled < -1 || scaled > 1) {
			v.fail(path+".score.scaled", "%v is outside [-1, 1]", scaled)
		}
		minV, hasMin := num("min")
		maxV, hasMax := num("max")
		if hasMin && hasMax && minV >= maxV {
			v.fail(path+".score", "min %v must be below max %v", minV, maxV)
		}
		if raw, ok := num("raw"); ok && ((hasMin && raw < minV) || (hasMax && raw > maxV) || math.IsNaN(raw)) {
			v.fail(path+".score.raw", "%v is outside [min, max]", raw)
		}
	}
	for _, k := range []string{"success", "completion"} {
		if b, ok := m[k]; ok {
			if _, isBool := b.(bool); !isBool {
				v.fail(path+"."+k, "must be true or false")
			}
		}
	}
	if r, ok := m["response"]; ok {
		if _, isText := r.(string); !isText {
			v.fail(path+".response", "must be text")
		}
	}
	if d, ok := m["duration"]; ok {
		s, _ := d.(string)
		if !durationPattern.MatchString(s) || s == "P" || strings.HasSuffix(s, "T") {
			v.fail(path+".duration", "%v is not an ISO 8601 duration", d)
		}
	}
	v.extensions(path+".extensions", m["extensions"])
}

func (v *validator) extensions(path string, x any) {
	if x == nil {
		return
	}
	m, ok := x.(map[string]any)
	if !ok {
		v.fail(path, "must be an object")
	}
	for k := range m {
		v.iri(path+" key", k, true)
	}
}

func (v *validator) context(path string, x any) {
	m := v.object(path, x, "registration", "instructor", "team", "contextActivities", "revision", "platform", "language", "statement", "extensions")
	if m == nil {
		return
	}
	v.uuid(path+".registration", m["registration"], false)
	if ca, ok := m["contextActivities"]; ok {
		acts := v.object(path+".contextActivities", ca, "parent", "grouping", "category", "other")
		for k, list := range acts {
			items, ok := list.([]any)
			if !ok {
				v.fail(path+".contextActivities."+k, "must be a list of activities")
			}
			for i, a := range items {
				v.activity(fmt.Sprintf("%s.contextActivities.%s[%d]", path, k, i), a, false)
			}
		}
	}
	if p, ok := m["platform"]; ok {
		if _, isText := p.(string); !isText {
			v.fail(path+".platform", "must be text")
		}
	}
	if l, ok := m["language"]; ok {
		if s, _ := l.(string); !languagePattern.MatchString(s) {
			v.fail(path+".language", "%v is not a language tag", l)
		}
	}
	v.extensions(path+".extensions", m["extensions"])
}
