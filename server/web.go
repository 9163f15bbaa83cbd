package server

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"skillpath"
	"skillpath/store"
)

// Cookies of the web pages. The session cookie holds a secret whose hash is
// a web_sessions row; the flash cookie carries one message across a
// redirect; the login cookie is the double-submit token of the login form,
// which has no session yet.
const (
	sessionCookie = "skillpath_session"
	flashCookie   = "skillpath_flash"
	loginCookie   = "skillpath_login"
	csrfField     = "csrf_token"
)

// view is what every page template is given: the signed-in user and their
// navigation, the form token, one message, and the page's own data.
type view struct {
	Title    string
	User     *skillpath.User
	Roles    store.Roles
	Nav      []navLink
	CSRF     string
	Flash    string // a success message carried over a redirect
	Error    string // why an action was refused, shown at the top as an alert
	ErrorFor string // the id of the element the error is about, if any
	Status   int    // the HTTP status to answer with; 200 when zero
	Data     any
}

// navLink is one entry of the main navigation.
type navLink struct {
	Label, Href string
	Current     bool
	Count       int // a number shown beside the label (pending approvals), when not zero
}

// pageFunc handles a page for a signed-in user.
type pageFunc func(w http.ResponseWriter, r *http.Request, v *view) error

// crossOrigin refuses unsafe requests a browser marks as coming from
// another site (Sec-Fetch-Site, or Origin against Host): the first line of
// defence against cross-site request forgery, before the form token.
var crossOrigin = http.NewCrossOriginProtection()

// page registers a page that needs a signed-in user. An anonymous visitor
// is sent to /login and brought back afterwards; every POST must come from
// this site and carry the session's form token.
func (s *Server) page(pattern string, h pageFunc) {
	s.mux.HandleFunc(pattern, s.pageHandler(pattern, h))
}

// pageHandler is the handler page registers for h.
func (s *Server) pageHandler(pattern string, h pageFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pageHeaders(w)
		ws, err := s.webSession(r)
		if err != nil {
			if skillpath.ErrorCode(err) != skillpath.EUNAUTHORIZED {
				s.pageError(w, r, &view{}, err)
				return
			}
			if _, cerr := r.Cookie(sessionCookie); cerr == nil {
				s.setCookie(w, r, sessionCookie, "", -1)
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(returnPath(r)), http.StatusSeeOther)
			return
		}
		v := &view{User: ws.User, CSRF: ws.CSRF}
		if r.Method == http.MethodPost {
			if err := checkForm(w, r, ws.CSRF); err != nil {
				s.pageError(w, r, v, err)
				return
			}
		}
		if v.Roles, err = s.Store.UserRoles(r.Context(), ws.User); err != nil {
			s.pageError(w, r, v, err)
			return
		}
		v.Nav = s.navigation(v.Roles, r.URL.Path)
		v.Flash = s.takeFlash(w, r)
		r = s.audit(r, pattern, ws.User)
		if err := h(w, r, v); err != nil {
			s.pageError(w, r, v, err)
		}
	}
}

// webSession finds the signed-in session of the request's cookie.
func (s *Server) webSession(r *http.Request) (*store.WebSession, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, skillpath.Errorf(skillpath.EUNAUTHORIZED, "not signed in")
	}
	return s.Store.WebSession(r.Context(), c.Value)
}

// returnPath is where to come back after signing in: the page asked for, or
// for a form sent after the session ended, the page the form was on.
func returnPath(r *http.Request) string {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return r.URL.RequestURI()
	}
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host {
		if p := localPath(ref.RequestURI()); p != "" {
			return p
		}
	}
	return "/"
}

// localPath returns next when it is a path on this site, "" otherwise, so a
// link to /login?next=… can never send someone to another site.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\x00\r\n\t") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return next
}

// errForgery is how a refused form is explained.
var errForgery = skillpath.Errorf(skillpath.EFORBIDDEN,
	"This form was sent from another site, or it expired. Go back, reload the page and try again.")

