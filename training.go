package skillpath

import (
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ActivityKind is what an activity asks of the learner (SPEC §5).
type ActivityKind string

const (
	KindContent ActivityKind = "content" // a page to view; carries no points
	KindChoice  ActivityKind = "choice"  // one answer among choices, scored at once
	KindText    ActivityKind = "text"    // a free answer, scored by hand when manual_scoring
)

// Training is a path: ordered modules of ordered activities, granting
// certificates to those who pass it (SPEC §1–2).
type Training struct {
	ID               ID         `json:"id"`
	Title            string     `json:"title"`
	CertificateIDs   []ID       `json:"certificate_ids"`
	PrerequisiteIDs  []ID       `json:"prerequisite_ids"`
	RequiresApproval bool       `json:"requires_approval"`
	Price            *Price     `json:"price"`
	PassingScore     *float64   `json:"passing_score"`
	MasteryScore     *float64   `json:"mastery_score"`
	AuthorIDs        []ID       `json:"author_ids"`
	InstructorIDs    []ID       `json:"instructor_ids"`
	Modules          []*Module  `json:"modules"`
	CreatedAt        time.Time  `json:"created_at"`
	PublishedAt      *time.Time `json:"published_at"`
}

// Module is an ordered part of a training with its own score and retakes.
type Module struct {
	ID          ID          `json:"id"`
	Title       string      `json:"title"`
	MinScore    *float64    `json:"min_score"`
	MaxAttempts int         `json:"max_attempts"` // 0 = unlimited
	Activities  []*Activity `json:"activities"`
}

// Activity is one step of a module: content to view or a question.
type Activity struct {
	ID            ID           `json:"id"`
	Title         string       `json:"title"`
	Kind          ActivityKind `json:"kind"`
	Points        float64      `json:"points"`
	ManualScoring bool         `json:"manual_scoring"`
	Choices       []string     `json:"choices,omitempty"`
	// ChoiceIDs names each choice, in the order of Choices, with an id kept
	// across edits (issue 10): the id of its xAPI interaction component.
	ChoiceIDs []string `json:"choice_ids,omitempty"`
	Correct   *string  `json:"correct,omitempty"`
	// Body is a content activity's text in Markdown (CommonMark with
	// tables), at most MaxContentBody bytes; shown rendered and sanitised
	// (package markdown). Images and PDFs it links are the training's
	// attachments (issue 18).
	Body string `json:"body,omitempty"`
	// URL is a content activity's video or external page: an absolute
	// http or https URL the learner opens (issue 18).
	URL string `json:"url,omitempty"`
}

// Limits on a training's shape, generous but bounded so one request cannot
// build an unbounded tree.
const (
	MaxModules            = 200
	MaxActivities         = 500
	MaxChoices            = 50
	MaxAttemptsLimit      = 1000
	MaxPoints             = 10000
	MaxContentBody        = 64 << 10 // bytes of a content activity's Markdown (a training's whole body is at most 1 MiB)
	MaxURL                = 2048     // bytes of a content activity's URL
	DefaultQuestionPoints = 1
)

// Validate checks a training and its whole tree, and fills the defaults of
// SPEC §1 (max_attempts 1, one point per question). Field names in errors
// point into the tree, e.g. "modules[1].activities[0].correct".
func (t *Training) Validate() error {
	if err := ValidateName("title", t.Title); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		ids  []ID
	}{{"certificate_ids", t.CertificateIDs}, {"prerequisite_ids", t.PrerequisiteIDs}, {"author_ids", t.AuthorIDs}, {"instructor_ids", t.InstructorIDs}} {
		if err := validateIDs(f.name, f.ids); err != nil {
			return err
		}
	}
	if t.ID != 0 && slices.Contains(t.PrerequisiteIDs, t.ID) {
		return Errorf(EUNPROCESSABLE, "prerequisite_ids: a training cannot be its own prerequisite")
	}
	if err := validatePercent("passing_score", t.PassingScore); err != nil {
		return err
	}
	if err := validatePercent("mastery_score", t.MasteryScore); err != nil {
		return err
	}
	if len(t.Modules) == 0 {
		return Invalid("modules", "a training needs at least one module")
	}
	if len(t.Modules) > MaxModules {
		return Invalid("modules", "at most %d modules", MaxModules)
	}
	activities := 0
	for i, m := range t.Modules {
		if m == nil {
			return Invalid(fieldIndex("modules", i), "is required")
		}
		activities += len(m.Activities)
		if err := m.validate(fieldIndex("modules", i)); err != nil {
			return err
		}
	}
	if activities > MaxActivities {
		return Invalid("modules", "at most %d activities in a training", MaxActivities)
	}
	return nil
}

