package server

import (
	"fmt"
	"net/http"
	"strings"

	"skillpath"
	"skillpath/report"
)

// The manual certificate actions of platform admins (SPEC §9, issue 13) on
// a learner's history for a certificate: certify by hand, extend a
// delivered certificate's expiry, revoke it. They call the store methods
// of POST /api/v1/certificates/{id}/awards, /api/v1/awards/{id}/extend and
// /revoke, and come back to the history with what happened.
func (s *Server) pagesAwards() {
	s.page("POST /certificates/{id}/learners/{user_id}/certify", s.pageCertify)
	s.page("POST /certificates/{id}/learners/{user_id}/awards/{award_id}/extend", s.pageExtendAward)
	s.page("POST /certificates/{id}/learners/{user_id}/awards/{award_id}/revoke", s.pageRevokeAward)
}

// awardForm is an action's form as typed, kept when it is refused.
type awardForm struct {
	Action                       string // certify, extend or revoke
	AwardID                      string // the row's award, for extend and revoke
	SessionID, Reason, ExpiresAt string
	Confirm                      bool
}

// historyRowView is a history row with its award's id as text, for the
// rows' action forms.
type historyRowView struct {
	report.HistoryRow
	Award string // "" when nothing was delivered
}

// sessionOption is a session of a path granting the certificate, for the
// certify form.
type sessionOption struct {
	ID    skillpath.ID
	Label string
}

// historyActions fills what the history's action forms need: the sessions
// of granting paths not archived, the platform admin's only.
func (s *Server) historyActions(r *http.Request, v *view, d *historyView, scope report.Scope) error {
	d.Admin = v.User.PlatformAdmin
	if f, ok := v.Data.(awardForm); ok {
		d.Form = f
	}
	if !d.Admin {
		return nil
	}
	for _, row := range d.Rows {
		if row.Award != "" && row.RevokedAt == nil {
			d.Delivered = append(d.Delivered, row)
		}
	}
	var paths []report.PathRow
	if err := s.Store.CertificatePaths(r.Context(), scope, d.Certificate.ID, func(p report.PathRow) error {
		paths = append(paths, p)
		return nil
	}); err != nil {
		return err
	}
	for _, p := range paths {
		sessions, err := s.Store.ListSessions(r.Context(), p.ID)
		if err != nil {
			return err
		}
		for _, se := range sessions {
			if se.ArchivedAt == nil {
				d.Sessions = append(d.Sessions, sessionOption{ID: se.ID, Label: p.PathName + " › " + se.Name})
			}
		}
	}
	return nil
}

// historyTarget reads the certificate and learner of an action's path.
func historyTarget(r *http.Request, v *view) (certificate, user skillpath.ID, err error) {
	if err = requirePlatformAdmin(v.User); err != nil {
		return
	}
	if certificate, err = pathID(r, "id", "certificate"); err != nil {
		return
	}
	user, err = pathID(r, "user_id", "user")
	return
}

func historyPath(certificate, user skillpath.ID) string {
	return "/certificates/" + certificate.String() + "/learners/" + user.String()
}

// pageCertify delivers the certificate to the learner by hand, in a session
// of a granting path, for a reason.
func (s *Server) pageCertify(w http.ResponseWriter, r *http.Request, v *view) error {
	certificate, user, err := historyTarget(r, v)
	if err != nil {
		return err
	}
	f := awardForm{Action: "certify", SessionID: r.PostForm.Get("session_id"), Reason: strings.TrimSpace(r.PostForm.Get("reason"))}
	session, ok := skillpath.ParseID(f.SessionID)
	if !ok {
		err = skillpath.Invalid("session_id", "Choose the session the certificate is recorded in.")
	}
	if err == nil {
		_, err = s.Store.Certify(r.Context(), certificate, user, session, f.Reason, v.User.ID)
	}
	if err != nil {
		v.Data = f
		return s.refused(w, r, v, err, fieldAnchor(err, "certify-"), s.pageHistory)
	}
	s.flash(w, r, "The certificate is delivered by hand.")
	return redirect(w, r, historyPath(certificate, user)+"#history-heading")
}

// awardOf reads the row's award and checks it is this learner's
// certificate of this kind (else not found).
func (s *Server) awardOf(r *http.Request, certificate, user skillpath.ID) (*skillpath.Award, error) {
	id, err := pathID(r, "award_id", "award")
	if err != nil {
		return nil, err
	}
	a, err := s.Store.FindAward(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if a.CertificateID != certificate || a.UserID != user {
		return nil, skillpath.Errorf(skillpath.ENOTFOUND, "delivered certificate %s not found", id)
	}
	return a, nil
}

// pageExtendAward sets a delivered certificate's expiry by hand, later
// than it was, for a reason.
func (s *Server) pageExtendAward(w http.ResponseWriter, r *http.Request, v *view) error {
	certificate, user, err := historyTarget(r, v)
	if err != nil {
		return err
	}
	a, err := s.awardOf(r, certificate, user)
	if err != nil {
		return err
	}
	f := awardForm{Action: "extend", AwardID: a.ID.String(), ExpiresAt: strings.TrimSpace(r.PostForm.Get("expires_at")), Reason: strings.TrimSpace(r.PostForm.Get("reason"))}
	if f.ExpiresAt == "" {
		err = skillpath.Invalid("expires_at", "Enter the new expiration date.")
	}
	if err == nil {
		expires, perr := parseTime("expires_at", f.ExpiresAt, true, s.Store.Zone)
		if err = perr; err == nil {
			_, err = s.Store.Extend(r.Context(), a.ID, expires, f.Reason, v.User.ID)
		}
	}
	if err != nil {
		v.Data = f
		return s.refused(w, r, v, err, fieldAnchor(err, "extend-"+f.AwardID+"-"), s.pageHistory)
	}
	s.flash(w, r, fmt.Sprintf("The certificate delivered on %s now expires on %s.", report.Date(&a.DeliveredAt, s.Store.Zone), f.ExpiresAt))
	return redirect(w, r, historyPath(certificate, user)+"#history-heading")
}

// pageRevokeAward revokes a delivered certificate for a reason, once the
// box saying it stops counting everywhere is ticked.
func (s *Server) pageRevokeAward(w http.ResponseWriter, r *http.Request, v *view) error {
	certificate, user, err := historyTarget(r, v)
	if err != nil {
		return err
	}
	a, err := s.awardOf(r, certificate, user)
	if err != nil {
		return err
	}
	f := awardForm{Action: "revoke", AwardID: a.ID.String(), Reason: strings.TrimSpace(r.PostForm.Get("reason")), Confirm: r.PostForm.Get("confirm") == "1"}
	if !f.Confirm {
		err = skillpath.Invalid("confirm", "Tick the box to confirm: a revoked certificate stops counting everywhere.")
	} else {
		_, err = s.Store.Revoke(r.Context(), a.ID, f.Reason, v.User.ID)
	}
	if err != nil {
		v.Data = f
		return s.refused(w, r, v, err, fieldAnchor(err, "revoke-"+f.AwardID+"-"), s.pageHistory)
	}
	s.flash(w, r, fmt.Sprintf("The certificate delivered on %s is revoked.", report.Date(&a.DeliveredAt, s.Store.Zone)))
	return redirect(w, r, historyPath(certificate, user)+"#history-heading")
}
