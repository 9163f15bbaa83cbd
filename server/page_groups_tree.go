package server

import (
	"strings"

	"skillpath"
)

// orgNode is a group in the tree of the pages: its depth, its children,
// and the staff shown beside it.
type orgNode struct {
	*skillpath.Group
	Depth    int
	Path     string // "North › North East"
	Children []*orgNode
	Staff    []staffLine
	InScope  bool // the caller may manage its staff
	Top      bool // a top group of the tree shown (open at first), whatever its depth
}

// staffLine is one staff role as the pages show it.
type staffLine struct {
	UserID          skillpath.ID
	Name, Email     string
	Role            skillpath.StaffRole
	GroupID         skillpath.ID
	GroupPath       string
	CanRemove       bool
	RemoveFormLabel string
}

// orgTree arranges groups (parents before children, as ListGroups
// returns them) into their tree, in name order, and lists the nodes depth
// first: the order of the pages' lists and selects.
func orgTree(groups []*skillpath.Group) (roots []*orgNode, flat []*orgNode, byID map[skillpath.ID]*orgNode) {
	byID = make(map[skillpath.ID]*orgNode, len(groups))
	for _, g := range groups {
		n := &orgNode{Group: g, Path: g.Name}
		byID[g.ID] = n
		if g.ParentID == nil {
			roots = append(roots, n)
			continue
		}
		p := byID[*g.ParentID]
		if p == nil {
			roots = append(roots, n)
			continue
		}
		n.Depth, n.Path = p.Depth+1, p.Path+" › "+g.Name
		p.Children = append(p.Children, n)
	}
	var walk func(ns []*orgNode)
	walk = func(ns []*orgNode) {
		for _, n := range ns {
			flat = append(flat, n)
			walk(n.Children)
		}
	}
	walk(roots)
	return roots, flat, byID
}

// groupChoice is a group in a select or checkbox list.
type groupChoice struct {
	ID       skillpath.ID
	Label    string // indented by depth
	Path     string
	Selected bool
}

// groupChoices lists the nodes for a select, the chosen ones selected.
func groupChoices(flat []*orgNode, chosen []skillpath.ID) []groupChoice {
	sel := map[skillpath.ID]bool{}
	for _, id := range chosen {
		sel[id] = true
	}
	out := make([]groupChoice, len(flat))
	for i, n := range flat {
		out[i] = groupChoice{ID: n.ID, Label: strings.Repeat("\u00a0\u00a0", n.Depth) + n.Name, Path: n.Path, Selected: sel[n.ID]}
	}
	return out
}
