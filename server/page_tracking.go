package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"skillpath"
	"skillpath/store"
)

// The results tracking pages (SPEC §4, seed 001): a training's LRS
// settings, saved as a draft and applied by publishing the training, and
// the delivery of its statements. They call the same store methods with
// the same authorization as the API (s.trackingAccess; the outbox for
// platform admins only).
func (s *Server) pagesTracking() {
	s.page("GET /tracking", s.pageTrackingOverview)
	s.page("GET /trainings/{id}/tracking", s.pageTracking)
	s.page("POST /trainings/{id}/tracking", s.pageTrackingSave)
	s.page("POST /trainings/{id}/tracking/publish", s.pageTrackingPublish)
	s.page("POST /trainings/{id}/tracking/retry", s.pageTrackingRetry)
}

// verbHelp is seed 001's table of statements: what each verb is for and
// when it is sent, shown beside its checkbox.
var verbHelp = map[skillpath.Verb]struct{ Purpose, When string }{
	skillpath.VerbStarted: {"To announce the course as started.",
		"When a learner starts the course."},
	skillpath.VerbProgressed: {"To announce the progress within the course and to track the progress.",
		"When a learner takes an action (answers a question etc.) that contributes towards the course progress."},
	skillpath.VerbExperienced: {"To mark scorable content as viewed.",
		"When a learner visits a scorable content page."},
	skillpath.VerbAnswered: {"To mark a course question as answered.",
		"When a learner submits an answer to a course question."},
	skillpath.VerbMastered: {"To mark the course mastery score as achieved.",
		"When a learner achieves the mastery score. This statement is sent out as soon as the condition is met and therefore it can be sent out prior to the course completion."},
	skillpath.VerbPassed: {"To mark a completed course as passed.",
		"When a learner completes the course, and the course is considered passed as per the pass criteria."},
	skillpath.VerbFailed: {"To mark a completed course as failed.",
		"When a learner completes the course, and the course is considered failed as per the pass criteria."},
}

// trackingPage is a training's results tracking page.
type trackingPage struct {
	Training *skillpath.Training
	Settings *store.LRSView // nil until the settings are first saved
	Form     trackingForm
	Verbs    []verbOption
	Changes  []string // what publishing would change, in words
	Outbox   *trackingOutbox
}

// trackingForm is what the settings form shows: the draft, or what was
// typed when the form was refused. A typed password is never shown back.
type trackingForm struct {
	Endpoint, Login string
	Verbs           []skillpath.Verb
	RemovePassword  bool
	PasswordTyped   bool // a refused form had a password: ask for it again
}

// verbOption is one checkbox of the verbs.
type verbOption struct {
	Verb           skillpath.Verb
	Purpose, When  string
	Checked        bool
	Live           bool // the live settings send it
	NoMasteryScore bool // mastered, on a training without a mastery score
}

// trackingOutbox is the delivery of one training's statements, for
// platform admins (as GET /api/v1/lrs/outbox?training_id=).
type trackingOutbox struct {
	store.OutboxCounts
	Delivery   store.Delivery
	Statements []store.ParkedStatement // a page of the parked statements
	Next       string                  // URL of the next page of them
	First      string
}

// parkedPerPage is how many parked statements the page lists at a time.
const parkedPerPage = 50

func (s *Server) pageTracking(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := s.trackingAccess(r, v.User)
	if err != nil {
		return err
	}
	t, err := s.Store.FindTraining(r.Context(), id)
	if err != nil {
		return err
	}
	p := trackingPage{Training: t}
	if p.Settings, err = s.Store.LRSSettings(r.Context(), id); skillpath.ErrorCode(err) == skillpath.ENOTFOUND {
		p.Settings, err = nil, nil
	} else if err != nil {
		return err
	}
	switch typed, ok := v.Data.(trackingForm); {
	case ok:
		p.Form = typed
	case p.Settings != nil:
		p.Form = trackingForm{Endpoint: p.Settings.Endpoint, Login: p.Settings.Login, Verbs: p.Settings.Verbs}
	default:
		p.Form = trackingForm{Verbs: skillpath.Verbs} // a first setup offers every statement
	}
	for _, verb := range skillpath.Verbs {
		o := verbOption{Verb: verb, Purpose: verbHelp[verb].Purpose, When: verbHelp[verb].When, Checked: slices.Contains(p.Form.Verbs, verb),
			NoMasteryScore: verb == skillpath.VerbMastered && t.MasteryScore == nil}
		if p.Settings != nil {
			o.Live = p.Settings.Live.Sends(verb)
		}
		p.Verbs = append(p.Verbs, o)
	}
	if p.Settings != nil && p.Settings.Live != nil && p.Settings.UnpublishedChanges {
		p.Changes = changes(p.Settings)
	}
	if v.User.PlatformAdmin {
		if p.Outbox, err = s.trainingOutbox(r, id); err != nil {
			return err
		}
	}
	v.Title, v.Data = "Results tracking: "+t.Title, p
	return s.render(w, r, v, "tracking.html")
}

// trainingOutbox reads the delivery state and a page of parked statements
// (query parameter after) of one training.
func (s *Server) trainingOutbox(r *http.Request, id skillpath.ID) (*trackingOutbox, error) {
	o := &trackingOutbox{}
	var err error
	if o.OutboxCounts, err = s.Store.CountOutbox(r.Context(), id); err != nil {
		return nil, err
	}
	if o.Delivery, err = s.Store.TrainingDelivery(r.Context(), id); err != nil {
		return nil, err
	}
	after := r.URL.Query().Get("after")
	var next string
	o.Statements, next, err = s.Store.ParkedStatements(r.Context(), id, parkedPerPage, after)
	if skillpath.ErrorCode(err) == skillpath.EINVALID { // a mistyped cursor: the first page
		after = ""
		o.Statements, next, err = s.Store.ParkedStatements(r.Context(), id, parkedPerPage, after)
	}
	if err != nil {
		return nil, err
	}
	if next != "" {
		o.Next = withQuery(r.URL, "after", next) + "#parked"
	}
	if after != "" {
		o.First = withQuery(r.URL, "after", "") + "#parked"
	}
	return o, nil
}

