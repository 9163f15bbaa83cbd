// Package xapi builds the xAPI 1.0.3 statements that report learning events
// to the customer's Learning Record Store (SPEC §4, seed 001). It is pure:
// the store gathers the facts (the event, the learner, the training) and
// the lrs package delivers what is built here.
package xapi

// Version is the xAPI version the statements follow, sent to the LRS in the
// X-Experience-API-Version header.
const Version = "1.0.3"

// Statement is one xAPI statement, with the properties skillpath fills.
// Optional parts are pointers or omitted when empty: xAPI refuses null.
type Statement struct {
	ID        string   `json:"id"`
	Actor     Agent    `json:"actor"`
	Verb      Verb     `json:"verb"`
	Object    Activity `json:"object"`
	Result    *Result  `json:"result,omitempty"`
	Context   *Context `json:"context,omitempty"`
	Timestamp string   `json:"timestamp"`
}

// Agent is the learner, identified by their email as a mailto IRI.
type Agent struct {
	ObjectType string `json:"objectType"`
	Name       string `json:"name"`
	Mbox       string `json:"mbox"`
}

// Verb is an ADL verb with its English display.
type Verb struct {
	ID      string      `json:"id"`
	Display LanguageMap `json:"display"`
}

// LanguageMap maps an RFC 5646 language tag to text.
type LanguageMap map[string]string

// Activity is a training (course), a module or one activity of a module
// (an interaction), named by an IRI under the platform's base URL.
type Activity struct {
	ObjectType string      `json:"objectType"`
	ID         string      `json:"id"`
	Definition *Definition `json:"definition,omitempty"`
}

// Definition describes an activity; questions carry their interaction.
type Definition struct {
	Name                    LanguageMap            `json:"name"`
	Type                    string                 `json:"type"`
	InteractionType         string                 `json:"interactionType,omitempty"`
	CorrectResponsesPattern []string               `json:"correctResponsesPattern,omitempty"`
	Choices                 []InteractionComponent `json:"choices,omitempty"`
}

// InteractionComponent is one choice of a choice question.
type InteractionComponent struct {
	ID          string      `json:"id"`
	Description LanguageMap `json:"description"`
}

// Result is what the event achieved.
type Result struct {
	Score      *Score         `json:"score,omitempty"`
	Success    *bool          `json:"success,omitempty"`
	Completion *bool          `json:"completion,omitempty"`
	Response   *string        `json:"response,omitempty"`
	Duration   string         `json:"duration,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// Score is a score with its range; Scaled is Raw over Max, in [0, 1].
type Score struct {
	Scaled float64 `json:"scaled"`
	Raw    float64 `json:"raw"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// Context ties a statement to the training attempt and to the activities
// around its object.
type Context struct {
	Registration      string             `json:"registration"`
	ContextActivities *ContextActivities `json:"contextActivities,omitempty"`
	Platform          string             `json:"platform"`
}

// ContextActivities places the object: its parent (the module of an
// activity, the course of a module) and its grouping (the course).
type ContextActivities struct {
	Parent   []Activity `json:"parent,omitempty"`
	Grouping []Activity `json:"grouping,omitempty"`
}

// Activity types and verbs of the ADL vocabulary (SPEC §4).
const (
	TypeCourse      = "http://adlnet.gov/expapi/activities/course"
	TypeModule      = "http://adlnet.gov/expapi/activities/module"
	TypeInteraction = "http://adlnet.gov/expapi/activities/cmi.interaction"
	verbPrefix      = "http://adlnet.gov/expapi/verbs/"
)

// ProgressExtension is the result extension carrying a progressed
// statement's progress: cmi5's, which LRS reports already understand; its
// value is a whole percentage from 0 to 100.
const ProgressExtension = "https://w3id.org/xapi/cmi5/result/extensions/progress"

// Platform is context.platform of every statement.
const Platform = "skillpath"

// language tags the names in statements' language maps: verbs are
// displayed in English, and titles, written in whatever language the
// training is, are shown as written under the same tag, the one LRS
// reports look for first.
const language = "en-US"
