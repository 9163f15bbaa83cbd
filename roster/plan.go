package roster

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"skillpath"
)

// Action is what applying a line does to the stored users.
type Action string

const (
	Create    Action = "create"
	Update    Action = "update"
	Unchanged Action = "unchanged"
	Refused   Action = "error" // the line has problems: nothing of the file is written
)

// Outcome is what one line will do: the user it creates or updates (with
// the values it will have), and for an update the names of the columns
// that change ("name", "groups", "registered_at", "field.KEY").
type Outcome struct {
	Line     int
	Action   Action
	User     *skillpath.User // as it will be stored; ID 0 for a creation
	Changes  []string
	Problems []Problem
}

// Report is the answer of an import (SPEC §6): how many users were (or,
// in a dry run, would be) created, updated and left unchanged, and every
// line's problems. A report with problems wrote nothing.
type Report struct {
	Created   int       `json:"created"`
	Updated   int       `json:"updated"`
	Unchanged int       `json:"unchanged"`
	Errors    []Problem `json:"errors"`
	DryRun    bool      `json:"dry_run"`
	Lines     []Outcome `json:"-"`
}

// OK reports whether the file may be applied: no line has a problem.
func (r *Report) OK() bool { return len(r.Errors) == 0 }

// Stored is what Plan compares a file with: the stored users whose emails
// the file names (keyed by skillpath.NormalizeEmail, deleted ones
// included, with their custom fields and groups) and every group.
type Stored struct {
	Users  map[string]*skillpath.User
	Groups []*skillpath.Group
}

// Plan decides what each line of f does against the stored facts: a user
// whose email (ignoring case) is stored is updated, column by column, or
// left unchanged; others are created, registered at their registered_at
// or now. Groups are named by name (ignoring case), by id, or by #id; a group that
// does not exist, or a name two groups share, is a problem, never created.
// A deleted user's email is a problem too: deletion is not undone by a
// file. Only the columns the file has are compared; an empty field.KEY
// cell removes that field, an empty groups cell takes the user out of
// every group.
func Plan(f *File, st Stored, now time.Time) *Report {
	byName, byID := map[string][]skillpath.ID{}, map[string]skillpath.ID{}
	for _, g := range st.Groups {
		key := strings.ToLower(strings.TrimSpace(g.Name))
		byName[key] = append(byName[key], g.ID)
		byID[g.ID.String()] = g.ID
	}
	rep := &Report{Errors: append([]Problem{}, f.Problems...), Lines: make([]Outcome, 0, len(f.Lines))}
	groupCol := f.column("groups")
	for _, l := range f.Lines {
		o := Outcome{Line: l.Number, Problems: l.Problems}
		var groupIDs []skillpath.ID
		if f.HasGroups {
			seen := map[skillpath.ID]bool{}
			for _, g := range l.Groups {
				id, err := resolveGroup(g, byName, byID)
				if err != "" {
					o.Problems = append(o.Problems, Problem{Line: l.Number, Field: "groups", Column: groupCol, Message: err})
					continue
				}
				if !seen[id] {
					seen[id] = true
					groupIDs = append(groupIDs, id)
				}
			}
			slices.Sort(groupIDs)
		}
		old := st.Users[skillpath.NormalizeEmail(l.Email)]
		if old != nil && old.Status == skillpath.UserDeleted {
			o.Problems = append(o.Problems, Problem{Line: l.Number, Field: "email", Column: f.column("email"),
				Message: fmt.Sprintf("%s belongs to a deleted user; a file does not bring deleted users back", l.Email)})
		}
		if len(o.Problems) > 0 {
			o.Action = Refused
			rep.Errors = append(rep.Errors, o.Problems...)
			rep.Lines = append(rep.Lines, o)
			continue
		}
		if old == nil {
			u := &skillpath.User{Email: l.Email, Name: l.Name, CustomFields: map[string]string{}, GroupIDs: groupIDs, Status: skillpath.UserActive, RegisteredAt: now}
			if u.GroupIDs == nil {
				u.GroupIDs = []skillpath.ID{}
			}
			if l.RegisteredAt != nil {
				u.RegisteredAt = *l.RegisteredAt
			}
			for k, v := range l.Fields {
				if v != "" {
					u.CustomFields[k] = v
				}
			}
			o.Action, o.User = Create, u
			rep.Created++
		} else {
			o.User, o.Changes = update(old, l, f.HasGroups, groupIDs)
			o.Action = Unchanged
			if len(o.Changes) > 0 {
				o.Action = Update
				rep.Updated++
			} else {
				rep.Unchanged++
			}
		}
		if o.User != nil && len(o.User.CustomFields) > skillpath.MaxCustomFields {
			p := Problem{Line: l.Number, Field: "field", Message: fmt.Sprintf("a user has at most %d custom fields", skillpath.MaxCustomFields)}
			o.Problems, o.Action = append(o.Problems, p), Refused
			rep.Errors = append(rep.Errors, p)
		}
		rep.Lines = append(rep.Lines, o)
	}
	return rep
}

