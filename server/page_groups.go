package server

import (
	"net/http"
	"strings"

	"skillpath"
	"skillpath/store"
)

// The groups pages (SPEC §6, issue 14): the tree, collapsible, with each
// group's staff; creating, renaming, moving and deleting groups (platform
// admins); naming and removing a group's admins and coaches (platform
// admins and the admins of the group or a group above it, as in the API).
// A group's admins and coaches see only their groups and subgroups.
func (s *Server) pagesGroups() {
	s.page("GET /groups", s.pageGroups)
	s.page("POST /groups/new", s.pageGroupCreate)
	s.page("GET /groups/{id}", s.pageGroup)
	s.page("POST /groups/{id}/rename", s.pageGroupRename)
	s.page("POST /groups/{id}/move", s.pageGroupMove)
	s.page("POST /groups/{id}/delete", s.pageGroupDelete)
	s.page("POST /groups/{id}/staff", s.pageStaffAdd)
	s.page("POST /groups/{id}/staff/remove", s.pageStaffRemove)
}

// groupsView is the tree page.
type groupsView struct {
	Roots     []*orgNode
	Count     int
	Parents   []groupChoice // for the create form
	CanManage bool
	Name      string // the create form as typed
}

// groupScope returns the tree as the caller may see it: everything for a
// platform admin, the subtrees of the groups they staff otherwise (403
// for anyone else), with each node's staff.
func (s *Server) groupScope(r *http.Request, v *view) (roots, flat []*orgNode, byID map[skillpath.ID]*orgNode, err error) {
	if err := peopleStaff(v); err != nil {
		return nil, nil, nil, err
	}
	groups, err := s.Store.ListGroups(r.Context())
	if err != nil {
		return nil, nil, nil, err
	}
	roots, flat, byID = orgTree(groups)
	staff, err := s.Store.AllStaff(r.Context(), 0)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, m := range staff {
		if n := byID[m.GroupID]; n != nil {
			n.Staff = append(n.Staff, staffLine{UserID: m.UserID, Name: m.Name, Email: m.Email, Role: m.Role, GroupID: m.GroupID})
		}
	}
	if v.User.PlatformAdmin {
		for _, n := range flat {
			n.InScope = true
		}
		return roots, flat, byID, nil
	}
	scope, err := s.Store.StaffedGroups(r.Context(), v.User.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	var top, kept []*orgNode
	for _, n := range flat {
		role, ok := scope[n.ID]
		if !ok {
			delete(byID, n.ID)
			continue
		}
		n.InScope = role == skillpath.RoleGroupAdmin
		kept = append(kept, n)
		if _, parentIn := scope[parentOf(n)]; !parentIn {
			n.Top = true
			top = append(top, n)
		}
	}
	return top, kept, byID, nil
}

func parentOf(n *orgNode) skillpath.ID {
	if n.ParentID == nil {
		return 0
	}
	return *n.ParentID
}

func (s *Server) pageGroups(w http.ResponseWriter, r *http.Request, v *view) error {
	roots, flat, _, err := s.groupScope(r, v)
	if err != nil {
		return err
	}
	d := &groupsView{Roots: roots, Count: len(flat), CanManage: v.User.PlatformAdmin, Parents: groupChoices(flat, nil)}
	v.Title, v.Data = "Groups", d
	return s.render(w, r, v, "groups.html")
}

func (s *Server) pageGroupCreate(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return err
	}
	g := &skillpath.Group{Name: strings.TrimSpace(r.PostForm.Get("name"))}
	var err error
	if parent := r.PostForm.Get("parent_id"); parent != "" {
		if id, ok := skillpath.ParseID(parent); ok {
			g.ParentID = &id
		} else {
			err = skillpath.Invalid("parent_id", "%q is not a group: choose one in the list.", parent)
		}
	}
	if err == nil {
		err = s.Store.CreateGroup(r.Context(), g)
	}
	if err != nil {
		anchor := "group-name"
		if e, ok := err.(*skillpath.Error); ok && e.Field == "parent_id" {
			anchor = "group-parent"
		}
		return s.refused(w, r, v, err, anchor, func(w http.ResponseWriter, r *http.Request, v *view) error {
			roots, flat, _, err := s.groupScope(r, v)
			if err != nil {
				return err
			}
			var chosen []skillpath.ID
			if g.ParentID != nil {
				chosen = append(chosen, *g.ParentID)
			}
			v.Title, v.Data = "Groups", &groupsView{Roots: roots, Count: len(flat), CanManage: true, Parents: groupChoices(flat, chosen), Name: g.Name}
			return s.render(w, r, v, "groups.html")
		})
	}
	s.flash(w, r, "The group "+g.Name+" was created.")
	return redirect(w, r, "/groups/"+g.ID.String())
}

