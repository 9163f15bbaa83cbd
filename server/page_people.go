package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"skillpath"
	"skillpath/store"
)

// The people pages (SPEC §6, issue 14): the users in the caller's scope,
// searched, filtered, sorted and paged; a user's page; creating, editing
// and deleting users. Platform admins see and change everyone; a group's
// admins and coaches see the learners of their groups and subgroups, and
// change nobody here (as in the API: users are created, edited and
// deleted by platform admins).
func (s *Server) pagesPeople() {
	s.page("GET /people", s.pagePeople)
	s.page("GET /people/new", s.pagePersonNew)
	s.page("POST /people/new", s.pagePersonCreate)
	s.page("GET /people/{id}", s.pagePerson)
	s.page("GET /people/{id}/edit", s.pagePersonEdit)
	s.page("POST /people/{id}/edit", s.pagePersonSave)
	s.page("GET /people/{id}/delete", s.pagePersonDelete)
	s.page("POST /people/{id}/delete", s.pagePersonDeleteConfirm)
	s.page("POST /people/{id}/purchases", s.pagePersonPurchase)
	s.pagesImport()
	s.pagesGroups()
}

// peopleStaff refuses the people pages to those who follow no group.
func peopleStaff(v *view) error {
	if v.Roles.PlatformAdmin || v.Roles.GroupAdmin || v.Roles.Coach {
		return nil
	}
	return skillpath.Errorf(skillpath.EFORBIDDEN, "Only platform admins and the admins and coaches of groups see people.")
}

// peoplePageSize is how many users one page of /people lists.
const peoplePageSize = 50

// peopleView is the people list.
type peopleView struct {
	Q, Status, Sort, FieldKey, FieldValue string
	Groups                                []groupChoice
	Sorts                                 []sortChoice
	Rows                                  []personLine
	First, Next                           string
	CanManage                             bool
	Filtered                              bool
}

type sortChoice struct {
	Value, Label string
	Selected     bool
}

// personLine is a user in the list, with their groups' names.
type personLine struct {
	*skillpath.User
	Groups string
}

var sortLabels = map[string]string{"name": "Name, A to Z", "-name": "Name, Z to A", "email": "Email, A to Z", "-email": "Email, Z to A",
	"registered_at": "Registered, oldest first", "-registered_at": "Registered, newest first"}

func (s *Server) pagePeople(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := peopleStaff(v); err != nil {
		return err
	}
	q := r.URL.Query()
	d := &peopleView{Q: q.Get("q"), Status: q.Get("status"), Sort: q.Get("sort"), CanManage: v.User.PlatformAdmin}
	if d.Status == "" {
		d.Status = string(skillpath.UserActive)
	}
	if d.Sort == "" {
		d.Sort = "name"
	}
	f := store.PeopleFilter{Caller: v.User, Query: d.Q, Sort: d.Sort, After: q.Get("after"), Limit: peoplePageSize}
	var refusal error
	switch d.Status {
	case "active", "deleted":
		f.Status = skillpath.UserStatus(d.Status)
	case "all":
	default:
		refusal = skillpath.Invalid("status", "must be active, deleted or all")
	}
	for k, vs := range q {
		if key, ok := strings.CutPrefix(k, "field."); ok && len(vs) > 0 && vs[0] != "" {
			d.FieldKey, d.FieldValue = key, vs[0]
			f.FieldKey, f.FieldValue = key, vs[0]
		}
	}
	if k := q.Get("field_key"); k != "" { // the filter form's two inputs
		d.FieldKey, d.FieldValue = k, q.Get("field_value")
		f.FieldKey, f.FieldValue = k, q.Get("field_value")
	}
	var chosen []skillpath.ID
	for _, g := range q["group"] {
		if g == "" {
			continue
		}
		id, ok := skillpath.ParseID(g)
		if !ok {
			refusal = skillpath.Invalid("group", "%q is not a group", g)
			continue
		}
		chosen = append(chosen, id)
	}
	f.GroupIDs = chosen
	d.Filtered = d.Q != "" || len(chosen) > 0 || f.FieldKey != "" || d.Status != "active"
	groups, err := s.Store.ListGroups(r.Context())
	if err != nil {
		return err
	}
	_, flat, byID := orgTree(groups)
	if !v.User.PlatformAdmin {
		scope, err := s.Store.StaffedGroups(r.Context(), v.User.ID)
		if err != nil {
			return err
		}
		flat = slices.DeleteFunc(flat, func(n *orgNode) bool { _, ok := scope[n.ID]; return !ok })
	}
	d.Groups = groupChoices(flat, chosen)
	if refusal == nil {
		refusal = peopleFilterRefusal(flat, chosen, f.FieldKey)
	}
	for _, k := range store.PeopleSorts {
		d.Sorts = append(d.Sorts, sortChoice{Value: k, Label: sortLabels[k], Selected: k == d.Sort})
	}
	v.Title, v.Data = "People", d
	if refusal == nil {
		users, next, err := s.Store.People(r.Context(), f)
		refusal = err
		if err == nil {
			for _, u := range users {
				d.Rows = append(d.Rows, personLine{User: u, Groups: groupNames(u.GroupIDs, byID)})
			}
			if next != "" {
				d.Next = withQuery(r.URL, "after", next)
			}
			if f.After != "" {
				d.First = withQuery(r.URL, "after", "")
			}
		}
	}
	if refusal != nil {
		var e *skillpath.Error
		if !errors.As(refusal, &e) || e.Code != skillpath.EINVALID {
			return refusal
		}
		v.Error, v.ErrorFor, v.Status = skillpath.ErrorMessage(refusal), "people-filters", http.StatusBadRequest
		if e.Field == "after" {
			v.Error = "This link to a page of the list is not valid (any more): start again from the first page."
		}
	}
	return s.render(w, r, v, "people.html")
}