// changes says in words what publishing would change.
func changes(v *store.LRSView) []string {
	var list []string
	live := v.Live
	if v.Endpoint != live.Endpoint {
		list = append(list, "Endpoint: "+live.Endpoint+" → "+v.Endpoint)
	}
	if v.Login != live.Login {
		list = append(list, "Login: "+orNone(live.Login)+" → "+orNone(v.Login))
	}
	var added, dropped []string
	for _, verb := range skillpath.Verbs {
		switch draft, now := v.Sends(verb), live.Sends(verb); {
		case draft && !now:
			added = append(added, string(verb))
		case now && !draft:
			dropped = append(dropped, string(verb))
		}
	}
	if len(added) > 0 {
		list = append(list, "Starts sending: "+strings.Join(added, ", "))
	}
	if len(dropped) > 0 {
		list = append(list, "Stops sending: "+strings.Join(dropped, ", "))
	}
	switch {
	case !v.PasswordChanged:
	case !live.PasswordSet:
		list = append(list, "Password: none → set")
	case !v.PasswordSet:
		list = append(list, "Password: removed")
	default:
		list = append(list, "Password: replaced by a new one")
	}
	return list
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// trackingFields maps the store's field names to the form's element ids.
var trackingFields = map[string]string{"endpoint": "endpoint", "login": "lrs-login", "password": "lrs-password", "verbs": "verbs"}

// pageTrackingSave saves the draft settings (PUT …/lrs). The password is
// kept when left blank (unless the endpoint changes: it is bound to its
// endpoint), replaced when typed, and removed when "Remove the stored
// password" is ticked.
func (s *Server) pageTrackingSave(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := s.trackingAccess(r, v.User)
	if err != nil {
		return err
	}
	f := r.PostForm
	form := trackingForm{Endpoint: f.Get("endpoint"), Login: f.Get("lrs_login"), RemovePassword: f.Get("remove_password") != "",
		Verbs: []skillpath.Verb{}}
	for _, verb := range f["verbs"] {
		form.Verbs = append(form.Verbs, skillpath.Verb(verb))
	}
	in := store.LRSInput{Endpoint: form.Endpoint, Login: form.Login, Verbs: form.Verbs}
	password := f.Get("lrs_password")
	form.PasswordTyped = password != ""
	switch {
	case form.PasswordTyped && form.RemovePassword:
		err = skillpath.Invalid("password", "type a new password or tick “Remove the stored password”, not both")
	case form.PasswordTyped:
		in.Password = &password
	case form.RemovePassword:
		in.Password = new(string)
	}
	var saved *store.LRSView
	if err == nil {
		saved, err = s.saveLRSDraft(r.Context(), id, in)
	}
	if err != nil {
		v.Data = form
		return s.refused(w, r, v, err, trackingFieldOf(err, form.PasswordTyped), s.pageTracking)
	}
	msg := "The draft is saved. Publish the training to apply it."
	if !saved.UnpublishedChanges {
		msg = "The draft is saved; it is the same as what is live."
	}
	if saved.PasswordDropped {
		msg += " The stored password was removed because the endpoint changed: type it again if the new LRS needs it."
	}
	s.flash(w, r, msg)
	return redirect(w, r, trackingURL(id, ""))
}

// trackingFieldOf is the form element a refusal is about.
func trackingFieldOf(err error, passwordTyped bool) string {
	if e, ok := err.(*skillpath.Error); ok {
		if id, ok := trackingFields[strings.SplitN(e.Field, "[", 2)[0]]; ok {
			return id
		}
		if e.Code == skillpath.EUNPROCESSABLE && passwordTyped {
			return trackingFields["password"] // no key to encrypt it with
		}
	}
	return ""
}

func trackingURL(id skillpath.ID, anchor string) string {
	u := "/trainings/" + id.String() + "/tracking"
	if anchor != "" {
		u += "#" + anchor
	}
	return u
}

// pageTrackingPublish publishes the training: its draft settings go live
// (POST /api/v1/trainings/{id}/publish).
func (s *Server) pageTrackingPublish(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := s.trackingAccess(r, v.User)
	if err != nil {
		return err
	}
	if _, err := s.Store.PublishTraining(r.Context(), id); err != nil {
		return s.refused(w, r, v, err, "", s.pageTracking)
	}
	s.flash(w, r, "The training is published: the settings are live.")
	return redirect(w, r, trackingURL(id, ""))
}

// pageTrackingRetry re-queues the training's parked statements, for
// platform admins (POST /api/v1/lrs/outbox/retry).
func (s *Server) pageTrackingRetry(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := s.trackingAccess(r, v.User)
	if err != nil {
		return err
	}
	if err := requirePlatformAdmin(v.User); err != nil {
		return skillpath.Errorf(skillpath.EFORBIDDEN, "Only platform admins may retry parked statements.")
	}
	n, err := s.Store.RetryParked(r.Context(), nil, id)
	if err != nil {
		return err
	}
	switch n {
	case 0:
		s.flash(w, r, "No statement was parked: nothing to retry.")
	case 1:
		s.flash(w, r, "1 parked statement is queued again.")
	default:
		s.flash(w, r, strconv.Itoa(n)+" parked statements are queued again.")
	}
	return redirect(w, r, trackingURL(id, "delivery"))
}
