package server

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"skillpath"
	"skillpath/store"
)

// The training editor (issue 15): one server-rendered form holding the
// whole tree that POST and PUT /api/v1/trainings take. Buttons named
// action change the form's shape (add, remove or move a module or an
// activity) and show it again without saving; "save" saves the whole tree
// at once, and what the store refuses is shown next to its field (the
// API's field paths, such as modules[1].activities[0].correct, are the
// form's names).

// trainingForm is the editor's form as typed.
type trainingForm struct {
	Title, Price, PassingScore, MasteryScore string
	RequiresApproval                         bool
	CertificateIDs, PrerequisiteIDs          []skillpath.ID
	Authors, Instructors                     string // emails, one a line
	Modules                                  []moduleForm
	Version                                  string // the training's version when the form was opened
}

type moduleForm struct {
	Path, Anchor                 string // "modules[0]", "modules-0"
	ID                           skillpath.ID
	Title, MinScore, MaxAttempts string
	Activities                   []activityForm
	First, Last                  bool
}

type activityForm struct {
	Path, Anchor                          string
	ID                                    skillpath.ID
	Title, Kind, Points, Choices, Correct string
	Body, URL                             string // content pages: Markdown and a link (issue 18)
	ManualScoring                         bool
	First, Last                           bool
}

// fieldID is the element id of a field path: "f-" and the path with
// brackets, dots and underscores as dashes ("f-modules-1-min-score").
func fieldID(path string) string {
	return "f-" + strings.NewReplacer("[", "-", "]", "", ".", "-", "_", "-").Replace(path)
}