func (m *Module) validate(field string) error {
	if err := ValidateName(field+".title", m.Title); err != nil {
		return err
	}
	if err := validatePercent(field+".min_score", m.MinScore); err != nil {
		return err
	}
	if m.MaxAttempts < 0 || m.MaxAttempts > MaxAttemptsLimit {
		return Invalid(field+".max_attempts", "must be between 0 (unlimited) and %d", MaxAttemptsLimit)
	}
	if len(m.Activities) == 0 {
		return Invalid(field+".activities", "a module needs at least one activity")
	}
	for i, a := range m.Activities {
		if a == nil {
			return Invalid(fieldIndex(field+".activities", i), "is required")
		}
		if err := a.validate(fieldIndex(field+".activities", i)); err != nil {
			return err
		}
	}
	return nil
}

func (a *Activity) validate(field string) error {
	if err := ValidateName(field+".title", a.Title); err != nil {
		return err
	}
	if math.IsNaN(a.Points) || a.Points < 0 || a.Points > MaxPoints {
		return Invalid(field+".points", "must be between 0 and %d", MaxPoints)
	}
	switch a.Kind {
	case KindContent:
		if a.Points != 0 {
			return Invalid(field+".points", "content activities carry no points")
		}
		if a.ManualScoring || len(a.Choices) > 0 || len(a.ChoiceIDs) > 0 || a.Correct != nil {
			return Invalid(field+".kind", "content activities take no manual_scoring, choices or correct")
		}
		if len(a.Body) > MaxContentBody {
			return Invalid(field+".body", "at most %d KiB of text", MaxContentBody>>10)
		}
		if !utf8.ValidString(a.Body) {
			return Invalid(field+".body", "must be valid UTF-8 text")
		}
		if err := ValidateContentURL(field+".url", a.URL); err != nil {
			return err
		}
	case KindChoice:
		if a.ManualScoring {
			return Invalid(field+".manual_scoring", "choice questions are scored automatically")
		}
		if len(a.Choices) < 2 || len(a.Choices) > MaxChoices {
			return Invalid(field+".choices", "a choice question needs 2 to %d choices", MaxChoices)
		}
		for i, c := range a.Choices {
			if err := ValidateName(fieldIndex(field+".choices", i), c); err != nil {
				return err
			}
			if slices.Index(a.Choices, c) != i {
				return Invalid(field+".choices", "%q is listed twice", c)
			}
		}
		if a.Correct == nil || !slices.Contains(a.Choices, *a.Correct) {
			return Invalid(field+".correct", "must be one of the choices")
		}
		if a.ChoiceIDs != nil && len(a.ChoiceIDs) != len(a.Choices) {
			return Invalid(field+".choice_ids", "must name each choice, in the order of choices")
		}
		for i, id := range a.ChoiceIDs {
			if id != "" && slices.Index(a.ChoiceIDs, id) != i {
				return Invalid(fieldIndex(field+".choices", i)+".id", "%q is listed twice", id)
			}
		}
	case KindText:
		if len(a.Choices) > 0 || len(a.ChoiceIDs) > 0 {
			return Invalid(field+".choices", "text questions take no choices")
		}
		if a.ManualScoring && a.Correct != nil {
			return Invalid(field+".correct", "a manually scored question has no correct answer")
		}
		if a.Correct != nil {
			if err := ValidateName(field+".correct", *a.Correct); err != nil {
				return err
			}
		}
	default:
		return Invalid(field+".kind", "must be one of content, choice, text")
	}
	if a.Kind != KindContent && (a.Body != "" || a.URL != "") {
		return Invalid(field+".body", "only content activities take a body or url; put a question's text in its title")
	}
	return nil
}

