package xapi

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"skillpath"
)

// Builder builds statements whose activity IRIs live under the platform's
// base URL, e.g. http://127.0.0.1:8080/xapi/trainings/7.
type Builder struct {
	BaseURL string // absolute http(s) URL, without a trailing slash
}

// Build turns a learning event of the learner in training t into its
// statement (SPEC §4). It returns an error only when the event names a
// module or activity that t does not hold: a bug, not a user's mistake.
func (b Builder) Build(ev skillpath.LearningEvent, learner *skillpath.User, t *skillpath.Training) (*Statement, error) {
	s := &Statement{
		ID:        ev.ID,
		Actor:     Agent{ObjectType: "Agent", Name: learner.Name, Mbox: Mbox(learner.Email)},
		Verb:      Verb{ID: verbPrefix + string(ev.Verb), Display: LanguageMap{language: string(ev.Verb)}},
		Timestamp: ev.At.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		Context:   &Context{Registration: ev.AttemptUUID, Platform: Platform},
	}
	course := b.course(t)
	switch {
	case ev.ActivityID != 0:
		m, a := find(t, ev.ModuleID, ev.ActivityID)
		if a == nil {
			return nil, fmt.Errorf("xapi: activity %s of module %s is not in training %s", ev.ActivityID, ev.ModuleID, t.ID)
		}
		s.Object = b.activity(a)
		s.Context.ContextActivities = &ContextActivities{Parent: []Activity{b.module(m)}, Grouping: []Activity{course}}
	case ev.ModuleID != 0:
		m, _ := find(t, ev.ModuleID, 0)
		if m == nil {
			return nil, fmt.Errorf("xapi: module %s is not in training %s", ev.ModuleID, t.ID)
		}
		s.Object = b.module(m)
		s.Context.ContextActivities = &ContextActivities{Parent: []Activity{course}}
	default:
		s.Object = course
	}
	s.Result = result(ev, s.Object.Definition)
	return s, nil
}

func find(t *skillpath.Training, moduleID, activityID skillpath.ID) (*skillpath.Module, *skillpath.Activity) {
	for _, m := range t.Modules {
		if m.ID != moduleID {
			continue
		}
		for _, a := range m.Activities {
			if a.ID == activityID {
				return m, a
			}
		}
		return m, nil
	}
	return nil, nil
}

func (b Builder) iri(kind string, id skillpath.ID) string {
	return strings.TrimRight(b.BaseURL, "/") + "/xapi/" + kind + "/" + id.String()
}

func (b Builder) course(t *skillpath.Training) Activity {
	return Activity{ObjectType: "Activity", ID: b.iri("trainings", t.ID),
		Definition: &Definition{Name: LanguageMap{language: t.Title}, Type: TypeCourse}}
}

func (b Builder) module(m *skillpath.Module) Activity {
	return Activity{ObjectType: "Activity", ID: b.iri("modules", m.ID),
		Definition: &Definition{Name: LanguageMap{language: m.Title}, Type: TypeModule}}
}

// activity describes one step of a module as an interaction: a question
// with its interaction type, choices and correct response, and a content
// page as an interaction of type "other" (it asks for a view, not an
// answer).
func (b Builder) activity(a *skillpath.Activity) Activity {
	d := &Definition{Name: LanguageMap{language: a.Title}, Type: TypeInteraction}
	switch a.Kind {
	case skillpath.KindContent:
		d.InteractionType = "other"
	case skillpath.KindChoice:
		d.InteractionType = "choice"
		for i, c := range a.Choices {
			d.Choices = append(d.Choices, InteractionComponent{ID: choiceID(a, i), Description: LanguageMap{language: c}})
		}
		if a.Correct != nil {
			if i := slices.Index(a.Choices, *a.Correct); i >= 0 {
				d.CorrectResponsesPattern = []string{choiceID(a, i)}
			}
		}
	case skillpath.KindText:
		// A question with a correct answer expects a few words; one without
		// (an essay, or any answer accepted) expects free text.
		d.InteractionType = "long-fill-in"
		if a.Correct != nil {
			d.InteractionType = "fill-in"
			d.CorrectResponsesPattern = []string{*a.Correct} // xAPI compares ignoring case by default
		}
	}
	return Activity{ObjectType: "Activity", ID: b.iri("activities", a.ID), Definition: d}
}

