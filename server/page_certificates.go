package server

import (
	"net/http"

	"skillpath"
	"skillpath/report"
	"skillpath/status"
	"skillpath/store"
)

// The certificate statistics pages (SPEC §3, seed 002, issue 7): the
// certificate list, a certificate's learners with its chart, the certified
// learners and associated paths behind the list's numbers, and a learner's
// history. They read the same store methods as the API, with the same
// scope and filters; each download is the API's CSV, served at the API's
// path without /api/v1/stats by the very handler of the API, so the bytes
// are the same, after a byte-order mark for Excel (excelCSV).
func (s *Server) pagesCertificates() {
	s.page("GET /certificates", s.pageCertificates)
	s.page("GET /certificates/{id}", s.pageCertificate)
	s.page("GET /certificates/{id}/certified", s.pageCertified)
	s.page("GET /certificates/{id}/paths", s.pagePaths)
	s.page("GET /certificates/{id}/learners/{user_id}", s.pageHistory)
	s.page("GET /certificates.csv", excelCSV(s.statsCertificates))
	s.page("GET /certificates/{id}/learners.csv", excelCSV(s.statsLearners))
	s.page("GET /certificates/{id}/certified.csv", excelCSV(s.statsCertified))
	s.page("GET /certificates/{id}/paths.csv", excelCSV(s.statsPaths))
	s.page("GET /certificates/{id}/learners/{user_id}/history.csv", excelCSV(s.statsHistory))
}

// apiAsPage serves an API handler to the signed-in user of a page.
func apiAsPage(h func(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, v *view) error { return h(w, r, v.User) }
}

// The months of a certificate's chart around today.
const (
	chartPastMonths   = 12
	chartFutureMonths = 12
)

// certificatesView is the certificate list.
type certificatesView struct {
	Filter    *statsFilterView
	Refused   bool
	Rows      []certificateLine
	Download  string
	Sort      map[string]sortHeader // by the list's sort keys
	SortOrder []string              // the keys in the columns' order
}

// certificateLine is a row of the list with the links behind its numbers.
type certificateLine struct {
	report.CertificateRow
	Href, Certified, Paths string
	Expiring, Expired      string // the certificate's learners under that latest status, soonest first
}

func (s *Server) pageCertificates(w http.ResponseWriter, r *http.Request, v *view) error {
	p, done, err := s.startStatsPage(w, r, v)
	if done || err != nil {
		return err
	}
	o, err := report.ParseListSort(r.URL.Query())
	if err != nil && !p.refused {
		if !showRefusal(v, err) {
			return err
		}
		p.refused = true
	}
	d := certificatesView{Filter: p.panel, Refused: p.refused, Download: link("/certificates.csv", withSort(p.panel.Query, o)),
		Sort: listHeaders(r.URL, o), SortOrder: report.ListSortKeys}
	if v := r.URL.Query().Get("sort"); v != "" {
		p.panel.Keep = append(p.panel.Keep, hiddenParam{"sort", v})
	}
	if !p.refused {
		err = s.Store.SortedCertificateStats(r.Context(), p.scope, p.filter, o, func(row report.CertificateRow) error {
			base := "/certificates/" + row.ID.String()
			d.Rows = append(d.Rows, certificateLine{CertificateRow: row, Href: link(base, p.panel.Query),
				Certified: link(base+"/certified", p.panel.Query), Paths: link(base+"/paths", p.panel.Query),
				Expiring: statusLink(base, p.panel.Query, status.CertificationExpiringSoon),
				Expired:  statusLink(base, p.panel.Query, status.CertificationExpired)})
			return nil
		})
		if err != nil {
			return err
		}
	}
	v.Title, v.Data = "Certificates", d
	return s.render(w, r, v, "certificates.html")
}

// certificateHead is what every page about one certificate shows at the
// top: the certificate's row of the list, and links back to it.
type certificateHead struct {
	report.CertificateRow
	List, Href, Certified, Paths string
	Rule                         string // the recertification rules in words (issue 13)
	Expiring, Expired            string
}