// optionalNumber shows an optional number in a field.
func optionalNumber(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

// trainingFormOf is the form of a stored training.
func (s *Server) trainingFormOf(r *http.Request, t *skillpath.Training) (trainingForm, error) {
	f := trainingForm{Title: t.Title, PassingScore: optionalNumber(t.PassingScore), MasteryScore: optionalNumber(t.MasteryScore),
		RequiresApproval: t.RequiresApproval, CertificateIDs: t.CertificateIDs, PrerequisiteIDs: t.PrerequisiteIDs}
	if t.Price != nil {
		f.Price = t.Price.String()
	}
	var err error
	if f.Authors, err = s.emailsOf(r, t.AuthorIDs); err != nil {
		return f, err
	}
	if f.Instructors, err = s.emailsOf(r, t.InstructorIDs); err != nil {
		return f, err
	}
	for _, m := range t.Modules {
		mf := moduleForm{ID: m.ID, Title: m.Title, MinScore: optionalNumber(m.MinScore), MaxAttempts: strconv.Itoa(m.MaxAttempts)}
		for _, a := range m.Activities {
			af := activityForm{ID: a.ID, Title: a.Title, Kind: string(a.Kind), ManualScoring: a.ManualScoring, Choices: strings.Join(a.Choices, "\n"),
				Body: a.Body, URL: a.URL}
			if a.Kind != skillpath.KindContent {
				af.Points = strconv.FormatFloat(a.Points, 'f', -1, 64)
			}
			if a.Correct != nil {
				af.Correct = *a.Correct
			}
			mf.Activities = append(mf.Activities, af)
		}
		f.Modules = append(f.Modules, mf)
	}
	f.number()
	return f, nil
}

func (s *Server) emailsOf(r *http.Request, ids []skillpath.ID) (string, error) {
	var emails []string
	for _, id := range ids {
		u, err := s.Store.FindUser(r.Context(), id)
		if err != nil {
			return "", err
		}
		emails = append(emails, u.Email)
	}
	return strings.Join(emails, "\n"), nil
}

// number sets each row's path, anchor and place after a change of shape.
func (f *trainingForm) number() {
	for i := range f.Modules {
		m := &f.Modules[i]
		m.Path = fmt.Sprintf("modules[%d]", i)
		m.Anchor = fieldID(m.Path)[2:]
		m.First, m.Last = i == 0, i == len(f.Modules)-1
		for j := range m.Activities {
			a := &m.Activities[j]
			a.Path = fmt.Sprintf("%s.activities[%d]", m.Path, j)
			a.Anchor = fieldID(a.Path)[2:]
			a.First, a.Last = j == 0, j == len(m.Activities)-1
		}
	}
}

// readTrainingForm reads the posted editor.
func readTrainingForm(r *http.Request) trainingForm {
	pf := r.PostForm
	get := func(name string) string { return strings.TrimSpace(pf.Get(name)) }
	f := trainingForm{Title: get("title"), Price: get("price"), PassingScore: get("passing_score"), MasteryScore: get("mastery_score"),
		RequiresApproval: pf.Get("requires_approval") != "", Authors: pf.Get("authors"), Instructors: pf.Get("instructors"), Version: get("version")}
	for name, list := range map[string]*[]skillpath.ID{"certificate_ids": &f.CertificateIDs, "prerequisite_ids": &f.PrerequisiteIDs} {
		for _, v := range pf[name] {
			if id, ok := skillpath.ParseID(v); ok {
				*list = append(*list, id)
			}
		}
	}
	for i := 0; ; i++ {
		p := fmt.Sprintf("modules[%d]", i)
		if _, ok := pf[p+".title"]; !ok {
			break
		}
		m := moduleForm{Title: get(p + ".title"), MinScore: get(p + ".min_score"), MaxAttempts: get(p + ".max_attempts")}
		m.ID, _ = skillpath.ParseID(pf.Get(p + ".id"))
		for j := 0; ; j++ {
			ap := fmt.Sprintf("%s.activities[%d]", p, j)
			if _, ok := pf[ap+".title"]; !ok {
				break
			}
			a := activityForm{Title: get(ap + ".title"), Kind: get(ap + ".kind"), Points: get(ap + ".points"),
				ManualScoring: pf.Get(ap+".manual_scoring") != "", Choices: pf.Get(ap + ".choices"), Correct: get(ap + ".correct"),
				Body: strings.ReplaceAll(pf.Get(ap+".body"), "\r\n", "\n"), URL: get(ap + ".url")}
			a.ID, _ = skillpath.ParseID(pf.Get(ap + ".id"))
			m.Activities = append(m.Activities, a)
		}
		f.Modules = append(f.Modules, m)
	}
	f.number()
	return f
}

// rowPath reads "modules[i]" or "modules[i].activities[j]" (j = -1 for a module).
var rowPath = regexp.MustCompile(`^modules\[(\d+)\](?:\.activities\[(\d+)\])?$`)

// reshape applies a shape action ("add-module", "add-activity:PATH",
// "remove:PATH", "up:PATH", "down:PATH") to the form; false when the
// action is unknown or names no row.
func (f *trainingForm) reshape(action string) bool {
	verb, path, _ := strings.Cut(action, ":")
	if verb == "add-module" {
		f.Modules = append(f.Modules, moduleForm{MaxAttempts: "1", Activities: []activityForm{{Kind: string(skillpath.KindContent)}}})
		f.number()
		return true
	}
	m := rowPath.FindStringSubmatch(path)
	if m == nil {
		return false
	}
	i, _ := strconv.Atoi(m[1])
	if i >= len(f.Modules) {
		return false
	}
	j := -1
	if m[2] != "" {
		j, _ = strconv.Atoi(m[2])
		if j >= len(f.Modules[i].Activities) {
			return false
		}
	}
	mod := &f.Modules[i]
	switch {
	case verb == "add-activity" && j < 0:
		mod.Activities = append(mod.Activities, activityForm{Kind: string(skillpath.KindContent)})
	case verb == "remove" && j < 0:
		f.Modules = slices.Delete(f.Modules, i, i+1)
	case verb == "remove":
		mod.Activities = slices.Delete(mod.Activities, j, j+1)
	case verb == "up" && j < 0 && i > 0:
		f.Modules[i-1], f.Modules[i] = f.Modules[i], f.Modules[i-1]
	case verb == "down" && j < 0 && i+1 < len(f.Modules):
		f.Modules[i+1], f.Modules[i] = f.Modules[i], f.Modules[i+1]
	case verb == "up" && j > 0:
		mod.Activities[j-1], mod.Activities[j] = mod.Activities[j], mod.Activities[j-1]
	case verb == "down" && j >= 0 && j+1 < len(mod.Activities):
		mod.Activities[j+1], mod.Activities[j] = mod.Activities[j], mod.Activities[j+1]
	default:
		return false
	}
	f.number()
	return true
}

// optionalFloat reads an optional number of a field.
func optionalFloat(field, v string) (*float64, error) {
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return nil, skillpath.Invalid(field, "Enter a number, such as 80 or 75.5, or leave it empty.")
	}
	return &n, nil
}