// groupNames lists the groups' paths, comma-separated.
func groupNames(ids []skillpath.ID, byID map[skillpath.ID]*orgNode) string {
	names := make([]string, 0, len(ids))
	for _, id := range ids {
		if n := byID[id]; n != nil {
			names = append(names, n.Path)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// personView is a user's page.
type personView struct {
	User         *skillpath.User
	Groups       []string
	Fields       []fieldLine
	Roles        []staffLine
	Enrollments  []store.EnrollmentSummary
	Certificates []store.HeldCertificate
	CanManage    bool
	// ToBuy are the paid trainings the person has not bought, when the
	// caller may record a purchase for them (issue 15's "Record a purchase").
	ToBuy     []store.CatalogEntry
	CanAssign bool
}

type fieldLine struct{ Key, Value string }

// personAccess returns the user of the path when the caller may see them
// on these pages: platform admins, and the staff of one of their groups.
// Anyone else gets 404, as in the API.
func (s *Server) personAccess(r *http.Request, v *view) (*skillpath.User, error) {
	u, _, err := s.personWithAccess(r, v)
	return u, err
}

// personWithAccess is personAccess with the caller's access to the person
// (whether they may assign them: CanAssign).
func (s *Server) personWithAccess(r *http.Request, v *view) (*skillpath.User, skillpath.Access, error) {
	id, err := pathID(r, "id", "user")
	if err != nil {
		return nil, skillpath.Access{}, err
	}
	a, err := s.Store.Access(r.Context(), v.User, id, 0)
	if err != nil {
		return nil, a, err
	}
	if !a.PlatformAdmin && !a.GroupAdmin && !a.Coach {
		return nil, a, skillpath.Errorf(skillpath.ENOTFOUND, "There is no such person among those you follow.")
	}
	u, err := s.Store.FindUser(r.Context(), id)
	return u, a, err
}

func (s *Server) pagePerson(w http.ResponseWriter, r *http.Request, v *view) error {
	u, a, err := s.personWithAccess(r, v)
	if err != nil {
		return err
	}
	groups, err := s.Store.ListGroups(r.Context())
	if err != nil {
		return err
	}
	_, _, byID := orgTree(groups)
	d := &personView{User: u, CanManage: v.User.PlatformAdmin && u.Status == skillpath.UserActive}
	for _, id := range u.GroupIDs {
		if n := byID[id]; n != nil {
			d.Groups = append(d.Groups, n.Path)
		}
	}
	sort.Strings(d.Groups)
	for _, k := range sortedKeys(u.CustomFields) {
		d.Fields = append(d.Fields, fieldLine{k, u.CustomFields[k]})
	}
	roles, err := s.Store.AllStaff(r.Context(), u.ID)
	if err != nil {
		return err
	}
	for _, m := range roles {
		line := staffLine{UserID: m.UserID, Role: m.Role, GroupID: m.GroupID}
		if n := byID[m.GroupID]; n != nil {
			line.GroupPath = n.Path
		}
		d.Roles = append(d.Roles, line)
	}
	if d.Enrollments, err = s.Store.UserEnrollments(r.Context(), u.ID); err != nil {
		return err
	}
	if d.Certificates, err = s.Store.DeliveredCertificates(r.Context(), u.ID); err != nil {
		return err
	}
	if d.CanAssign = a.CanAssign() && u.Status == skillpath.UserActive; d.CanAssign {
		catalog, err := s.Store.Catalog(r.Context(), u.ID)
		if err != nil {
			return err
		}
		for _, c := range catalog {
			if c.Action == "buy" {
				d.ToBuy = append(d.ToBuy, c)
			}
		}
	}
	v.Title, v.Data = u.Name, d
	return s.render(w, r, v, "person.html")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// personForm is the create and edit form, as typed.
type personForm struct {
	ID            skillpath.ID // 0 when creating
	Email, Name   string
	RegisteredAt  string
	Fields        string // KEY=VALUE lines
	PlatformAdmin bool
	Groups        []groupChoice
	Action        string
}

func (s *Server) personForm(r *http.Request, f *personForm, chosen []skillpath.ID) error {
	groups, err := s.Store.ListGroups(r.Context())
	if err != nil {
		return err
	}
	_, flat, _ := orgTree(groups)
	f.Groups = groupChoices(flat, chosen)
	return nil
}

func (s *Server) pagePersonNew(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return err
	}
	f := &personForm{Action: "/people/new"}
	if err := s.personForm(r, f, nil); err != nil {
		return err
	}
	v.Title, v.Data = "New person", f
	return s.render(w, r, v, "person-form.html")
}

// readPersonForm reads the form into f and the user it describes.
func (s *Server) readPersonForm(r *http.Request, f *personForm) (*skillpath.User, error) {
	f.Email, f.Name = strings.TrimSpace(r.PostForm.Get("email")), r.PostForm.Get("name")
	f.RegisteredAt, f.Fields = strings.TrimSpace(r.PostForm.Get("registered_at")), r.PostForm.Get("fields")
	f.PlatformAdmin = r.PostForm.Get("platform_admin") == "1"
	u := &skillpath.User{Email: f.Email, Name: f.Name, PlatformAdmin: f.PlatformAdmin, CustomFields: map[string]string{}, GroupIDs: []skillpath.ID{}}
	for _, g := range r.PostForm["group"] {
		id, ok := skillpath.ParseID(g)
		if !ok {
			return u, skillpath.Invalid("group_ids", "%q is not a group", g)
		}
		u.GroupIDs = append(u.GroupIDs, id)
	}
	if err := s.personForm(r, f, u.GroupIDs); err != nil {
		return u, err
	}
	for i, line := range strings.Split(f.Fields, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, val, ok := strings.Cut(line, "=")
		if !ok {
			return u, skillpath.Invalid("custom_fields", "line %d, %q, is not KEY=VALUE", i+1, line)
		}
		k = strings.TrimSpace(k)
		if _, twice := u.CustomFields[k]; twice {
			return u, skillpath.Invalid("custom_fields", "line %d sets %q again: keep one line for each key", i+1, k)
		}
		u.CustomFields[k] = strings.TrimSpace(val)
	}
	if f.RegisteredAt != "" {
		t, err := parseTime("registered_at", f.RegisteredAt, true, s.Store.Zone)
		if err != nil {
			return u, err
		}
		if t.After(s.now()) {
			return u, skillpath.Invalid("registered_at", "%s is in the future", f.RegisteredAt)
		}
		u.RegisteredAt = t
	}
	return u, nil
}

// personFieldID is the form element an error about a user's field is about.
func personFieldID(err error) string {
	var e *skillpath.Error
	if !errors.As(err, &e) {
		return ""
	}
	switch f := e.Field; {
	case f == "email", f == "name":
		return f
	case f == "registered_at":
		return "registered-at"
	case strings.HasPrefix(f, "custom_fields"):
		return "fields"
	case f == "group_ids":
		return "groups"
	}
	return ""
}

func (s *Server) pagePersonCreate(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return err
	}
	f := &personForm{Action: "/people/new"}
	v.Title, v.Data = "New person", f
	u, err := s.readPersonForm(r, f)
	if err == nil {
		err = s.Store.CreateUser(r.Context(), u, "")
	}
	if err != nil {
		return s.refused(w, r, v, err, personFieldID(err), func(w http.ResponseWriter, r *http.Request, v *view) error {
			return s.render(w, r, v, "person-form.html")
		})
	}
	s.flash(w, r, u.Name+" was created.")
	return redirect(w, r, "/people/"+u.ID.String())
}

func (s *Server) pagePersonEdit(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return err
	}
	u, err := s.personAccess(r, v)
	if err != nil {
		return err
	}
	f := &personForm{ID: u.ID, Email: u.Email, Name: u.Name, PlatformAdmin: u.PlatformAdmin, Action: "/people/" + u.ID.String() + "/edit"}
	var lines []string
	for _, k := range sortedKeys(u.CustomFields) {
		lines = append(lines, k+"="+u.CustomFields[k])
	}
	f.Fields = strings.Join(lines, "\n")
	f.RegisteredAt = u.RegisteredAt.In(s.Store.Zone).Format("2006-01-02")
	if err := s.personForm(r, f, u.GroupIDs); err != nil {
		return err
	}
	v.Title, v.Data = "Edit "+u.Name, f
	return s.render(w, r, v, "person-form.html")
}

func (s *Server) pagePersonSave(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return err
	}
	old, err := s.personAccess(r, v)
	if err != nil {
		return err
	}
	f := &personForm{ID: old.ID, Action: "/people/" + old.ID.String() + "/edit"}
	v.Title, v.Data = "Edit "+old.Name, f
	u, err := s.readPersonForm(r, f)
	f.Email = old.Email // not changed by this form
	if err == nil {
		_, err = s.Store.UpdateUser(r.Context(), old.ID, store.UserUpdate{Name: &u.Name, CustomFields: &u.CustomFields, GroupIDs: &u.GroupIDs, PlatformAdmin: &u.PlatformAdmin})
	}
	if err != nil {
		return s.refused(w, r, v, err, personFieldID(err), func(w http.ResponseWriter, r *http.Request, v *view) error {
			return s.render(w, r, v, "person-form.html")
		})
	}
	s.flash(w, r, "Your changes to "+u.Name+" were saved.")
	return redirect(w, r, "/people/"+old.ID.String())
}