// ValidateContentURL accepts "" or an absolute http or https URL of at
// most MaxURL bytes with a host, the link a content activity opens.
// Returns EINVALID naming field otherwise.
func ValidateContentURL(field, raw string) error {
	if raw == "" {
		return nil
	}
	if len(raw) > MaxURL {
		return Invalid(field, "at most %d characters", MaxURL)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(raw, " \t\n\r") {
		return Invalid(field, "must be a web address starting with https:// (or http://)")
	}
	return nil
}

// KeepChoiceIDs gives each choice of a choice question its stable id
// (issue 10): the id of its xAPI interaction component, which must keep its
// meaning across edits, or an LRS would read old answers with a new one.
// old is the activity as stored before this edit (nil for a new one) and
// seq the highest n of the choice-n ids it ever used; KeepChoiceIDs returns
// the new highest. ChoiceIDs holds, on entry, the ids the client gave ("" for
// none) or nil. In order:
//   - a choice given with an id keeps it: the way to reword a choice;
//   - a choice given as text alone takes the id of old's choice with the
//     same text, unless another choice already claimed it: the way to
//     reorder choices;
//   - any other choice is new and gets choice-(seq+1), so a removed
//     choice's id is never given to another.
//
// Returns EINVALID naming field.choices[i].id for an id old does not hold.
func (a *Activity) KeepChoiceIDs(field string, old *Activity, seq int) (int, error) {
	if a.Kind != KindChoice {
		a.ChoiceIDs = nil
		return seq, nil
	}
	var oldIDs, oldTexts []string
	if old != nil && old.Kind == KindChoice && len(old.ChoiceIDs) == len(old.Choices) {
		oldIDs, oldTexts = old.ChoiceIDs, old.Choices
	}
	ids := make([]string, len(a.Choices))
	taken := map[string]bool{}
	for i, id := range a.ChoiceIDs {
		if id == "" {
			continue
		}
		if !slices.Contains(oldIDs, id) {
			return seq, Invalid(fieldIndex(field+".choices", i)+".id", "%q is not a choice of this question: leave id out for a new choice", id)
		}
		ids[i], taken[id] = id, true
	}
	for i, text := range a.Choices {
		if ids[i] != "" {
			continue
		}
		if j := slices.Index(oldTexts, text); j >= 0 && !taken[oldIDs[j]] {
			ids[i], taken[oldIDs[j]] = oldIDs[j], true
		}
	}
	for i := range ids {
		if ids[i] == "" {
			seq++
			ids[i] = "choice-" + strconv.Itoa(seq)
		}
	}
	a.ChoiceIDs = ids
	return seq, nil
}

// ApplyDefaults fills what a client may omit: a question is worth one point
// unless points are given. hasPoints tells, per activity, whether the client
// gave points at all (0 is a valid choice for a survey question).
func (a *Activity) ApplyDefaults(hasPoints bool) {
	if !hasPoints && a.Kind != KindContent {
		a.Points = DefaultQuestionPoints
	}
}

// IsQuestion reports whether the activity takes an answer rather than a view.
func (a *Activity) IsQuestion() bool { return a.Kind != KindContent }

// ScoreAnswer scores an automatically scored answer: full points for the
// correct choice or text (text compared trimmed and ignoring case), or for
// any answer to a text question without a correct answer; nil when the
// activity is manually scored.
func (a *Activity) ScoreAnswer(response string) *float64 {
	if a.ManualScoring || a.Kind == KindContent {
		return nil
	}
	score := 0.0
	switch {
	case a.Kind == KindChoice && a.Correct != nil && response == *a.Correct:
		score = a.Points
	case a.Kind == KindText && a.Correct == nil:
		score = a.Points
	case a.Kind == KindText && strings.EqualFold(strings.TrimSpace(response), strings.TrimSpace(*a.Correct)):
		score = a.Points
	}
	return &score
}

// ValidateResponse checks a learner's answer to this activity.
func (a *Activity) ValidateResponse(response string) error {
	switch {
	case a.Kind == KindContent:
		return Errorf(EUNPROCESSABLE, "activity %s is content to view, not a question", a.ID)
	case strings.TrimSpace(response) == "":
		return Invalid("response", "is required")
	case a.Kind == KindChoice && !slices.Contains(a.Choices, response):
		return Invalid("response", "must be one of the choices")
	case utf8.RuneCountInString(response) > MaxResponseLength || !utf8.ValidString(response):
		return Invalid("response", "must be text of at most %d characters", MaxResponseLength)
	}
	return nil
}

// MaxResponseLength bounds a text answer (an essay fits).
const MaxResponseLength = 20000

func validatePercent(field string, p *float64) error {
	if p != nil && (math.IsNaN(*p) || *p < 0 || *p > 100) {
		return Invalid(field, "must be a percentage between 0 and 100")
	}
	return nil
}

func fieldIndex(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}