// trainingOf turns the form into a training as the API's input.Training.Domain
// would, or names the field at fault.
func (s *Server) trainingOf(r *http.Request, f trainingForm) (*skillpath.Training, error) {
	t := &skillpath.Training{Title: f.Title, CertificateIDs: f.CertificateIDs, PrerequisiteIDs: f.PrerequisiteIDs,
		RequiresApproval: f.RequiresApproval, Modules: []*skillpath.Module{}}
	if t.CertificateIDs == nil {
		t.CertificateIDs = []skillpath.ID{}
	}
	if t.PrerequisiteIDs == nil {
		t.PrerequisiteIDs = []skillpath.ID{}
	}
	var err error
	if f.Price != "" {
		var p skillpath.Price
		if err := p.UnmarshalJSON([]byte(f.Price)); err != nil {
			return nil, skillpath.Invalid("price", "Enter the price as an amount such as 49 or 49.90, or leave it empty for a free path.")
		}
		if p != 0 {
			t.Price = &p
		}
	}
	if t.PassingScore, err = optionalFloat("passing_score", f.PassingScore); err != nil {
		return nil, err
	}
	if t.MasteryScore, err = optionalFloat("mastery_score", f.MasteryScore); err != nil {
		return nil, err
	}
	if t.AuthorIDs, err = s.usersByEmail(r, "author_ids", f.Authors); err != nil {
		return nil, err
	}
	if t.InstructorIDs, err = s.usersByEmail(r, "instructor_ids", f.Instructors); err != nil {
		return nil, err
	}
	for _, mf := range f.Modules {
		m := &skillpath.Module{ID: mf.ID, Title: mf.Title, MaxAttempts: 1, Activities: []*skillpath.Activity{}}
		if m.MinScore, err = optionalFloat(mf.Path+".min_score", mf.MinScore); err != nil {
			return nil, err
		}
		if mf.MaxAttempts != "" {
			if m.MaxAttempts, err = strconv.Atoi(mf.MaxAttempts); err != nil {
				return nil, skillpath.Invalid(mf.Path+".max_attempts", "Enter a whole number (0 for unlimited).")
			}
		}
		for _, af := range mf.Activities {
			a := &skillpath.Activity{ID: af.ID, Title: af.Title, Kind: skillpath.ActivityKind(af.Kind), ManualScoring: af.ManualScoring,
				Body: af.Body, URL: af.URL}
			points, err := optionalFloat(af.Path+".points", af.Points)
			if err != nil {
				return nil, err
			}
			if points != nil {
				a.Points = *points
			}
			a.ApplyDefaults(points != nil)
			for _, line := range strings.Split(af.Choices, "\n") {
				if line = strings.TrimSpace(line); line != "" {
					a.Choices = append(a.Choices, line)
				}
			}
			if af.Correct != "" {
				c := af.Correct
				a.Correct = &c
			}
			m.Activities = append(m.Activities, a)
		}
		t.Modules = append(t.Modules, m)
	}
	return t, nil
}

