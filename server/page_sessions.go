package server

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"skillpath"
	"skillpath/status"
	"skillpath/store"
)

// The sessions pages (SPEC §6, issue 15): a training's sessions (create,
// and record a purchase), and one session (edit, archive, delete after a
// preview and a second confirmation, its enrollments: assign chosen users
// or whole groups at once, delete one). Sessions are the platform admins',
// as in the API; a group admin sees a session's page with the learners of
// their groups only, and assigns and removes them (as the enrollment API).
func (s *Server) pagesSessions() {
	s.page("GET /trainings/{id}/sessions", s.pageSessions)
	s.page("POST /trainings/{id}/sessions", s.pageSessionCreate)
	s.page("POST /trainings/{id}/purchases", s.pagePurchase)
	s.page("GET /sessions/{id}", s.pageSession)
	s.page("POST /sessions/{id}", s.pageSessionEdit)
	s.page("POST /sessions/{id}/archive", s.pageSessionArchive)
	s.page("GET /sessions/{id}/delete", s.pageSessionDeletePreview)
	s.page("POST /sessions/{id}/delete", s.pageSessionDelete)
	s.page("POST /sessions/{id}/enroll", s.pageSessionEnroll)
	s.page("POST /sessions/{id}/enrollments/{enrollment_id}/delete", s.pageEnrollmentDelete)
}

// dateTimeLocal is the format of an <input type="datetime-local">, read
// and shown in the platform's time zone.
const dateTimeLocal = "2006-01-02T15:04"

// sessionForm is the create/edit form as shown: typed text kept on refusal.
type sessionForm struct {
	Name, StartsAt, EndsAt string
	AutoReenroll           bool
}

func (s *Server) sessionFormOf(se *skillpath.Session) sessionForm {
	f := sessionForm{Name: se.Name, StartsAt: se.StartsAt.In(s.Store.Zone).Format(dateTimeLocal), AutoReenroll: se.AutoReenroll}
	if se.EndsAt != nil {
		f.EndsAt = se.EndsAt.In(s.Store.Zone).Format(dateTimeLocal)
	}
	return f
}

// readSessionForm reads the form into a session, or the field at fault.
func (s *Server) readSessionForm(r *http.Request, se *skillpath.Session) (sessionForm, error) {
	f := sessionForm{Name: strings.TrimSpace(r.PostForm.Get("name")), StartsAt: r.PostForm.Get("starts_at"),
		EndsAt: r.PostForm.Get("ends_at"), AutoReenroll: r.PostForm.Get("auto_reenroll") != ""}
	se.Name, se.AutoReenroll = f.Name, f.AutoReenroll
	start, err := time.ParseInLocation(dateTimeLocal, f.StartsAt, s.Store.Zone)
	if err != nil {
		return f, skillpath.Invalid("starts_at", "Enter the start as a date and time.")
	}
	se.StartsAt, se.EndsAt = start, nil
	if f.EndsAt != "" {
		end, err := time.ParseInLocation(dateTimeLocal, f.EndsAt, s.Store.Zone)
		if err != nil {
			return f, skillpath.Invalid("ends_at", "Enter the end as a date and time, or leave it empty.")
		}
		se.EndsAt = &end
	}
	return f, nil
}

// sessionStateLabels name the session states on the pages.
var sessionStateLabels = map[status.Session]string{status.SessionNotStarted: "Not started", status.SessionOngoing: "Ongoing",
	status.SessionEnded: "Ended", status.SessionArchived: "Archived"}

// sessionRow is one session in a training's list.
type sessionRow struct {
	*skillpath.Session
	State       status.Session
	StateLabel  string
	Enrollments int
}

type sessionsPage struct {
	Training *skillpath.Training
	Sessions []sessionRow
	Form     sessionForm
	Email    string // the purchase form's, kept on refusal
}

func (s *Server) pageSessions(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := adminPathID(r, v.User, "training")
	if err != nil {
		return err
	}
	t, err := s.Store.FindTraining(r.Context(), id)
	if err != nil {
		return err
	}
	list, err := s.Store.ListSessions(r.Context(), id)
	if err != nil {
		return err
	}
	counts, err := s.Store.SessionCounts(r.Context(), id)
	if err != nil {
		return err
	}
	p := sessionsPage{Training: t, Form: sessionForm{StartsAt: s.now().In(s.Store.Zone).Format(dateTimeLocal)}}
	for _, se := range list {
		st := status.SessionState(se.StartsAt, se.EndsAt, se.ArchivedAt != nil, s.now())
		p.Sessions = append(p.Sessions, sessionRow{Session: se, State: st, StateLabel: sessionStateLabels[st], Enrollments: counts[se.ID]})
	}
	switch d := v.Data.(type) {
	case sessionForm:
		p.Form = d
	case string:
		p.Email = d
	}
	v.Title, v.Data = "Sessions of "+t.Title, p
	return s.render(w, r, v, "sessions.html")
}

