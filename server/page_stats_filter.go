package server

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"skillpath"
	"skillpath/report"
)

// The filter panel of the statistics pages (SPEC §3, issue 7). Its state
// is the page's URL, with the API's parameter names — registered_from,
// registered_to, group, field.KEY, user_status — so report.ParseFilter
// reads pages and API alike, and a page's download is the API's CSV of the
// same query.

// statsFilterParams are the query parameters of the filters; field.KEY
// parameters go with them.
var statsFilterParams = []string{"registered_from", "registered_to", "group", "user_status"}

// Fields of the form that add a custom field value: a form cannot name a
// parameter after a choice, so the page folds them into field.KEY=VALUE
// and redirects (canonicalFilter).
const (
	fieldKeyParam   = "field_key"
	fieldValueParam = "field_value"
)

// filterQuery keeps the filters of a query, without paging or empty values:
// what links between the statistics pages and their downloads carry.
func filterQuery(q url.Values) url.Values {
	out := url.Values{}
	for name, values := range q {
		if !slices.Contains(statsFilterParams, name) && !strings.HasPrefix(name, "field.") {
			continue
		}
		for _, v := range values {
			if v != "" {
				out.Add(name, v)
			}
		}
	}
	return out
}

// link is a path with a query, "?" left out when the query is empty.
func link(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// canonicalFilter reads the answer of a filter form: when it carries
// field_key and field_value, it returns the page's URL with the value as
// field.KEY=VALUE and without the form's empty fields, to redirect to.
// A value without a field is refused, naming field_key. The value typed
// stands for the values users have that equal it ignoring case, as match
// finds them ("forklift operator" for "Forklift Operator"), or for itself
// when none does: the filter compares exactly, the panel does not.
func canonicalFilter(u *url.URL, match func(key, value string) ([]string, error)) (string, error) {
	q := u.Query()
	if !q.Has(fieldKeyParam) && !q.Has(fieldValueParam) {
		return "", nil
	}
	key, value := strings.TrimSpace(q.Get(fieldKeyParam)), strings.TrimSpace(q.Get(fieldValueParam))
	if key == "" && value != "" {
		return "", skillpath.Invalid(fieldKeyParam, "choose the custom field that should be %q", value)
	}
	q.Del(fieldKeyParam)
	q.Del(fieldValueParam)
	if key != "" && value != "" {
		values, err := match(key, value)
		if err != nil {
			return "", err
		}
		if len(values) == 0 {
			values = []string{value}
		}
		for _, v := range values {
			if !slices.Contains(q["field."+key], v) {
				q.Add("field."+key, v)
			}
		}
	}
	for name, values := range q {
		kept := slices.DeleteFunc(values, func(v string) bool { return v == "" })
		if len(kept) == 0 {
			q.Del(name)
		} else {
			q[name] = kept
		}
	}
	return link(u.Path, q), nil
}

// statsFilterView is the panel's state and choices.
type statsFilterView struct {
	Action     string // the page's path, the form's target and "Clear filters"
	From, To   string // registration days as the URL gives them
	UserStatus []statusOption
	Groups     []*groupNode // the group tree, its top levels and the opened subtrees
	Chosen     []string     // names of the chosen groups, for the panel's summary
	Open       []string     // the opened groups (open=ID), kept by the form
	Fields     []fieldChoice
	Keys       []string      // custom field keys to choose from
	Query      url.Values    // the filters, for links and downloads
	Values     []fieldChoice // existing values of each key, offered as the value's choices
	Keep       []hiddenParam // the page's other parameters, kept by the form
	Error      string        // a refused filter, shown next to its field
	ErrorFor   string        // the id of that field
}

// groupNode is a group of the tree, with its subgroups when they are shown;
// Hidden counts them when they are not, and OpenURL is the page showing them.
type groupNode struct {
	ID       skillpath.ID
	Name     string
	Checked  bool
	Children []*groupNode
	Hidden   int
	OpenURL  string
}

// fieldValuesOffered is how many values of each custom field the panel
// offers, the first in order; any other may still be typed.
const fieldValuesOffered = 100

// groupTreeShown is how many groups the tree shows at most before any is
// opened: whole levels from the top while they fit. The deeper levels are
// opened group by group (open=ID, a link that reloads the page), so the
// panel of an organisation of a thousand groups stays a few KiB.
const groupTreeShown = 200

// fieldChoice is one value of a custom field the filters keep.
type fieldChoice struct {
	ID, Key, Value string
}

// userStatuses are the choices of the user status filter (SPEC §3).
var userStatuses = []struct {
	value report.UserStatus
	label string
}{
	{report.UsersActive, "Active users"},
	{report.UsersDeleted, "Deleted users"},
	{report.UsersAll, "All users, and certificates linked to no one"},
}

// statsPage is what every statistics page starts from: the caller's scope,
// the filters, the panel showing them, and whether they were refused.
type statsPage struct {
	scope   report.Scope
	filter  report.Filter
	panel   *statsFilterView
	refused bool // the page shows why, and no statistics
}

// startStatsPage reads the scope (EFORBIDDEN for a learner) and the
// filters of a statistics page. It answers a filter form with a redirect
// to the canonical URL (done is true then). A refused filter is shown on
// the page — the reason at the top, linked to its field, with status 400 —
// and leaves the default filter in place, for the page's heading.
func (s *Server) startStatsPage(w http.ResponseWriter, r *http.Request, v *view) (p *statsPage, done bool, err error) {
	p = &statsPage{filter: report.Filter{UserStatus: report.UsersActive}}
	if p.scope, err = s.Store.StatsScope(r.Context(), v.User); err != nil {
		return nil, false, err
	}
	to, err := canonicalFilter(r.URL, func(key, value string) ([]string, error) {
		if !skillpath.ValidFieldKey(key) {
			return nil, nil // refused by the filter, naming it
		}
		return s.Store.MatchFieldValues(r.Context(), key, value)
	})
	if err == nil && to != "" {
		return nil, true, redirect(w, r, to)
	}
	q := r.URL.Query()
	if err == nil {
		var f report.Filter
		if f, err = report.ParseFilter(q, s.Store.Zone); err == nil {
			if err = s.Store.CheckFilter(r.Context(), f); err == nil {
				p.filter = f
			}
		}
	}
	if err != nil {
		if p.refused = showRefusal(v, err); !p.refused {
			return nil, false, err
		}
	}
	if p.panel, err = s.filterPanel(r, p.scope, q); err != nil {
		return nil, false, err
	}
	if p.refused {
		p.panel.Error, p.panel.ErrorFor = v.Error, v.ErrorFor
	}
	return p, false, nil
}

// showRefusal shows bad input (EINVALID: a filter, a page's cursor) at the
// top of the page, linked to its field — and next to it, the panel shows
// it too — in the user's words, with status 400, and reports whether it
// did; any other error is not the visitor's to fix.
func showRefusal(v *view, err error) bool {
	var e *skillpath.Error
	if !errors.As(err, &e) || e.Code != skillpath.EINVALID {
		return false
	}
	v.Error, v.ErrorFor, v.Status = pageMessage(err), filterField(e.Field), http.StatusBadRequest
	if e.Field == "after" {
		v.Error = "This link to a page of the table is not valid (any more): start again from the first page."
	}
	return true
}

// filterField is the id of the field of a refused parameter, "" for none.
func filterField(param string) string {
	switch {
	case param == "registered_from", param == "registered_to", param == "user_status", param == fieldKeyParam,
		slices.Contains(learnerParams, param):
		return param
	case param == "group":
		return "groups"
	case strings.HasPrefix(param, "field"):
		return "fields"
	}
	return ""
}

// filterPanel builds the panel from the query: the groups and keys to
// choose from, with the chosen ones marked.
func (s *Server) filterPanel(r *http.Request, sc report.Scope, q url.Values) (*statsFilterView, error) {
	groups, err := s.Store.StatsGroups(r.Context(), sc)
	if err != nil {
		return nil, err
	}
	keys, err := s.Store.FieldKeys(r.Context())
	if err != nil {
		return nil, err
	}
	values, err := s.Store.FieldValues(r.Context(), keys, fieldValuesOffered)
	if err != nil {
		return nil, err
	}
	p := &statsFilterView{Action: r.URL.Path, From: q.Get("registered_from"), To: q.Get("registered_to"), Keys: keys, Query: filterQuery(q)}
	for _, k := range keys {
		for _, v := range values[k] {
			p.Values = append(p.Values, fieldChoice{Key: k, Value: v})
		}
	}
	chosen := map[string]bool{}
	for _, v := range q["group"] {
		for _, id := range strings.Split(v, ",") {
			chosen[strings.TrimSpace(id)] = true
		}
	}
	open := map[string]bool{}
	for _, v := range q["open"] {
		for _, id := range strings.Split(v, ",") {
			if _, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64); err == nil && !open[strings.TrimSpace(id)] {
				open[strings.TrimSpace(id)] = true
				p.Open = append(p.Open, strings.TrimSpace(id))
			}
		}
	}
	p.Groups = groupTree(groups, chosen)
	showGroups(p.Groups, chosen, open, func(id skillpath.ID) string {
		oq := filterQuery(q)
		for _, o := range p.Open {
			oq.Add("open", o)
		}
		oq.Add("open", id.String())
		return link(r.URL.Path, oq) + "#groups"
	})
	for _, g := range groups {
		if chosen[g.ID.String()] {
			p.Chosen = append(p.Chosen, g.Name)
		}
	}
	slices.Sort(p.Chosen)
	status := q.Get("user_status")
	if status == "" {
		status = string(report.UsersActive)
	}
	for _, st := range userStatuses {
		p.UserStatus = append(p.UserStatus, statusOption{Value: string(st.value), Label: st.label, Selected: status == string(st.value)})
	}
	var names []string
	for name := range q {
		if strings.HasPrefix(name, "field.") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range q[name] {
			if v != "" {
				p.Fields = append(p.Fields, fieldChoice{ID: "field-" + strconv.Itoa(len(p.Fields)+1), Key: strings.TrimPrefix(name, "field."), Value: v})
			}
		}
	}
	return p, nil
}