// learnersView is a certificate's page, or its certified learners: one page
// of learners, and on the certificate's page its chart.
type learnersView struct {
	Certificate certificateHead
	Filter      *statsFilterView
	Refused     bool
	Rows        []learnerLine
	First, Next string // the pager's links
	Download    string
	Chart       *chart
	Caption     string // of the table
	Empty       string // what to say when no learner is left
	Learners    *learnerFilterView
	Sort        map[string]sortHeader // by sort key
	Position    position
}

// learnerLine is a learner with the link to their history.
type learnerLine struct {
	report.LearnerRow
	Href string
}

// certificateStart reads the head of a page about one certificate: 404
// when it does not exist or is outside the scope, as in the API.
func (s *Server) certificateStart(w http.ResponseWriter, r *http.Request, v *view) (*statsPage, certificateHead, bool, error) {
	var head certificateHead
	id, err := pathID(r, "id", "certificate")
	if err != nil {
		return nil, head, false, err
	}
	p, done, err := s.startStatsPage(w, r, v)
	if done || err != nil {
		return nil, head, done, err
	}
	if head.CertificateRow, err = s.Store.CertificateSummary(r.Context(), p.scope, p.filter, id); err != nil {
		return nil, head, false, err
	}
	c, err := s.Store.FindCertificate(r.Context(), id)
	if err != nil {
		return nil, head, false, err
	}
	head.Rule = recertificationRule(c, s.reenrollLead())
	base := "/certificates/" + id.String()
	q := p.panel.Query
	head.List, head.Href, head.Certified, head.Paths = link("/certificates", q), link(base, q), link(base+"/certified", q), link(base+"/paths", q)
	head.Expiring, head.Expired = statusLink(base, q, status.CertificationExpiringSoon), statusLink(base, q, status.CertificationExpired)
	return p, head, false, nil
}

func (s *Server) pageCertificate(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.learnersPage(w, r, v, false)
}

func (s *Server) pageCertified(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.learnersPage(w, r, v, true)
}

// learnersPage shows a page of a certificate's learners (SPEC §3) — or of
// its certified learners only — paged with the API's cursor; the
// certificate's own page adds the chart.
func (s *Server) learnersPage(w http.ResponseWriter, r *http.Request, v *view, certified bool) error {
	p, head, done, err := s.certificateStart(w, r, v)
	if done || err != nil {
		return err
	}
	base := "/certificates/" + head.ID.String()
	d := learnersView{Certificate: head, Filter: p.panel, Refused: p.refused}
	read, page, title := s.Store.CertificateLearners, "certificate.html", head.Title
	d.Caption, d.Empty = "Learners enrolled in a session granting "+head.Title+" or holding it", "No learner the filters keep is enrolled in a session granting this certificate or holds it."
	if certified {
		read, page, title = s.Store.CertifiedLearners, "certified.html", "Certified learners: "+head.Title
		d.Caption, d.Empty = "Learners holding "+head.Title+", valid or expired", "No learner the filters keep holds this certificate."
	}
	v.Title, v.Data = title, &d
	lq, err := report.ParseLearnerQuery(r.URL.Query(), s.Store.Zone)
	d.Learners, d.Sort = learnerControls(r.URL, p.panel.Query, lq)
	if certified { // holders only: "not obtained" keeps no one
		d.Learners.Quick = d.Learners.Quick[:len(d.Learners.Quick)-1]
		d.Learners.Statuses = d.Learners.Statuses[:len(d.Learners.Statuses)-1]
	}
	for _, name := range learnerParams {
		for _, value := range r.URL.Query()[name] {
			p.panel.Keep = append(p.panel.Keep, hiddenParam{name, value})
		}
	}
	d.Download = link(base+"/learners.csv", learnerQueryValues(p.panel.Query, r.URL.Query()))
	if certified {
		d.Download = link(base+"/certified.csv", learnerQueryValues(p.panel.Query, r.URL.Query()))
	}
	if err != nil && !p.refused {
		if !showRefusal(v, err) {
			return err
		}
		d.Refused = true
		d.Learners.Error, d.Learners.ErrorFor = v.Error, v.ErrorFor
	}
	if d.Refused {
		return s.render(w, r, v, page)
	}
	after := r.URL.Query().Get("after")
	total, before, err := s.Store.CountCertificateLearners(r.Context(), p.scope, p.filter, lq, head.ID, certified, after)
	if err == nil {
		var next string
		next, err = read(r.Context(), p.scope, p.filter, lq, head.ID, store.Page{Limit: statsPageSize, After: after}, func(row report.LearnerRow) error {
			d.Rows = append(d.Rows, learnerLine{LearnerRow: row, Href: link(base+"/learners/"+row.UserID.String(), p.panel.Query)})
			return nil
		})
		if next != "" {
			d.Next = withQuery(r.URL, "after", next) + learnerAnchor
		}
	}
	if err != nil {
		if !showRefusal(v, err) {
			return err
		}
		d.Refused = true
	}
	if after != "" {
		d.First = withQuery(r.URL, "after", "") + learnerAnchor
	}
	d.Position = position{First: before + 1, Last: before + len(d.Rows), Total: total}
	if !certified && !d.Refused {
		tl := report.NewTimeline(s.now(), s.Store.Zone, chartPastMonths, chartFutureMonths)
		if err := s.Store.CertificateTimeline(r.Context(), p.scope, p.filter, head.ID, tl); err != nil {
			return err
		}
		c := newChart(tl, s.now())
		d.Chart = &c
	}
	return s.render(w, r, v, page)
}