// deleteView is the confirmation of a deletion: who, and what it does.
type deleteView struct {
	User        *skillpath.User
	Enrollments int
	Roles       int
}

func (s *Server) pagePersonDelete(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return err
	}
	u, err := s.personAccess(r, v)
	if err != nil {
		return err
	}
	if u.Status == skillpath.UserDeleted {
		return skillpath.Errorf(skillpath.EUNPROCESSABLE, "%s is already deleted.", u.Name)
	}
	d := &deleteView{User: u}
	es, err := s.Store.UserEnrollments(r.Context(), u.ID)
	if err != nil {
		return err
	}
	roles, err := s.Store.AllStaff(r.Context(), u.ID)
	if err != nil {
		return err
	}
	d.Enrollments, d.Roles = len(es), len(roles)
	v.Title, v.Data = "Delete "+u.Name, d
	return s.render(w, r, v, "person-delete.html")
}

func (s *Server) pagePersonDeleteConfirm(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return err
	}
	u, err := s.personAccess(r, v)
	if err != nil {
		return err
	}
	if u.ID == v.User.ID {
		return skillpath.Errorf(skillpath.EUNPROCESSABLE, "You cannot delete yourself.")
	}
	if err := s.Store.DeleteUser(r.Context(), u.ID); err != nil {
		return err
	}
	s.flash(w, r, fmt.Sprintf("%s was deleted.", u.Name))
	return redirect(w, r, "/people?"+url.Values{"status": {"deleted"}}.Encode())
}

