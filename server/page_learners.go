package server

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"skillpath/report"
	"skillpath/status"
)

// The learners table's own controls on the certificate pages (SPEC §3,
// "finding who needs action"; issue 18): the latest status and expiration
// filters, the sortable columns and where the page is among all rows. Its
// state is the URL, with the API's parameter names, so a page's download
// is exactly the rows the page lists, every page of them.

// learnerParams are the parameters of report.ParseLearnerQuery.
var learnerParams = []string{"latest_status", "expires_from", "expires_to", "sort"}

// learnerAnchor is the id of the learners table's heading: the links that
// change the table (pages, orders) land there, not above the filters.
const learnerAnchor = "#learners-heading"

// learnerFilterView is the form of the learners table's filters.
type learnerFilterView struct {
	Action   string // the page's path
	Statuses []statusChoice
	From, To string        // expiration days as the URL gives them
	Keep     []hiddenParam // the panel's filters and the order, kept by the form
	Quick    []quickFilter // one-click filters: who needs action
	Clear    string        // the page with the panel's filters only
	Error    string        // a refused value of this form, shown by its field
	ErrorFor string        // the id of that field
}

// statusChoice is a checkbox of the latest status filter.
type statusChoice struct {
	Value, Label string
	Checked      bool
}

// hiddenParam is a parameter a form carries unchanged.
type hiddenParam struct{ Name, Value string }

// quickFilter is a link to the table under one filter.
type quickFilter struct {
	Label, Href string
	Current     bool
}

// sortHeader is a sortable column heading: its link sorts by the column,
// or reverses the order when the table is already sorted by it.
type sortHeader struct {
	Label, Href, Sort string // Sort: ascending or descending, for aria-sort; "" when not sorted by it
	Next              string // what the link does, for screen readers
	Class             string // of the heading: "num" for a column of numbers
}

// learnerControls builds the form, the headings and the quick filters
// from the page's URL u and the query lq read from it; "not obtained" is
// the last status and the last quick filter, which the certified
// learners' page leaves out.
func learnerControls(u *url.URL, panel url.Values, lq report.LearnerQuery) (*learnerFilterView, map[string]sortHeader) {
	q := u.Query()
	f := &learnerFilterView{Action: u.Path, From: q.Get("expires_from"), To: q.Get("expires_to"), Clear: link(u.Path, panel) + learnerAnchor}
	for _, c := range report.Certifications {
		f.Statuses = append(f.Statuses, statusChoice{Value: string(c), Label: c.Label(), Checked: slices.Contains(lq.Statuses, c)})
	}
	for name, values := range panel {
		for _, v := range values {
			f.Keep = append(f.Keep, hiddenParam{name, v})
		}
	}
	slices.SortStableFunc(f.Keep, func(a, b hiddenParam) int { return strings.Compare(a.Name, b.Name) })
	if v := q.Get("sort"); v != "" {
		f.Keep = append(f.Keep, hiddenParam{"sort", v})
	}
	for _, quick := range []struct {
		label    string
		statuses []status.Certification
	}{
		{"Expiring within 30 days", []status.Certification{status.CertificationExpiringSoon}},
		{"Expired", []status.Certification{status.CertificationExpired}},
		{"Expired or expiring", []status.Certification{status.CertificationExpiringSoon, status.CertificationExpired}},
		{"Not obtained", []status.Certification{status.CertificationNotObtained}},
	} {
		lq2 := report.LearnerQuery{Statuses: quick.statuses, Sort: report.LearnerSort{Key: report.SortExpiresAt}}
		v := cloneValues(panel)
		for _, s := range quick.statuses {
			v.Add("latest_status", string(s))
		}
		v.Set("sort", lq2.Sort.String())
		current := slices.Equal(lq.Statuses, quick.statuses) && lq.ExpiresFrom == nil && lq.ExpiresBefore == nil
		f.Quick = append(f.Quick, quickFilter{Label: quick.label, Href: link(u.Path, v) + learnerAnchor, Current: current})
	}
	labels := map[report.SortKey]string{report.SortName: "Learner", report.SortEmail: "email", report.SortStatus: "Latest status",
		report.SortDeliveredAt: "Delivery date", report.SortExpiresAt: "Expiration date"}
	headers := map[string]sortHeader{}
	for _, key := range report.SortKeys {
		h := sortHeader{Label: labels[key]}
		next := report.LearnerSort{Key: key}
		if lq.Sort.Key == key {
			h.Sort = "ascending"
			if lq.Sort.Desc {
				h.Sort = "descending"
			} else {
				next.Desc = true
			}
		}
		h.Next = "sort ascending"
		if next.Desc {
			h.Next = "sort descending"
		}
		v := u.Query()
		v.Del("after")
		v.Set("sort", next.String())
		h.Href = link(u.Path, v) + learnerAnchor
		headers[string(key)] = h
	}
	return f, headers
}

