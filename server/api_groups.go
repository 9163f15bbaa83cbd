package server

import (
	"encoding/json"
	"net/http"

	"skillpath"
)

func (s *Server) apiGroups() {
	s.handle("POST /api/v1/groups", s.createGroup)
	s.handle("GET /api/v1/groups", s.listGroups)
	s.handle("GET /api/v1/groups/{id}", s.getGroup)
	s.handle("PATCH /api/v1/groups/{id}", s.updateGroup)
	s.handle("POST /api/v1/groups/{id}/staff", s.addStaff)
	s.handle("GET /api/v1/groups/{id}/staff", s.listStaff)
	s.handle("DELETE /api/v1/groups/{id}/staff/{user_id}/{role}", s.removeStaff)
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	if err := requirePlatformAdmin(caller); err != nil {
		return err
	}
	var in struct {
		Name     string        `json:"name"`
		ParentID *skillpath.ID `json:"parent_id"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	g := &skillpath.Group{Name: in.Name, ParentID: in.ParentID}
	if err := s.Store.CreateGroup(r.Context(), g); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, g)
	return nil
}

func (s *Server) listGroups(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	groups, err := s.Store.ListGroups(r.Context())
	if err != nil {
		return err
	}
	if groups == nil {
		groups = []*skillpath.Group{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"groups": groups})
	return nil
}

func (s *Server) getGroup(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	id, err := pathID(r, "id", "group")
	if err != nil {
		return err
	}
	g, err := s.Store.FindGroup(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, g)
	return nil
}

// updateGroup renames and moves a group. parent_id absent keeps the parent;
// null moves the group to the top of the tree.
func (s *Server) updateGroup(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	if err := requirePlatformAdmin(caller); err != nil {
		return err
	}
	id, err := pathID(r, "id", "group")
	if err != nil {
		return err
	}
	var in struct {
		Name     *string         `json:"name"`
		ParentID json.RawMessage `json:"parent_id"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	var parent *skillpath.ID
	if rawPresent(in.ParentID) {
		if err := json.Unmarshal(in.ParentID, &parent); err != nil {
			return skillpath.Invalid("parent_id", "must be an id (a string of digits) or null")
		}
	}
	g, err := s.Store.UpdateGroup(r.Context(), id, in.Name, rawPresent(in.ParentID), parent)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, g)
	return nil
}

// requireGroupAdmin refuses (EFORBIDDEN) a caller who is neither a
// platform admin nor an admin of the group or of a group above it: a
// group's admins name and remove the staff of their groups (issue 14),
// never beyond them.
func (s *Server) requireGroupAdmin(r *http.Request, caller *skillpath.User, groupID skillpath.ID) error {
	if caller.PlatformAdmin {
		return nil
	}
	scope, err := s.Store.StaffedGroups(r.Context(), caller.ID)
	if err != nil {
		return err
	}
	if scope[groupID] != skillpath.RoleGroupAdmin {
		return skillpath.Errorf(skillpath.EFORBIDDEN, "only platform admins and the group's admins may change its staff")
	}
	return nil
}

func (s *Server) addStaff(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	id, err := pathID(r, "id", "group")
	if err != nil {
		return err
	}
	if err := s.requireGroupAdmin(r, caller, id); err != nil {
		return err
	}
	var in struct {
		UserID skillpath.ID        `json:"user_id"`
		Role   skillpath.StaffRole `json:"role"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.UserID == 0 {
		return skillpath.Invalid("user_id", "is required")
	}
	// A group admin names only people they manage (or themself), like the
	// page; anyone else is "not found", which reveals no one's existence.
	if !caller.PlatformAdmin {
		a, err := s.Store.Access(r.Context(), caller, in.UserID, 0)
		if err != nil {
			return err
		}
		if !a.GroupAdmin && !a.Self {
			e := skillpath.Errorf(skillpath.ENOTFOUND, "user_id: user %s not found among the people you manage", in.UserID)
			e.Field = "user_id"
			return e
		}
	}
	st := skillpath.Staff{GroupID: id, UserID: in.UserID, Role: in.Role}
	if err := s.Store.AddStaff(r.Context(), st); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, st)
	return nil
}

func (s *Server) listStaff(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	id, err := pathID(r, "id", "group")
	if err != nil {
		return err
	}
	staff, err := s.Store.ListStaff(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"staff": staff})
	return nil
}

func (s *Server) removeStaff(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	id, err := pathID(r, "id", "group")
	if err != nil {
		return err
	}
	if err := s.requireGroupAdmin(r, caller, id); err != nil {
		return err
	}
	userID, err := pathID(r, "user_id", "user")
	if err != nil {
		return err
	}
	st := skillpath.Staff{GroupID: id, UserID: userID, Role: skillpath.StaffRole(r.PathValue("role"))}
	if err := s.Store.RemoveStaff(r.Context(), st); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