// choiceID is the id of a's i-th choice: its stable id (issue 10: kept
// across edits, so one id keeps one meaning in the LRS), not its text,
// since an xAPI choice id may hold no spaces. A choice without one (an
// activity never stored) is named by its position, choice-1, choice-2…
func choiceID(a *skillpath.Activity, i int) string {
	if i < len(a.ChoiceIDs) && a.ChoiceIDs[i] != "" {
		return a.ChoiceIDs[i]
	}
	return "choice-" + strconv.Itoa(i+1)
}

// result reports the event's outcome; nil when it has none (started).
func result(ev skillpath.LearningEvent, object *Definition) *Result {
	r := &Result{Success: ev.Success, Completion: ev.Completion}
	if ev.Score != nil && ev.MaxScore > 0 {
		r.Score = score(*ev.Score, ev.MaxScore)
	}
	if ev.Response != nil {
		resp := response(*ev.Response, object)
		r.Response = &resp
	}
	if ev.Duration > 0 {
		r.Duration = Duration(ev.Duration)
	}
	if ev.Progress != nil {
		// cmi5 wants a whole percentage; rounding down keeps 100 for a
		// training whose every activity is done.
		r.Extensions = map[string]any{ProgressExtension: int(math.Floor(*ev.Progress))}
	}
	if r.Score == nil && r.Success == nil && r.Completion == nil && r.Response == nil && r.Duration == "" && r.Extensions == nil {
		return nil
	}
	return r
}

// score reports raw points out of max as xAPI's score: raw and max to the
// hundredth (a training's percentage such as 42.857142857142854 is sent as
// 42.86), raw within [0, max], and scaled = raw / max computed from the
// rounded values, to four decimals (0.4286): within [0, 1], and for a
// training's percentage, scaled × 100 is raw to the hundredth.
func score(raw, max float64) *Score {
	if m := roundTo(max, 2); m > 0 {
		max = m
	}
	raw = math.Max(0, math.Min(max, roundTo(raw, 2)))
	return &Score{Scaled: roundTo(raw/max, 4), Raw: raw, Min: 0, Max: max}
}

// roundTo rounds x to n decimals, halves away from zero.
func roundTo(x float64, n int) float64 {
	p := math.Pow10(n)
	return math.Round(x*p) / p
}

// response is the learner's answer as xAPI writes it: a choice by its id,
// text as typed.
func response(answer string, object *Definition) string {
	for _, c := range object.Choices {
		if c.Description[language] == answer {
			return c.ID
		}
	}
	return answer
}

// Duration writes d as an ISO 8601 duration with at most hundredths of a
// second, as xAPI recommends: PT1H2M3.45S.
func Duration(d time.Duration) string {
	cs := d.Round(10*time.Millisecond).Milliseconds() / 10
	if cs <= 0 {
		return "PT0S"
	}
	h, m, s, frac := cs/360000, cs/6000%60, cs/100%60, cs%100
	var b strings.Builder
	b.WriteString("PT")
	if h > 0 {
		b.WriteString(strconv.FormatInt(h, 10) + "H")
	}
	if m > 0 {
		b.WriteString(strconv.FormatInt(m, 10) + "M")
	}
	if s > 0 || frac > 0 {
		b.WriteString(strconv.FormatInt(s, 10))
		if frac > 0 {
			b.WriteString(strings.TrimRight(fmt.Sprintf(".%02d", frac), "0"))
		}
		b.WriteString("S")
	}
	return b.String()
}