// groupTree arranges groups under their parents, each level by name; a
// group whose parent is not among them is at the top.
func groupTree(groups []*skillpath.Group, chosen map[string]bool) []*groupNode {
	nodes := map[skillpath.ID]*groupNode{}
	for _, g := range groups {
		nodes[g.ID] = &groupNode{ID: g.ID, Name: g.Name, Checked: chosen[g.ID.String()]}
	}
	var top []*groupNode
	for _, g := range groups {
		n := nodes[g.ID]
		if g.ParentID != nil && nodes[*g.ParentID] != nil {
			parent := nodes[*g.ParentID]
			parent.Children = append(parent.Children, n)
		} else {
			top = append(top, n)
		}
	}
	var sortTree func([]*groupNode)
	sortTree = func(list []*groupNode) {
		slices.SortFunc(list, func(a, b *groupNode) int {
			if c := strings.Compare(a.Name, b.Name); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
		for _, n := range list {
			sortTree(n.Children)
		}
	}
	sortTree(top)
	return top
}

// showGroups keeps the subgroups the panel shows: whole levels from the
// top while they fit in groupTreeShown, and the path to every chosen or
// opened group and the opened groups' subgroups. A group whose subgroups
// are not shown counts them and links to the page opening it.
func showGroups(top []*groupNode, chosen, open map[string]bool, openURL func(skillpath.ID) string) {
	depth, shown := 0, 0
	for level := top; len(level) > 0 && shown+len(level) <= groupTreeShown; depth++ {
		shown += len(level)
		var next []*groupNode
		for _, n := range level {
			next = append(next, n.Children...)
		}
		level = next
	}
	// keep reports whether n is chosen or opened, or holds one that is.
	var keep func(n *groupNode, d int) bool
	keep = func(n *groupNode, d int) bool {
		id := n.ID.String()
		wanted := chosen[id] || open[id]
		inside := false
		for _, c := range n.Children {
			if keep(c, d+1) {
				inside = true
			}
		}
		if len(n.Children) > 0 && d+1 >= depth && !inside && !open[id] {
			n.Hidden, n.OpenURL = countGroups(n.Children), openURL(n.ID)
			n.Children = nil
		}
		return wanted || inside
	}
	for _, n := range top {
		keep(n, 0)
	}
}

// countGroups counts the groups of a forest.
func countGroups(list []*groupNode) int {
	n := len(list)
	for _, g := range list {
		n += countGroups(g.Children)
	}
	return n
}