// learnerQueryValues are the parameters of lq in the URL's query q, for a
// download of the same rows.
func learnerQueryValues(panel, q url.Values) url.Values {
	v := cloneValues(panel)
	for _, name := range learnerParams {
		for _, value := range q[name] {
			if value != "" {
				v.Add(name, value)
			}
		}
	}
	return v
}

func cloneValues(q url.Values) url.Values {
	v := url.Values{}
	for name, values := range q {
		v[name] = slices.Clone(values)
	}
	return v
}

// position says where a page is among all rows: "Learners 51–100 of 2,161".
type position struct {
	First, Last, Total int
}

// String is the position in words, with thousands separated.
func (p position) String() string {
	if p.Total == 0 {
		return "No learner"
	}
	noun := "learners"
	if p.Total == 1 {
		noun = "learner"
	}
	if p.First == 1 && p.Last == p.Total {
		return thousands(p.Total) + " " + noun
	}
	return "Learners " + thousands(p.First) + "–" + thousands(p.Last) + " of " + thousands(p.Total)
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// statusLink is a certificate's page (base) listing the learners of one
// latest status under the panel's filters, the soonest expiration first.
func statusLink(base string, panel url.Values, c status.Certification) string {
	v := cloneValues(panel)
	v.Set("latest_status", string(c))
	v.Set("sort", string(report.SortExpiresAt))
	return link(base, v) + learnerAnchor
}

// withSort is the panel's filters with the list's order, for its download.
func withSort(panel url.Values, o report.ListSort) url.Values {
	if o.Key == "" || o == (report.ListSort{Key: "title"}) {
		return panel
	}
	v := cloneValues(panel)
	v.Set("sort", o.String())
	return v
}

// listLabels are the certificate list's headings.
var listLabels = map[string]string{"title": "Title", "owner_group": "Owner group", "validity_months": "Validity period",
	"certified_learners": "Certified learners", "enrolled_learners": "Enrolled learners", "associated_paths": "Associated paths",
	"expiring_soon_learners": "Expiring soon", "expired_learners": "Expired"}

// listHeaders are the certificate list's sortable headings: a first click
// sorts text A to Z and numbers most first, a second reverses.
func listHeaders(u *url.URL, o report.ListSort) map[string]sortHeader {
	headers := map[string]sortHeader{}
	for _, key := range report.ListSortKeys {
		text := key == "title" || key == "owner_group" || key == "validity_months"
		next := report.ListSort{Key: key, Desc: !text}
		h := sortHeader{Label: listLabels[key]}
		if key != "title" && key != "owner_group" {
			h.Class = "num"
		}
		if o.Key == key {
			h.Sort = "ascending"
			if o.Desc {
				h.Sort = "descending"
			}
			next.Desc = !o.Desc
		}
		h.Next = "sort ascending"
		if next.Desc {
			h.Next = "sort descending"
		}
		v := u.Query()
		v.Set("sort", next.String())
		h.Href = link(u.Path, v) + "#list-heading"
		headers[key] = h
	}
	return headers
}