// groupView is one group's page.
type groupView struct {
	Group     *orgNode
	CanManage bool // rename, move, delete: platform admins
	CanStaff  bool // name and remove staff
	Parents   []groupChoice
	Q         string
	Found     []*skillpath.User
	Searched  bool
	Name      string // the rename form as typed
}

// groupPage reads the group of the path if the caller sees it.
func (s *Server) groupPage(r *http.Request, v *view) (*groupView, error) {
	id, err := pathID(r, "id", "group")
	if err != nil {
		return nil, err
	}
	_, flat, byID, err := s.groupScope(r, v)
	if err != nil {
		return nil, err
	}
	n := byID[id]
	if n == nil {
		return nil, skillpath.Errorf(skillpath.ENOTFOUND, "There is no such group among those you follow.")
	}
	d := &groupView{Group: n, CanManage: v.User.PlatformAdmin, CanStaff: n.InScope, Name: n.Name}
	if d.CanManage {
		// A group cannot move under itself or its subgroups: they are not offered.
		below := map[skillpath.ID]bool{}
		var mark func(x *orgNode)
		mark = func(x *orgNode) {
			below[x.ID] = true
			for _, c := range x.Children {
				mark(c)
			}
		}
		mark(n)
		var others []*orgNode
		for _, x := range flat {
			if !below[x.ID] {
				others = append(others, x)
			}
		}
		var chosen []skillpath.ID
		if n.ParentID != nil {
			chosen = append(chosen, *n.ParentID)
		}
		d.Parents = groupChoices(others, chosen)
	}
	for i := range n.Staff {
		n.Staff[i].CanRemove = d.CanStaff
	}
	return d, nil
}

func (s *Server) pageGroup(w http.ResponseWriter, r *http.Request, v *view) error {
	d, err := s.groupPage(r, v)
	if err != nil {
		return err
	}
	return s.showGroup(w, r, v, d)
}

// groupShower re-shows the group page d, for refused forms.
func (s *Server) groupShower(d *groupView) func(http.ResponseWriter, *http.Request, *view) error {
	return func(w http.ResponseWriter, r *http.Request, v *view) error { return s.showGroup(w, r, v, d) }
}

// showGroup renders a group's page, with the staff search's results.
func (s *Server) showGroup(w http.ResponseWriter, r *http.Request, v *view, d *groupView) error {
	d.Q = strings.TrimSpace(r.URL.Query().Get("q"))
	if d.CanStaff && d.Q != "" {
		d.Searched = true
		users, _, err := s.Store.People(r.Context(), store.PeopleFilter{Caller: v.User, Query: d.Q, Status: skillpath.UserActive, Limit: 20})
		if err != nil {
			return err
		}
		d.Found = users
	}
	v.Title, v.Data = "Group "+d.Group.Path, d
	return s.render(w, r, v, "group.html")
}

func (s *Server) pageGroupRename(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return err
	}
	d, err := s.groupPage(r, v)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(r.PostForm.Get("name"))
	if _, err := s.Store.UpdateGroup(r.Context(), d.Group.ID, &name, false, nil); err != nil {
		d.Name = name
		return s.refused(w, r, v, err, "rename-name", s.groupShower(d))
	}
	s.flash(w, r, "The group is now named "+name+".")
	return redirect(w, r, "/groups/"+d.Group.ID.String())
}

