package server

import (
	"fmt"
	"net/http"
	"net/url"

	"skillpath"
	"skillpath/store"
)

// The approvals page (SPEC §6, issue 15): self-enrollments awaiting
// approval in the caller's scope, approved or refused one or many at once,
// with the API's rules (store.ListApprovals, the approver guard).
func (s *Server) pagesApprovals() {
	s.page("GET /approvals", s.pageApprovals)
	s.page("POST /approvals", s.pageApprovalsPost)
}

// approvalsPerPage is how many requests the page lists at a time.
const approvalsPerPage = 100

type approvalsPage struct {
	Approvals   []skillpath.Approval
	First, Next string // URLs of the pager
}

// canApprove reports whether the user may approve someone's enrollment
// (skillpath.Access.CanApprove, anywhere).
func canApprove(roles store.Roles) bool { return roles.PlatformAdmin || roles.GroupAdmin }

func (s *Server) pageApprovals(w http.ResponseWriter, r *http.Request, v *view) error {
	if !canApprove(v.Roles) {
		return skillpath.Errorf(skillpath.EFORBIDDEN, "Only platform admins and group admins approve enrollments.")
	}
	after := r.URL.Query().Get("after")
	list, next, err := s.Store.ListApprovals(r.Context(), v.User, after, approvalsPerPage)
	if err != nil {
		return err
	}
	p := approvalsPage{Approvals: list}
	if next != "" {
		p.Next = "/approvals?after=" + url.QueryEscape(next)
	}
	if after != "" {
		p.First = "/approvals"
	}
	v.Title, v.Data = "Approvals", p
	return s.render(w, r, v, "approvals.html")
}

// pageApprovalsPost approves or refuses (action) the enrollments ticked
// (enrollment_id, one or many), each in its own transaction, and says how
// many it did and why any was refused.
func (s *Server) pageApprovalsPost(w http.ResponseWriter, r *http.Request, v *view) error {
	if !canApprove(v.Roles) {
		return skillpath.Errorf(skillpath.EFORBIDDEN, "Only platform admins and group admins approve enrollments.")
	}
	action := r.PostForm.Get("action")
	if action != "approve" && action != "refuse" {
		return s.refused(w, r, v, skillpath.Invalid("action", "Choose Approve or Refuse."), "", s.pageApprovals)
	}
	values := r.PostForm["enrollment_id"]
	if len(values) == 0 {
		return s.refused(w, r, v, skillpath.Invalid("enrollment_id", "Tick at least one request first."), "approvals-table", s.pageApprovals)
	}
	done := 0
	var failed []string
	for _, value := range values {
		id, ok := skillpath.ParseID(value)
		if !ok {
			failed = append(failed, fmt.Sprintf("%q is not an enrollment", value))
			continue
		}
		guard := approver(id, nil)
		var err error
		if action == "approve" {
			_, err = s.Store.Learn(r.Context(), id, v.User, guard, store.Act{Kind: store.ActApprove, By: v.User.ID})
		} else {
			err = s.Store.Refuse(r.Context(), id, v.User, guard)
		}
		if err != nil {
			if skillpath.ErrorCode(err) == skillpath.EINTERNAL || skillpath.ErrorCode(err) == skillpath.EUNAVAILABLE {
				return err
			}
			failed = append(failed, skillpath.ErrorMessage(err))
			continue
		}
		done++
	}
	verb := "Approved"
	if action == "refuse" {
		verb = "Refused"
	}
	msg := fmt.Sprintf("%s %s.", verb, quantity(done, "request"))
	if len(failed) > 0 {
		msg += fmt.Sprintf(" %d could not be: %s", len(failed), failed[0])
		if len(failed) > 1 {
			msg += fmt.Sprintf(" (and %d more)", len(failed)-1)
		}
	}
	s.flash(w, r, msg)
	return redirect(w, r, "/approvals")
}

// approvalBadge counts the requests awaiting the user's approval into the
// navigation's Approvals link, for those who can act.
func (s *Server) approvalBadge(r *http.Request, v *view) error {
	if !canApprove(v.Roles) {
		return nil
	}
	for i := range v.Nav {
		if v.Nav[i].Href == "/approvals" {
			n, err := s.Store.CountApprovals(r.Context(), v.User)
			v.Nav[i].Count = n
			return err
		}
	}
	return nil
}