// update returns the user old becomes with line l, and what changes.
func update(old *skillpath.User, l Line, hasGroups bool, groupIDs []skillpath.ID) (*skillpath.User, []string) {
	u := *old
	u.CustomFields = maps.Clone(old.CustomFields)
	var changes []string
	if l.Name != old.Name {
		u.Name = l.Name
		changes = append(changes, "name")
	}
	if hasGroups {
		if groupIDs == nil {
			groupIDs = []skillpath.ID{}
		}
		have := slices.Sorted(slices.Values(old.GroupIDs))
		if !slices.Equal(have, groupIDs) {
			u.GroupIDs = groupIDs
			changes = append(changes, "groups")
		}
	}
	if l.RegisteredAt != nil && !l.RegisteredAt.Equal(old.RegisteredAt) {
		u.RegisteredAt = *l.RegisteredAt
		changes = append(changes, "registered_at")
	}
	for _, fk := range slices.Sorted(maps.Keys(l.Fields)) {
		v := l.Fields[fk]
		k := storedKey(old.CustomFields, fk)
		if cur, ok := old.CustomFields[k]; (v == "" && ok) || (v != "" && cur != v) {
			if v == "" {
				delete(u.CustomFields, k)
			} else {
				u.CustomFields[k] = v
			}
			changes = append(changes, "field."+k)
		}
	}
	return &u, changes
}

// storedKey is the user's own spelling of a file's field key: headers are
// read in any case, so field.Region updates the field "region" a user has
// rather than adding a second one (review of issue 14).
func storedKey(fields map[string]string, key string) string {
	if _, ok := fields[key]; ok {
		return key
	}
	for k := range fields {
		if strings.EqualFold(k, key) {
			return k
		}
	}
	return key
}

// resolveGroup finds a group by id or name, or says why it cannot. "#6"
// is always the group with id 6; a bare "6" is the id only when no other
// group is named "6", and ambiguous otherwise (review of issue 14).
func resolveGroup(g string, byName map[string][]skillpath.ID, byID map[string]skillpath.ID) (skillpath.ID, string) {
	if rest, ok := strings.CutPrefix(g, "#"); ok {
		if id, ok := byID[rest]; ok {
			return id, ""
		}
		return 0, fmt.Sprintf("no group has the id %s", rest)
	}
	named := byName[strings.ToLower(g)]
	if _, err := strconv.ParseUint(g, 10, 63); err == nil {
		if id, ok := byID[g]; ok {
			if len(named) == 0 || (len(named) == 1 && named[0] == id) {
				return id, ""
			}
			return 0, fmt.Sprintf("%q is the id of group %s and the name of another group: write #%s for the group with that id, or rename the other group", g, id, g)
		}
	}
	switch ids := named; len(ids) {
	case 0:
		return 0, fmt.Sprintf("no group is named %q: create it in Groups first (a file never creates groups)", g)
	case 1:
		return ids[0], ""
	default:
		return 0, fmt.Sprintf("%d groups are named %q: give the one you mean by its id", len(ids), g)
	}
}
