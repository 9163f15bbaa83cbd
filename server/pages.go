package server

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"skillpath"
	"skillpath/report"
	"skillpath/status"
	"skillpath/store"
)

// The web application (issue 7): server-rendered pages, their templates and
// static files embedded in the binary.
var (
	//go:embed templates/*.html
	templateFiles embed.FS
	//go:embed static
	staticFiles embed.FS
)

// staticVersion is a hash of the static files, added to their URLs so that
// browsers may cache them for a year and still see a new release at once.
var staticVersion = func() string {
	h := sha256.New()
	_ = fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := staticFiles.ReadFile(p)
			h.Write([]byte(p))
			h.Write(b)
		}
		return err
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}()

// sharedTemplates are parsed into every page: the layout and the pieces
// pages share (form token, status badge, pager, download link, and the
// statistics pages' filter panel and tables).
var sharedTemplates = []string{"templates/layout.html", "templates/parts.html", "templates/stats-parts.html", "templates/admin-parts.html"}

func (s *Server) pages() {
	s.parseTemplates()
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler()))
	s.mux.HandleFunc("GET /login", s.pageLogin)
	s.mux.HandleFunc("POST /login", s.pageLoginPost)
	s.page("POST /logout", s.pageLogout)
	s.page("GET /{$}", s.pageHome)
	s.pagesLearn()
	s.pagesPlayer()
	s.pagesGrading()
	s.pagesResults()
	s.pagesTracking()
	s.pagesCertificates()
	s.pagesAwards()
	s.pagesApprovals()
	s.pagesSessions()
	s.pagesCatalog()
	s.pagesNotifications()
	s.pagesPeople()
}

// parseTemplates parses each page with the shared templates; a broken
// template stops the program at start-up rather than at the first visit.
func (s *Server) parseTemplates() {
	base := template.Must(template.New("").Funcs(s.templateFuncs()).ParseFS(templateFiles, sharedTemplates...))
	pages, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		panic(err)
	}
	s.templates = map[string]*template.Template{}
	for _, p := range pages {
		if slices.Contains(sharedTemplates, p) {
			continue
		}
		s.templates[path.Base(p)] = template.Must(template.Must(base.Clone()).ParseFS(templateFiles, p))
	}
}

// templateFuncs format values the way every page shows them.
func (s *Server) templateFuncs() template.FuncMap {
	return template.FuncMap{
		// date is a calendar date in the platform's time zone (SPEC §2).
		"date": func(v any) string {
			switch t := v.(type) {
			case time.Time:
				return report.Date(&t, s.Store.Zone)
			case *time.Time:
				return report.Date(t, s.Store.Zone)
			}
			return ""
		},
		// datetime is a moment in the platform's time zone, to the minute,
		// with the zone's abbreviation (issue 18): "2026-01-31 10:00 CET".
		"datetime": func(t time.Time) string { return t.In(s.Store.Zone).Format("2006-01-02 15:04 MST") },
		// zone names the platform's time zone, which every date is in.
		"zone": func() string { return s.Store.Zone.String() },
		"percent": func(p *float64) string {
			if p == nil {
				return "—"
			}
			return number(*p) + "%"
		},
		"number": number,
		// score is a training's or a module's score as the learner reads it
		// (issue 18): final once completed, and otherwise said to be a score
		// so far, so that 9.1% after one answer does not read as failing.
		"score": func(p *float64, st any) string {
			if p == nil {
				return "—"
			}
			done := false
			switch v := st.(type) {
			case status.Training:
				done = v.Completed()
			case status.Module:
				done = v.Completed()
			}
			if done {
				return number(*p) + "%"
			}
			return number(*p) + "% so far"
		},
		"add": func(a, b int) int { return a + b },
		// quantity is n units in words: "1 learner", "3 learners".
		"quantity": quantity,
		// dict gives a partial several values: (dict "View" $ "Row" .).
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		"hasPrefix": strings.HasPrefix,
		// kib is a file's size for people: "12 KiB" (at least 1).
		"kib": func(n int64) string { return fmt.Sprintf("%d KiB", max(1, (n+1023)/1024)) },
		// price is an amount in the platform's currency: "49.00 EUR".
		"price": func(p *skillpath.Price) string {
			if p == nil {
				return ""
			}
			return p.Format(s.currency())
		},
		// px is a coordinate of a chart's SVG.
		"px":     func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
		"badge":  badge,
		"deref":  func(p *float64) float64 { return *p },
		"static": func(name string) string { return "/static/" + name + "?v=" + staticVersion },
		// host is the site a link leads to, said beside it.
		"host": func(raw string) string {
			if u, err := url.Parse(raw); err == nil {
				return u.Host
			}
			return ""
		},
	}
}