// usersByEmail reads emails (one a line, or separated by commas) as users.
func (s *Server) usersByEmail(r *http.Request, field, text string) ([]skillpath.ID, error) {
	ids := []skillpath.ID{}
	for _, email := range strings.FieldsFunc(text, func(c rune) bool { return c == '\n' || c == ',' || c == '\r' || c == ' ' || c == ';' }) {
		u, err := s.Store.FindUserByEmail(r.Context(), email)
		if skillpath.ErrorCode(err) == skillpath.ENOTFOUND {
			return nil, skillpath.Invalid(field, "No user has the email %q.", email)
		} else if err != nil {
			return nil, err
		}
		if !slices.Contains(ids, u.ID) {
			ids = append(ids, u.ID)
		}
	}
	return ids, nil
}

// editorPage is the training editor.
type editorPage struct {
	Training     *skillpath.Training // nil for a new one
	Form         trainingForm
	Certificates []*skillpath.Certificate
	Trainings    []store.TrainingSummary // the possible prerequisites
	Kinds        []skillpath.ActivityKind
	CanPublish   bool
	Publishing   []string // what publishing would change now
	Tracking     bool     // results tracking is set up
	Attachments  []attachmentRow
}

// editorPage gathers what the editor's choices need beside the form.
func (s *Server) editorPage(r *http.Request, t *skillpath.Training, f trainingForm) (editorPage, error) {
	p := editorPage{Training: t, Form: f, Kinds: []skillpath.ActivityKind{skillpath.KindContent, skillpath.KindChoice, skillpath.KindText}}
	var err error
	if p.Certificates, err = s.Store.ListCertificates(r.Context()); err != nil {
		return p, err
	}
	all, err := s.Store.ListTrainings(r.Context())
	if err != nil {
		return p, err
	}
	for _, o := range all {
		if t == nil || o.ID != t.ID {
			p.Trainings = append(p.Trainings, o)
		}
	}
	if t != nil {
		settings, err := s.Store.LRSSettings(r.Context(), t.ID)
		switch {
		case skillpath.ErrorCode(err) == skillpath.ENOTFOUND:
		case err != nil:
			return p, err
		default:
			p.Tracking = true
			if settings.Live == nil {
				p.Publishing = []string{"Results tracking starts: statements go to " + settings.Endpoint + "."}
			} else if settings.UnpublishedChanges {
				p.Publishing = changes(settings)
			}
		}
	}
	return p, nil
}

// trainingEditor checks that the caller may edit the training: platform
// admins all, authors theirs.
func (s *Server) trainingEditor(r *http.Request, v *view) (*skillpath.Training, error) {
	id, err := pathID(r, "id", "training")
	if err != nil {
		return nil, err
	}
	t, err := s.Store.FindTraining(r.Context(), id)
	if err != nil {
		return nil, err
	}
	a, err := s.Store.Access(r.Context(), v.User, 0, id)
	if err != nil {
		return nil, err
	}
	if !a.PlatformAdmin && !a.Author {
		return nil, skillpath.Errorf(skillpath.EFORBIDDEN, "Only platform admins and the path's authors may edit it.")
	}
	return t, nil
}

func (s *Server) renderEditor(w http.ResponseWriter, r *http.Request, v *view, t *skillpath.Training, f trainingForm) error {
	p, err := s.editorPage(r, t, f)
	if err != nil {
		return err
	}
	p.CanPublish = t != nil
	if t != nil {
		list, err := s.Store.ListAttachments(r.Context(), t.ID)
		if err != nil {
			return err
		}
		for _, a := range list {
			p.Attachments = append(p.Attachments, attachmentRow{Attachment: a, Markdown: attachmentMarkdown(a)})
		}
	}
	v.Title = "New training"
	if t != nil {
		v.Title = "Edit " + t.Title
	}
	v.Data = p
	return s.render(w, r, v, "catalog-training.html")
}