func (s *Server) pageGroupMove(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return err
	}
	d, err := s.groupPage(r, v)
	if err != nil {
		return err
	}
	var parent *skillpath.ID
	if p := r.PostForm.Get("parent_id"); p != "" {
		if id, ok := skillpath.ParseID(p); ok {
			parent = &id
		} else {
			err = skillpath.Invalid("parent_id", "%q is not a group: choose one in the list.", p)
		}
	}
	if err == nil {
		_, err = s.Store.UpdateGroup(r.Context(), d.Group.ID, nil, true, parent)
	}
	if err != nil {
		return s.refused(w, r, v, err, "move-parent", s.groupShower(d))
	}
	s.flash(w, r, "The group "+d.Group.Name+" was moved.")
	return redirect(w, r, "/groups/"+d.Group.ID.String())
}

func (s *Server) pageGroupDelete(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return err
	}
	d, err := s.groupPage(r, v)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteGroup(r.Context(), d.Group.ID); err != nil {
		return s.refused(w, r, v, err, "delete-group", s.groupShower(d))
	}
	s.flash(w, r, "The group "+d.Group.Name+" was deleted.")
	return redirect(w, r, "/groups")
}

// staffForm reads the user and role of a staff form.
func staffForm(r *http.Request, groupID skillpath.ID) (skillpath.Staff, error) {
	st := skillpath.Staff{GroupID: groupID, Role: skillpath.StaffRole(r.PostForm.Get("role"))}
	id, ok := skillpath.ParseID(r.PostForm.Get("user_id"))
	if !ok {
		return st, skillpath.Invalid("user_id", "Choose a person.")
	}
	st.UserID = id
	if !st.Role.Valid() {
		return st, skillpath.Invalid("role", "Choose admin or coach.")
	}
	return st, nil
}

func (s *Server) pageStaffAdd(w http.ResponseWriter, r *http.Request, v *view) error {
	d, err := s.groupPage(r, v)
	if err != nil {
		return err
	}
	if err := s.requireGroupAdmin(r, v.User, d.Group.ID); err != nil {
		return err
	}
	st, err := staffForm(r, d.Group.ID)
	if err == nil {
		// Only people the caller sees may be named (a group admin's own learners).
		var a skillpath.Access
		if a, err = s.Store.Access(r.Context(), v.User, st.UserID, 0); err == nil && !a.PlatformAdmin && !a.GroupAdmin && !a.Self {
			err = skillpath.Invalid("user_id", "You can only name people you manage.")
		}
	}
	if err == nil {
		err = s.Store.AddStaff(r.Context(), st)
	}
	if err != nil {
		return s.refused(w, r, v, err, "staff-search", s.groupShower(d))
	}
	u, err := s.Store.FindUser(r.Context(), st.UserID)
	if err != nil {
		return err
	}
	s.flash(w, r, u.Name+" is now "+roleName(st.Role)+" of "+d.Group.Name+".")
	return redirect(w, r, "/groups/"+d.Group.ID.String())
}

func (s *Server) pageStaffRemove(w http.ResponseWriter, r *http.Request, v *view) error {
	d, err := s.groupPage(r, v)
	if err != nil {
		return err
	}
	if err := s.requireGroupAdmin(r, v.User, d.Group.ID); err != nil {
		return err
	}
	st, err := staffForm(r, d.Group.ID)
	if err == nil {
		err = s.Store.RemoveStaff(r.Context(), st)
	}
	if err != nil {
		return s.refused(w, r, v, err, "staff", s.groupShower(d))
	}
	s.flash(w, r, "The role was removed.")
	return redirect(w, r, "/groups/"+d.Group.ID.String())
}

func roleName(r skillpath.StaffRole) string {
	if r == skillpath.RoleGroupAdmin {
		return "an admin"
	}
	return "a coach"
}