func (s *Server) pageSessionCreate(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := adminPathID(r, v.User, "training")
	if err != nil {
		return err
	}
	se := &skillpath.Session{TrainingID: id}
	f, err := s.readSessionForm(r, se)
	if err == nil {
		err = s.Store.CreateSession(r.Context(), se)
	}
	if err != nil {
		v.Data = f
		return s.refused(w, r, v, err, fieldAnchor(err, "session-"), s.pageSessions)
	}
	s.flash(w, r, fmt.Sprintf("Session %q is created.", se.Name))
	return redirect(w, r, "/sessions/"+se.ID.String())
}

// fieldAnchor is the element id of the field an error names, prefixed.
func fieldAnchor(err error, prefix string) string {
	if e, ok := err.(*skillpath.Error); ok && e.Field != "" {
		return prefix + strings.ReplaceAll(e.Field, "_", "-")
	}
	return ""
}

// pagePurchase records that the learner with the email bought the training
// (SPEC §1, commerce), from the path's sessions page, which is the
// platform admins' (group admins record purchases through the API).
func (s *Server) pagePurchase(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := adminPathID(r, v.User, "training")
	if err != nil {
		return err
	}
	email := strings.TrimSpace(r.PostForm.Get("email"))
	v.Data = email
	var u *skillpath.User
	if email == "" {
		err = skillpath.Invalid("email", "Enter the email of the person who bought the path.")
	} else if u, err = s.Store.FindUserByEmail(r.Context(), email); err == nil && u.Status == skillpath.UserDeleted {
		err = skillpath.Invalid("email", "%s belongs to a deleted user, who cannot buy or enroll.", email)
	} else if skillpath.ErrorCode(err) == skillpath.ENOTFOUND {
		err = skillpath.Invalid("email", "No user has the email %q.", email)
	}
	if err != nil {
		return s.refused(w, r, v, err, "purchase-email", s.pageSessions)
	}
	if err := s.Store.RecordPurchase(r.Context(), id, u.ID, v.User.ID); err != nil {
		return s.refused(w, r, v, err, "purchase-email", s.pageSessions)
	}
	s.flash(w, r, fmt.Sprintf("The purchase by %s is recorded: they may now enroll.", u.Name))
	return redirect(w, r, "/trainings/"+id.String()+"/sessions")
}

// sessionPage is one session with its enrollments.
type sessionPage struct {
	Session     *skillpath.Session
	Training    *skillpath.Training
	State       status.Session
	StateLabel  string
	Form        sessionForm
	Enrollments []store.SessionEnrollment
	First, Next string
	Query       string            // the user search
	Found       []*skillpath.User // users matching it
	Groups      []groupOption
	// ArchiveAsked is set when archiving an automatic re-enrollment
	// session waits for its confirmation: how many learners it will no
	// longer re-enroll (issue 13, fault 6).
	ArchiveAsked *archivePreview
}

// archivePreview is what archiving an automatic re-enrollment session ends.
type archivePreview struct{ Ended int }

// groupOption is one group of the assignment's list, indented by depth.
type groupOption struct {
	ID    skillpath.ID
	Label string
}

// groupOptions lists the groups as a tree, each under its parent.
func groupOptions(groups []*skillpath.Group) []groupOption {
	children := map[skillpath.ID][]*skillpath.Group{}
	for _, g := range groups {
		var parent skillpath.ID
		if g.ParentID != nil {
			parent = *g.ParentID
		}
		children[parent] = append(children[parent], g)
	}
	var out []groupOption
	var walk func(parent skillpath.ID, depth int)
	walk = func(parent skillpath.ID, depth int) {
		list := children[parent]
		slices.SortFunc(list, func(a, b *skillpath.Group) int { return strings.Compare(a.Name, b.Name) })
		for _, g := range list {
			out = append(out, groupOption{ID: g.ID, Label: strings.Repeat("— ", depth) + g.Name})
			walk(g.ID, depth+1)
		}
	}
	walk(0, 0)
	return out
}

// enrollmentsPerPage is how many enrollments the session page lists at a time.
const enrollmentsPerPage = 100

// requireSessionAssigner lets platform admins and group admins in.
func requireSessionAssigner(v *view) error {
	if !v.Roles.PlatformAdmin && !v.Roles.GroupAdmin {
		return skillpath.Errorf(skillpath.EFORBIDDEN, "Only platform admins and group admins enroll learners.")
	}
	return nil
}

