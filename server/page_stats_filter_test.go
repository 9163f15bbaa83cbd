package server

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"skillpath"
)

// syntheticGroups is the group tree `generate` builds for 100,000 learners
// (synthetic/people.go): the company, 6 divisions, 24 regions of 42 teams
// each, and 50 projects — 1,090 groups.
func syntheticGroups() []*skillpath.Group {
	var groups []*skillpath.Group
	add := func(name string, parent *skillpath.Group) *skillpath.Group {
		g := &skillpath.Group{ID: skillpath.ID(len(groups) + 1), Name: name}
		if parent != nil {
			g.ParentID = &parent.ID
		}
		groups = append(groups, g)
		return g
	}
	root := add("Synthetic Corp", nil)
	for _, d := range []string{"Operations", "Sales", "Customer Care", "Engineering", "Finance", "People"} {
		div := add(d, root)
		for _, r := range []string{"North", "South", "East", "West"} {
			reg := add(d+" "+r, div)
			for i := range 42 {
				add(fmt.Sprintf("%s %s team %d", d, r, i+1), reg)
			}
		}
	}
	projects := add("Projects", root)
	for i := range 50 {
		add(fmt.Sprintf("Project %d", i+1), projects)
	}
	return groups
}

// The filter panel's group tree at the benchmark's scale shows the top
// levels and the opened and chosen groups' paths, in a few KiB; opening a
// region shows its teams, and a chosen team's path is open.
func TestStatsFilterGroupTreeSize(t *testing.T) {
	s := &Server{}
	s.parseTemplates()
	groups := syntheticGroups()
	render := func(query string, all bool) string {
		q, _ := url.ParseQuery(query)
		chosen, open := map[string]bool{}, map[string]bool{}
		for _, id := range q["group"] {
			chosen[id] = true
		}
		for _, id := range q["open"] {
			open[id] = true
		}
		tree := groupTree(groups, chosen)
		if !all {
			showGroups(tree, chosen, open, func(id skillpath.ID) string { return "/certificates?open=" + id.String() + "#groups" })
		}
		w := httptest.NewRecorder()
		if err := s.templates["certificates.html"].ExecuteTemplate(w, "group-tree", tree); err != nil {
			t.Fatal(err)
		}
		return w.Body.String()
	}
	whole, top := render("", true), render("", false)
	t.Logf("group tree of %d groups: %d bytes whole, %d bytes shown (top levels)", len(groups), len(whole), len(top))
	if len(top) > 30_000 || strings.Count(top, `type="checkbox"`) != 82 || strings.Count(top, "42 subgroups</a>") != 24 {
		t.Errorf("the tree shows %d groups in %d bytes, %d links; want the 82 of the top 3 levels, a link per region, ≤ 30 KB",
			strings.Count(top, `type="checkbox"`), len(top), strings.Count(top, "subgroups</a>"))
	}
	if strings.Count(whole, `type="checkbox"`) != len(groups) {
		t.Errorf("the whole tree has %d groups", strings.Count(whole, `type="checkbox"`))
	}
	id := func(name string) string {
		for _, g := range groups {
			if g.Name == name {
				return g.ID.String()
			}
		}
		t.Fatalf("no group %s", name)
		return ""
	}
	// Sales North opened: its 42 teams; team 3 of Finance East chosen: its region.
	opened := render("open="+id("Sales North"), false)
	if strings.Count(opened, `type="checkbox"`) != 82+42 || !strings.Contains(opened, ">Sales North team 42</label>") {
		t.Errorf("opening Sales North shows %d groups", strings.Count(opened, `type="checkbox"`))
	}
	team := id("Finance East team 3")
	chosen := render("group="+team, false)
	if !strings.Contains(chosen, `value="`+team+`" checked>Finance East team 3</label>`) || strings.Count(chosen, `type="checkbox"`) != 82+42 {
		t.Errorf("a chosen team's region is not open: %d groups", strings.Count(chosen, `type="checkbox"`))
	}
	t.Logf("with a region opened: %d bytes", len(opened))
}