func (s *Server) pageTrainingNew(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return err
	}
	f := trainingForm{Modules: []moduleForm{{MaxAttempts: "1", Activities: []activityForm{{Kind: string(skillpath.KindContent)}}}}}
	if typed, ok := v.Data.(trainingForm); ok {
		f = typed
	}
	f.number()
	return s.renderEditor(w, r, v, nil, f)
}

func (s *Server) pageTrainingEdit(w http.ResponseWriter, r *http.Request, v *view) error {
	version := s.editorVersion(r)
	t, err := s.trainingEditor(r, v)
	if err != nil {
		return err
	}
	f, ok := v.Data.(trainingForm)
	if !ok {
		if f, err = s.trainingFormOf(r, t); err != nil {
			return err
		}
		f.Version = version
	}
	return s.renderEditor(w, r, v, t, f)
}

// editorAction reshapes the form (and shows it again) or saves it through
// save; a refusal is shown next to its field. saved reports that the
// training was saved and nothing is answered yet.
func (s *Server) editorAction(w http.ResponseWriter, r *http.Request, v *view, again pageFunc, save func(*skillpath.Training) error) (saved bool, err error) {
	f := readTrainingForm(r)
	v.Data = f
	action := r.PostForm.Get("action")
	if action != "save" {
		if !f.reshape(action) {
			return false, s.refused(w, r, v, skillpath.Invalid("action", "Unknown change %q.", action), "", again)
		}
		v.Data = f
		return false, again(w, r, v)
	}
	t, err := s.trainingOf(r, f)
	if err == nil {
		err = save(t)
	}
	if err != nil {
		anchor := ""
		if e, ok := err.(*skillpath.Error); ok && e.Field != "" {
			anchor = fieldID(e.Field)
		} else if skillpath.ErrorCode(err) == skillpath.ECONFLICT {
			anchor = "f-modules" // a module or activity with learners' work cannot be removed
		}
		return false, s.refused(w, r, v, err, anchor, again)
	}
	return true, nil
}

func (s *Server) pageTrainingNewPost(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return err
	}
	var created *skillpath.Training
	saved, err := s.editorAction(w, r, v, s.pageTrainingNew, func(t *skillpath.Training) error {
		created = t
		return s.Store.CreateTraining(r.Context(), t)
	})
	if err != nil || !saved {
		return err
	}
	s.flash(w, r, fmt.Sprintf("Training %q is created. Open a session to enroll learners.", created.Title))
	return redirect(w, r, "/catalog/trainings/"+created.ID.String())
}

func (s *Server) pageTrainingEditPost(w http.ResponseWriter, r *http.Request, v *view) error {
	old, err := s.trainingEditor(r, v)
	if err != nil {
		return err
	}
	saved, err := s.editorAction(w, r, v, s.pageTrainingEdit, func(t *skillpath.Training) error {
		t.ID = old.ID
		return s.saveEditedTraining(r, v.User, old, t)
	})
	if err != nil || !saved {
		return err
	}
	s.flash(w, r, "The training is saved; learners see the change at once.")
	return redirect(w, r, "/catalog/trainings/"+old.ID.String())
}

// pageTrainingPublish publishes the training (POST
// /api/v1/trainings/{id}/publish): what it holds until then — the results
// tracking settings — applies.
func (s *Server) pageTrainingPublish(w http.ResponseWriter, r *http.Request, v *view) error {
	t, err := s.trainingEditor(r, v)
	if err != nil {
		return err
	}
	if _, err := s.Store.PublishTraining(r.Context(), t.ID); err != nil {
		return err
	}
	s.flash(w, r, fmt.Sprintf("Training %q is published.", t.Title))
	return redirect(w, r, "/catalog/trainings/"+t.ID.String())
}

// HasCertificate reports whether the form grants the certificate.
func (f trainingForm) HasCertificate(id skillpath.ID) bool {
	return slices.Contains(f.CertificateIDs, id)
}

// HasPrerequisite reports whether the form lists the prerequisite.
func (f trainingForm) HasPrerequisite(id skillpath.ID) bool {
	return slices.Contains(f.PrerequisiteIDs, id)
}