// pathsView is the names behind the list's "Associated paths".
type pathsView struct {
	Certificate certificateHead
	Rows        []report.PathRow
	Download    string
}

func (s *Server) pagePaths(w http.ResponseWriter, r *http.Request, v *view) error {
	p, head, done, err := s.certificateStart(w, r, v)
	if done || err != nil {
		return err
	}
	d := pathsView{Certificate: head, Download: "/certificates/" + head.ID.String() + "/paths.csv"}
	err = s.Store.CertificatePaths(r.Context(), p.scope, head.ID, func(row report.PathRow) error {
		d.Rows = append(d.Rows, row)
		return nil
	})
	if err != nil {
		return err
	}
	v.Title, v.Data = "Associated paths: "+head.Title, d
	return s.render(w, r, v, "paths.html")
}

// historyView is one learner's history for one certificate.
type historyView struct {
	Certificate certificateHead
	Learner     *skillpath.User
	Filter      *statsFilterView
	Refused     bool
	Rows        []historyRowView
	Download    string
	// The manual actions (page_awards.go): platform admins only.
	Admin     bool
	Delivered []historyRowView // rows with a certificate not revoked
	Sessions  []sessionOption
	Form      awardForm
}

func (s *Server) pageHistory(w http.ResponseWriter, r *http.Request, v *view) error {
	userID, err := pathID(r, "user_id", "user")
	if err != nil {
		return err
	}
	p, head, done, err := s.certificateStart(w, r, v)
	if done || err != nil {
		return err
	}
	d := historyView{Certificate: head, Filter: p.panel, Refused: p.refused,
		Download: link("/certificates/"+head.ID.String()+"/learners/"+userID.String()+"/history.csv", p.panel.Query)}
	filter := p.filter
	if p.refused {
		filter = report.Filter{UserStatus: report.UsersAll} // to tell whether the learner is in scope
	}
	err = s.Store.CertificateHistory(r.Context(), p.scope, filter, head.ID, userID, func(row report.HistoryRow) error {
		if !p.refused {
			rv := historyRowView{HistoryRow: row}
			if row.AwardID != nil {
				rv.Award = row.AwardID.String()
			}
			d.Rows = append(d.Rows, rv)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if d.Learner, err = s.Store.FindUser(r.Context(), userID); err != nil {
		return err
	}
	if err := s.historyActions(r, v, &d, p.scope); err != nil {
		return err
	}
	v.Title, v.Data = d.Learner.Name+": "+head.Title, d
	return s.render(w, r, v, "history.html")
}
