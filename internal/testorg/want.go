package testorg

import (
	"slices"

	"skillpath"
	"skillpath/report"
)

// Admin is the role of a platform admin in Want.
const Admin = "Admin"

// Row is what the certificate list must show of one certificate, with the
// learners behind its numbers (first names, in the learners table's order:
// by full name).
type Row struct {
	Title     string
	Certified []string // the certified learners: the count and the drill-down
	Enrolled  []string // the enrolled learners: the count
	Learners  []string // the learners table
}

// Want is what SPEC §3 says the certificate list shows to a role (Admin or
// a first name of Staff) under the filter, derived from the known answers
// (Links) and the facts of the learners, in the list's order.
func (o *Org) Want(role string, f report.Filter) []Row {
	var rows []Row
	for _, title := range Titles {
		r := Row{Title: title}
		for _, first := range o.byName(Links[title]) {
			l := Links[title][first]
			if !o.inScope(role, title, first) || !o.kept(first, f) {
				continue
			}
			r.Learners = append(r.Learners, first)
			if l.Certified {
				r.Certified = append(r.Certified, first)
			}
			if l.Enrolled {
				r.Enrolled = append(r.Enrolled, first)
			}
		}
		everything := f.UserStatus == report.UsersAll && !f.Narrowed() && (role == Admin || o.grants(role, title))
		if len(r.Learners) > 0 || everything {
			rows = append(rows, r)
		}
	}
	return rows
}

// Visible reports whether the role may see the certificate at all: its
// tables answer 404 otherwise.
func (o *Org) Visible(role, title string) bool {
	if role == Admin || o.grants(role, title) {
		return true
	}
	for first := range Links[title] {
		if o.inScope(role, title, first) {
			return true
		}
	}
	return false
}

// inScope: a certificate granted by the role's paths counts all its
// learners; any other, the learners of the role's groups.
func (o *Org) inScope(role, title, first string) bool {
	if role == Admin || o.grants(role, title) {
		return true
	}
	return o.inGroups(first, Staff[role].Groups)
}

func (o *Org) grants(role, title string) bool {
	for _, p := range Staff[role].Paths {
		if slices.Contains(PathCertificates[p], title) {
			return true
		}
	}
	return false
}

// inGroups reports whether the learner belongs to one of the groups or to
// one of their subgroups.
func (o *Org) inGroups(first string, groups []string) bool {
	for g := Learners[first].Group; g != ""; g = GroupParents[g] {
		if slices.Contains(groups, g) {
			return true
		}
	}
	return false
}

// kept applies the filters of SPEC §3 to a learner.
func (o *Org) kept(first string, f report.Filter) bool {
	l := Learners[first]
	switch {
	case f.UserStatus == report.UsersActive && l.Deleted, f.UserStatus == report.UsersDeleted && !l.Deleted:
		return false
	case f.RegisteredFrom != nil && l.Registered.Before(*f.RegisteredFrom):
		return false
	case f.RegisteredBefore != nil && !l.Registered.Before(*f.RegisteredBefore):
		return false
	}
	if len(f.GroupIDs) > 0 {
		var names []string
		for _, id := range f.GroupIDs {
			names = append(names, o.groupName(id))
		}
		if !o.inGroups(first, names) {
			return false
		}
	}
	for key, values := range f.Fields {
		if !slices.Contains(values, l.Fields[key]) {
			return false
		}
	}
	return true
}

func (o *Org) groupName(id skillpath.ID) string {
	for name, g := range o.Groups {
		if g.ID == id {
			return name
		}
	}
	return ""
}

// byName lists the learners of a certificate by full name.
func (o *Org) byName(links map[string]Link) []string {
	var firsts []string
	for first := range links {
		firsts = append(firsts, first)
	}
	slices.SortFunc(firsts, func(a, b string) int {
		if Learners[a].Name < Learners[b].Name {
			return -1
		}
		return 1
	})
	return firsts
}

// First names the learner with this id.
func (o *Org) First(id skillpath.ID) string {
	for first, u := range o.Users {
		if u.ID == id {
			return first
		}
	}
	return ""
}