// checkForm refuses a POST from another site or without the session's form
// token, after reading the form (bounded like JSON bodies).
func checkForm(w http.ResponseWriter, r *http.Request, token string) error {
	if err := crossOrigin.Check(r); err != nil {
		return errForgery
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return skillpath.Errorf(skillpath.ETOOLARGE, "The form is larger than %d bytes.", tooLarge.Limit)
		}
		return skillpath.Errorf(skillpath.EINVALID, "The form could not be read.")
	}
	if !sameSecret(r.PostForm.Get(csrfField), token) {
		return errForgery
	}
	return checkValues(r.PostForm)
}

func sameSecret(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// pageHeaders keep pages out of frames and caches and allow only this
// site's own styles, scripts and form targets.
func pageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

// secure reports whether the browser reached us over TLS, directly or
// through a proxy that says so.
func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// setCookie sets (maxAge > 0), keeps for the browser session (0) or deletes
// (< 0) one of the pages' cookies: HttpOnly, SameSite=Lax, Secure over TLS.
func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure(r)})
}

// flash sets the message the next page shows once.
func (s *Server) flash(w http.ResponseWriter, r *http.Request, msg string) {
	s.setCookie(w, r, flashCookie, url.QueryEscape(msg), 60)
}

func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	s.setCookie(w, r, flashCookie, "", -1)
	msg, err := url.QueryUnescape(c.Value)
	if err != nil {
		return ""
	}
	return msg
}

// redirect answers a successful form with a redirect to a page (POST,
// redirect, GET), so reloading the page never sends the form again.
func redirect(w http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// render answers the page template name with the view.
func (s *Server) render(w http.ResponseWriter, r *http.Request, v *view, name string) error {
	t, ok := s.templates[name]
	if !ok {
		return skillpath.Errorf(skillpath.EINTERNAL, "no page template %q", name)
	}
	if err := s.approvalBadge(r, v); err != nil { // counted only for a page shown, not for redirects and downloads
		return err
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	status := v.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// refused shows a refused action on its page instead of an error page: the
// reason the store gave (a rule of SPEC, bad input, a conflict) and the
// page as it is, with the status of the refusal. Any other error goes on
// to the error page.
func (s *Server) refused(w http.ResponseWriter, r *http.Request, v *view, err error, errorFor string, show pageFunc) error {
	switch code := skillpath.ErrorCode(err); code {
	case skillpath.EINVALID, skillpath.EUNPROCESSABLE, skillpath.ECONFLICT, skillpath.ETOOLARGE:
		v.Error, v.ErrorFor, v.Status = pageMessage(err), errorFor, statusOf[code]
		return show(w, r, v)
	case skillpath.ENOTFOUND:
		// Something the form names (a group in group_ids) rather than the
		// page itself: shown at the form, still 404.
		if e, ok := err.(*skillpath.Error); ok && e.Field != "" {
			v.Error, v.ErrorFor, v.Status = pageMessage(err), errorFor, statusOf[code]
			return show(w, r, v)
		}
	}
	return err
}

// pageError answers an error as a page: not found, forbidden, or for
// anything unexpected "Something went wrong" (logged, never detailed).
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, v *view, err error) {
	err = s.classify(r, err)
	code := skillpath.ErrorCode(err)
	setRetryAfter(w, err)
	e := &view{User: v.User, Roles: v.Roles, Nav: v.Nav, CSRF: v.CSRF, Status: statusOf[code], Data: errorPage{Message: skillpath.ErrorMessage(err)}}
	switch code {
	case skillpath.ENOTFOUND:
		e.Title = "Not found"
	case skillpath.EFORBIDDEN:
		e.Title = "Not allowed"
	case skillpath.EUNAVAILABLE:
		e.Title = "Unavailable for a moment"
	case skillpath.EINTERNAL:
		e.Title = "Something went wrong"
		e.Data = errorPage{Message: "Something went wrong on our side. Try again in a moment."}
	default:
		e.Title = "Cannot do that"
	}
	if rerr := s.render(w, r, e, "error.html"); rerr != nil {
		s.Log.Error("render error page", "error", rerr)
		http.Error(w, e.Title, e.Status)
	}
}

type errorPage struct{ Message string }