// pagePersonPurchase records that the person bought a paid training (SPEC §1,
// commerce), as POST /api/v1/trainings/{id}/purchases: platform admins and
// the admins of the person's groups.
func (s *Server) pagePersonPurchase(w http.ResponseWriter, r *http.Request, v *view) error {
	u, a, err := s.personWithAccess(r, v)
	if err != nil {
		return err
	}
	trainingID, ok := skillpath.ParseID(r.PostForm.Get("training_id"))
	if !ok {
		return s.refused(w, r, v, skillpath.Invalid("training_id", "Choose a training."), "purchase-training", s.pagePerson)
	}
	if !a.CanAssign() { // does not depend on the training
		return skillpath.Errorf(skillpath.EFORBIDDEN, "Only platform admins and admins of the person's groups may record a purchase.")
	}
	if err := s.Store.RecordPurchase(r.Context(), trainingID, u.ID, v.User.ID); err != nil {
		// Shown next to the training's choice, with the page's status.
		return s.refused(w, r, v, err, "purchase-training", s.pagePerson)
	}
	s.flash(w, r, "The purchase was recorded: "+u.Name+" may now enroll.")
	return redirect(w, r, "/people/"+u.ID.String())
}

// peopleFilterRefusal refuses a filter that can match no one for a reason
// the person should see rather than an empty list: a group that is not
// among those they can see (unknown or outside their groups), or a custom
// field key no field can have.
func peopleFilterRefusal(visible []*orgNode, chosen []skillpath.ID, fieldKey string) error {
	for _, id := range chosen {
		if !slices.ContainsFunc(visible, func(n *orgNode) bool { return n.ID == id }) {
			return skillpath.Invalid("group", "There is no group %s among the groups you can see: choose one in the list.", id)
		}
	}
	if fieldKey != "" && !skillpath.ValidFieldKey(fieldKey) {
		return skillpath.Invalid("field_key", "%q cannot be a custom field's key (1 to 64 letters, digits, '_' or '-').", fieldKey)
	}
	return nil
}
