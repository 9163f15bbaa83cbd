package synthetic

import (
	"fmt"
	"strings"

	"skillpath"
)

// group is a node of the generated group tree.
type group struct {
	id        int64
	ancestors []int64 // itself first, then up to the root
	region    string  // of a team: its region
	division  *division
}

type division struct {
	name string
	jobs []string
}

var (
	divisions = []*division{
		{"Operations", []string{"Forklift operator", "Picker", "Shift lead", "Maintenance technician"}},
		{"Sales", []string{"Account executive", "Sales engineer", "Inside sales"}},
		{"Customer Care", []string{"Support agent", "Team lead"}},
		{"Engineering", []string{"Software engineer", "QA engineer", "Site reliability engineer"}},
		{"Finance", []string{"Accountant", "Controller"}},
		{"People", []string{"HR partner", "Recruiter"}},
	}
	regions    = []string{"North", "South", "East", "West"}
	firstNames = []string{"Amelia", "Bruno", "Chloé", "Dmitri", "Elena", "Farid", "Grace", "Hugo", "Ingrid", "Jonas",
		"Keiko", "Lucas", "Maya", "Nils", "Olivia", "Pedro", "Quentin", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wen",
		"Xavier", "Yasmin", "Zoé", "Ana", "Björn", "Carmen", "Dario", "Esther", "Fatou", "Giulia", "Hamid", "Irene", "Joël"}
	lastNames = []string{"Andersen", "Bernard", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Hansen", "Ivanova",
		"Jensen", "Kowalski", "Laurent", "Moreau", "Novak", "O'Brien", "Petit", "Rossi", "Schmidt", "Tanaka", "Urban",
		"Weber", "Yilmaz", "Zhang", "Okafor", "Nguyen", "Silva", "Müller", "Lindqvist", "Haddad", "Kaur"}
)

// staffAndGroups writes the platform admin and the group tree — company,
// divisions, regions, teams of about a hundred learners, and project
// groups — with a group admin per division and a coach per region, and the
// instructors and authors the paths will name.
func (g *gen) staffAndGroups() {
	g.admin = g.id(g.t.users)
	g.t.users.Add(g.admin, g.o.AdminEmail, skillpath.NormalizeEmail(g.o.AdminEmail), "Ada Admin", ms(g.now), nil, true, g.adminHash, ms(g.now))
	root := g.group("Synthetic Corp", nil)
	g.owners = append(g.owners, root.id)
	teamCount := max(1, g.o.Learners/learnersPerTeam)
	perRegion := max(1, (teamCount+len(divisions)*len(regions)-1)/(len(divisions)*len(regions)))
	for _, d := range divisions {
		div := g.group(d.name, root)
		g.owners = append(g.owners, div.id)
		g.staff(div, "admin", "admin."+d.name)
		for _, r := range regions {
			reg := g.group(d.name+" "+r, div)
			g.staff(reg, "coach", "coach."+d.name+"."+r)
			for i := range perRegion {
				team := g.group(fmt.Sprintf("%s %s team %d", d.name, r, i+1), reg)
				team.region, team.division = r, d
				g.teams = append(g.teams, team)
			}
		}
	}
	projects := g.group("Projects", root)
	for i := range max(2, teamCount/20) {
		g.projects = append(g.projects, g.group(fmt.Sprintf("Project %d", i+1), projects))
	}
	paths := max(4, g.o.Learners/learnersPerPath)
	for i := range max(1, paths/10) {
		g.instructors = append(g.instructors, g.staffUser(fmt.Sprintf("instructor%03d", i+1), fmt.Sprintf("Instructor %d", i+1)))
	}
	for i := range max(1, paths/20) {
		g.authors = append(g.authors, g.staffUser(fmt.Sprintf("author%03d", i+1), fmt.Sprintf("Author %d", i+1)))
	}
}

// group writes a group and its rows of the closure table.
func (g *gen) group(name string, parent *group) *group {
	gr := &group{id: g.id(g.t.groups), ancestors: []int64{}}
	gr.ancestors = append(gr.ancestors, gr.id)
	var parentID any
	if parent != nil {
		parentID = parent.id
		gr.ancestors = append(gr.ancestors, parent.ancestors...)
	}
	g.sum.Groups++
	g.t.groups.Add(gr.id, name, parentID, ms(g.now))
	for depth, a := range gr.ancestors {
		g.t.groupTree.Add(a, gr.id, depth)
	}
	return gr
}

// staff writes a user holding a role in a group.
func (g *gen) staff(gr *group, role, login string) {
	name := strings.ToUpper(role[:1]) + role[1:] + " " + strings.ReplaceAll(strings.TrimPrefix(login, role+"."), ".", " ")
	id := g.staffUser(strings.ToLower(strings.ReplaceAll(login, " ", "-")), name)
	g.t.groupStaff.Add(gr.id, id, role)
}

// staffUser writes an active user who is staff, not a learner.
func (g *gen) staffUser(login, name string) int64 {
	id := g.id(g.t.users)
	email := login + "@synthetic.skillpath.test"
	g.sum.Staff++
	g.t.users.Add(id, email, email, name, ms(g.now.Add(-5*years)), nil, false, nil, ms(g.now))
	return id
}