func (s *Server) pageSession(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requireSessionAssigner(v); err != nil {
		return err
	}
	se, t, err := s.pathSessionTraining(r)
	if err != nil {
		return err
	}
	id := se.ID
	q := r.URL.Query()
	after := q.Get("after")
	p := sessionPage{Session: se, Training: t, State: status.SessionState(se.StartsAt, se.EndsAt, se.ArchivedAt != nil, s.now()),
		Form: s.sessionFormOf(se), Query: strings.TrimSpace(q.Get("q"))}
	p.StateLabel = sessionStateLabels[p.State]
	switch d := v.Data.(type) {
	case sessionForm:
		p.Form = d
	case archivePreview:
		p.ArchiveAsked = &d
	}
	var next string
	if p.Enrollments, next, err = s.Store.SessionEnrollments(r.Context(), v.User, id, after, enrollmentsPerPage); err != nil {
		return err
	}
	base := "/sessions/" + id.String()
	if next != "" {
		p.Next = base + "?after=" + url.QueryEscape(next) + "#enrollments"
	}
	if after != "" {
		p.First = base + "#enrollments"
	}
	if p.Query != "" && v.User.PlatformAdmin { // a group admin assigns whole groups: the user search is not scoped
		if p.Found, _, err = s.Store.ListUsers(r.Context(), store.UserFilter{Query: p.Query, Status: skillpath.UserActive, Limit: 50}); err != nil {
			return err
		}
	}
	groups, err := s.Store.ListGroups(r.Context())
	if err != nil {
		return err
	}
	if !v.User.PlatformAdmin {
		mine, err := s.Store.AdministeredGroups(r.Context(), v.User.ID)
		if err != nil {
			return err
		}
		groups = slices.DeleteFunc(groups, func(g *skillpath.Group) bool { return !mine[g.ID] })
		for _, g := range groups {
			if g.ParentID != nil && !mine[*g.ParentID] {
				g.ParentID = nil // the top of what they administer
			}
		}
	}
	p.Groups = groupOptions(groups)
	v.Title, v.Data = "Session "+se.Name, p
	return s.render(w, r, v, "session.html")
}

func (s *Server) pageSessionEdit(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return err
	}
	se, err := s.pathSession(r)
	if err != nil {
		return err
	}
	id := se.ID
	f, err := s.readSessionForm(r, se)
	if err == nil {
		err = s.Store.UpdateSession(r.Context(), se)
	}
	if err != nil {
		v.Data = f
		return s.refused(w, r, v, err, fieldAnchor(err, "session-"), s.pageSession)
	}
	s.flash(w, r, "The session is saved.")
	return redirect(w, r, "/sessions/"+id.String())
}

func (s *Server) pageSessionArchive(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return err
	}
	se, err := s.pathSession(r)
	if err != nil {
		return err
	}
	id := se.ID
	// Archiving ends automatic re-enrollment in the session: say for how
	// many learners and ask again, as ?dry_run=true of the API does.
	ended := 0
	if se.AutoReenroll && se.ArchivedAt == nil {
		if ended, err = s.Store.ReenrollmentsEnded(r.Context(), id); err != nil {
			return err
		}
		if r.PostForm.Get("confirm") != "1" {
			v.Data = archivePreview{Ended: ended}
			return s.pageSession(w, r, v)
		}
	}
	if _, err := s.Store.ArchiveSession(r.Context(), id); err != nil {
		return s.refused(w, r, v, err, "", s.pageSession)
	}
	msg := "The session is archived: no one can enroll in it, and its learners no longer count as enrolled in the statistics."
	if se.AutoReenroll {
		msg += fmt.Sprintf(" Automatic re-enrollment ended for %s.", quantity(ended, "learner"))
	}
	s.flash(w, r, msg)
	return redirect(w, r, "/sessions/"+id.String())
}

// sessionDeletePage is the first step of a deletion: what it removes.
type sessionDeletePage struct {
	Session  *skillpath.Session
	Training *skillpath.Training
	store.SessionDeletion
}

func (s *Server) pageSessionDeletePreview(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return err
	}
	se, t, err := s.pathSessionTraining(r)
	if err != nil {
		return err
	}
	id := se.ID
	d, err := s.Store.SessionDeletionPreview(r.Context(), id)
	if err != nil {
		return err
	}
	v.Title, v.Data = "Delete session "+se.Name, sessionDeletePage{Session: se, Training: t, SessionDeletion: d}
	return s.render(w, r, v, "session-delete.html")
}

