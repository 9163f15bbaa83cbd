package server

import (
	"crypto/rand"
	"net/http"
	"strings"
	"time"

	"skillpath"
)

// loginPage is the sign-in form: the email typed (never the password), the
// page to return to, and the form's double-submit token.
type loginPage struct {
	Email, Next, Token string
	SignedOut          bool
}

// pageLogin shows the sign-in form, or goes straight on for someone who is
// signed in already.
func (s *Server) pageLogin(w http.ResponseWriter, r *http.Request) {
	pageHeaders(w)
	next := localPath(r.URL.Query().Get("next"))
	if _, err := s.webSession(r); err == nil {
		http.Redirect(w, r, orHome(next), http.StatusSeeOther)
		return
	}
	s.showLogin(w, r, &view{}, loginPage{Next: next, SignedOut: r.URL.Query().Has("signed_out")})
}

// showLogin renders the form with a fresh double-submit token: the login
// form has no session to hold a token, so the token is in a cookie and the
// form, and a forged form cannot know it.
func (s *Server) showLogin(w http.ResponseWriter, r *http.Request, v *view, p loginPage) {
	token := rand.Text()
	s.setCookie(w, r, loginCookie, token, int(time.Hour/time.Second))
	p.Token = token
	v.Title, v.Data = "Sign in", p
	if err := s.render(w, r, v, "login.html"); err != nil {
		s.pageError(w, r, v, err)
	}
}

// pageLoginPost checks the email and password with the API's sign-in (and
// its throttle), opens a web session and goes to the page asked for.
func (s *Server) pageLoginPost(w http.ResponseWriter, r *http.Request) {
	pageHeaders(w)
	v := &view{}
	c, cerr := r.Cookie(loginCookie)
	if err := crossOrigin.Check(r); err != nil {
		s.pageError(w, r, v, errForgery)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil || checkValues(r.PostForm) != nil {
		s.pageError(w, r, v, skillpath.Errorf(skillpath.EINVALID, "The form could not be read."))
		return
	}
	p := loginPage{Email: strings.TrimSpace(r.PostForm.Get("email")), Next: localPath(r.PostForm.Get("next"))}
	fail := func(err error, field string) {
		code := skillpath.ErrorCode(err)
		if code == skillpath.EINTERNAL {
			s.pageError(w, r, v, err)
			return
		}
		v.Error, v.ErrorFor, v.Status = skillpath.ErrorMessage(err), field, statusOf[code]
		s.showLogin(w, r, v, p)
	}
	switch {
	case cerr != nil || !sameSecret(r.PostForm.Get("login_token"), c.Value):
		fail(skillpath.Errorf(skillpath.EFORBIDDEN, "The sign-in form expired, or your browser refuses cookies. Allow cookies for this site and try again."), "")
		return
	case p.Email == "":
		fail(skillpath.Invalid("email", "Enter your email address."), "email")
		return
	case r.PostForm.Get("password") == "":
		fail(skillpath.Invalid("password", "Enter your password."), "password")
		return
	}
	u, err := s.Store.LoginFrom(r.Context(), p.Email, r.PostForm.Get("password"), s.clientAddress(r))
	if err != nil {
		setRetryAfter(w, err)
		switch skillpath.ErrorCode(err) {
		case skillpath.EUNAUTHORIZED:
			err = skillpath.Errorf(skillpath.EUNAUTHORIZED, "The email or password is not correct.")
		case skillpath.ETOOMANYREQUESTS:
			err = skillpath.Errorf(skillpath.ETOOMANYREQUESTS, "Too many failed sign-ins from here: %s.",
				strings.TrimPrefix(skillpath.ErrorMessage(err), "too many failed sign-ins; "))
		case skillpath.EUNAVAILABLE:
			err = skillpath.Errorf(skillpath.EUNAVAILABLE, "Many people are signing in right now. Please try again in a few seconds.")
		}
		fail(err, "email")
		return
	}
	token, ws, err := s.Store.CreateWebSession(r.Context(), u.ID)
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	s.setCookie(w, r, loginCookie, "", -1)
	s.setCookie(w, r, sessionCookie, token, int(time.Until(ws.AbsoluteAt).Seconds()))
	http.Redirect(w, r, orHome(p.Next), http.StatusSeeOther)
}

// pageLogout ends the web session (the form token was checked: nobody can
// sign someone out from another site).
func (s *Server) pageLogout(w http.ResponseWriter, r *http.Request, v *view) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.Store.DeleteWebSession(r.Context(), c.Value); err != nil {
			return err
		}
	}
	s.setCookie(w, r, sessionCookie, "", -1)
	return redirect(w, r, "/login?signed_out=1")
}

func orHome(next string) string {
	if next == "" {
		return "/"
	}
	return next
}