// number shows a score or points with at most one decimal: 66.7, 10.
func number(f float64) string {
	return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64)
}

// badge shows a status (training, module, activity or certificate) as a
// labelled badge whose class names the value, for its colour.
func badge(v any) template.HTML {
	var value, label string
	switch st := v.(type) {
	case status.Training:
		value, label = string(st), st.Label()
	case status.Module:
		value, label = string(st), st.Label()
	case status.Activity:
		value, label = string(st), st.Label()
	case status.Certification:
		value, label = string(st), st.Label()
	case *status.Certification:
		if st == nil {
			return "—"
		}
		value, label = string(*st), st.Label()
	default:
		return ""
	}
	return template.HTML(`<span class="badge badge-` + template.HTMLEscapeString(value) + `">` + template.HTMLEscapeString(label) + `</span>`)
}

// staticHandler serves the embedded static files; their URLs carry a
// version, so they are cached for a year.
func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err)
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}

// serves reports whether a page is registered at path, so navigation links
// to pages added later (certificates, tracking) appear with them.
func (s *Server) serves(p string) bool {
	_, pattern := s.mux.Handler(&http.Request{Method: http.MethodGet, URL: &url.URL{Path: p}})
	return pattern != ""
}

// navigation is the main menu for the user's roles: Learn for everyone;
// Grading for those who may score; Trainings (results) and Certificates for
// staff; Tracking for those who may configure it (platform admins and
// authors); People and Groups for platform admins and groups' admins and
// coaches.
func (s *Server) navigation(roles store.Roles, current string) []navLink {
	links := []struct {
		label, href string
		show        bool
	}{
		{"Learn", "/learn", true},
		{"Grading", "/grading", roles.Scorer()},
		{"Trainings", "/trainings", roles.Staff()},
		{"Certificates", "/certificates", roles.Staff()},
		{"Tracking", "/tracking", roles.PlatformAdmin || roles.Author},
		{"Catalog", "/catalog", roles.PlatformAdmin || roles.Author},
		{"Approvals", "/approvals", roles.PlatformAdmin || roles.GroupAdmin},
		{"Notifications", "/notifications", roles.PlatformAdmin},
		{"Webhooks", "/webhooks", roles.PlatformAdmin},
		{"People", "/people", roles.PlatformAdmin || roles.GroupAdmin || roles.Coach},
		{"Groups", "/groups", roles.PlatformAdmin || roles.GroupAdmin || roles.Coach},
	}
	if strings.HasPrefix(current, "/trainings/") && strings.HasSuffix(current, "/tracking") {
		current = "/tracking" // a training's tracking settings belong to Tracking, not to its results
	}
	var nav []navLink
	for _, l := range links {
		if l.show && s.serves(l.href) {
			nav = append(nav, navLink{Label: l.label, Href: l.href, Current: current == l.href || strings.HasPrefix(current, l.href+"/")})
		}
	}
	return nav
}

// pageHome sends each user to where they work: staff to their trainings'
// results, everyone else to their learning.
func (s *Server) pageHome(w http.ResponseWriter, r *http.Request, v *view) error {
	if v.Roles.Staff() {
		return redirect(w, r, "/trainings")
	}
	return redirect(w, r, "/learn")
}