// pageSessionDelete deletes the session once confirmed on the preview
// (confirm=delete); without it, the preview is shown again.
func (s *Server) pageSessionDelete(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := adminPathID(r, v.User, "session")
	if err != nil {
		return err
	}
	if r.PostForm.Get("confirm") != "delete" {
		return s.refused(w, r, v, skillpath.Invalid("confirm", "Tick the box to confirm the deletion."), "confirm", s.pageSessionDeletePreview)
	}
	se, err := s.Store.FindSession(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteSession(r.Context(), id); err != nil {
		return err
	}
	s.flash(w, r, fmt.Sprintf("Session %q is deleted, with its enrollments.", se.Name))
	return redirect(w, r, "/trainings/"+se.TrainingID.String()+"/sessions")
}

// pageSessionEnroll assigns the users and groups ticked (user_id,
// group_id) at once (store.EnrollMany) and says who was skipped and why.
func (s *Server) pageSessionEnroll(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requireSessionAssigner(v); err != nil {
		return err
	}
	id, err := pathID(r, "id", "session")
	if err != nil {
		return err
	}
	var users, groups []skillpath.ID
	for name, list := range map[string]*[]skillpath.ID{"user_id": &users, "group_id": &groups} {
		for _, value := range r.PostForm[name] {
			n, ok := skillpath.ParseID(value)
			if !ok {
				return s.refused(w, r, v, skillpath.Invalid(name, "%q is not an id.", value), "assign", s.pageSession)
			}
			*list = append(*list, n)
		}
	}
	if len(users) == 0 && len(groups) == 0 {
		return s.refused(w, r, v, skillpath.Invalid("user_id", "Tick users or choose groups first."), "assign", s.pageSession)
	}
	res, err := s.Store.EnrollMany(r.Context(), id, v.User, users, groups)
	if err != nil {
		return s.refused(w, r, v, err, "assign", s.pageSession)
	}
	msg := "Enrolled " + quantity(res.Enrolled, "learner") + "."
	if len(res.Skipped) > 0 {
		reasons := map[skillpath.SkipReason]int{}
		for _, sk := range res.Skipped {
			reasons[sk.Reason]++
		}
		var parts []string
		for _, r := range []struct {
			reason skillpath.SkipReason
			words  string
		}{{skillpath.SkipAlreadyEnrolled, "already enrolled"}, {skillpath.SkipDeleted, "deleted"}, {skillpath.SkipOutsideGroups, "outside your groups"}} {
			if n := reasons[r.reason]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, r.words))
			}
		}
		msg += " Skipped: " + strings.Join(parts, ", ") + "."
	}
	s.flash(w, r, msg)
	return redirect(w, r, "/sessions/"+id.String()+"#enrollments")
}

// pageEnrollmentDelete deletes one enrollment of the session (as DELETE
// /api/v1/enrollments/{id}).
func (s *Server) pageEnrollmentDelete(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requireSessionAssigner(v); err != nil {
		return err
	}
	id, err := pathID(r, "id", "session")
	if err != nil {
		return err
	}
	eid, err := pathID(r, "enrollment_id", "enrollment")
	if err != nil {
		return err
	}
	e, err := s.Store.FindEnrollment(r.Context(), eid)
	if err != nil {
		return err
	}
	if e.SessionID != id {
		return skillpath.Errorf(skillpath.ENOTFOUND, "enrollment %s not found in this session", eid)
	}
	a, err := s.Store.Access(r.Context(), v.User, e.UserID, e.TrainingID)
	if err != nil {
		return err
	}
	switch {
	case !a.CanView():
		return skillpath.Errorf(skillpath.ENOTFOUND, "enrollment %s not found", eid)
	case !a.CanAssign():
		return skillpath.Errorf(skillpath.EFORBIDDEN, "Only platform admins and admins of the learner's groups may delete an enrollment.")
	}
	if err := s.Store.DeleteEnrollment(r.Context(), eid); err != nil {
		return err
	}
	s.flash(w, r, "The enrollment is deleted.")
	return redirect(w, r, "/sessions/"+id.String()+"#enrollments")
}

// pathSession reads the session named by the path's {id}. Returns
// ENOTFOUND for a bad or unknown id.
func (s *Server) pathSession(r *http.Request) (*skillpath.Session, error) {
	id, err := pathID(r, "id", "session")
	if err != nil {
		return nil, err
	}
	return s.Store.FindSession(r.Context(), id)
}

// pathSessionTraining reads the session named by the path's {id} and its
// training. Returns ENOTFOUND for a bad or unknown id.
func (s *Server) pathSessionTraining(r *http.Request) (*skillpath.Session, *skillpath.Training, error) {
	se, err := s.pathSession(r)
	if err != nil {
		return nil, nil, err
	}
	t, err := s.Store.FindTraining(r.Context(), se.TrainingID)
	return se, t, err
}
