package server

import (
	"net/http"
	"slices"
	"strconv"

	"skillpath"
)

// The training editor's guards (review of issue 15): the form carries the
// training's version, so a stale form never overwrites changes made
// meanwhile (409, nothing saved), and an author who is not a platform
// admin changes the tree and scores only, never what PUT
// /api/v1/trainings reserves to platform admins.

// editorVersion is the version of the training at the path's id, read
// before the training itself so the form never claims a newer version than
// the one it shows. Empty when the training is unknown (trainingEditor
// then answers not found).
func (s *Server) editorVersion(r *http.Request) string {
	id, err := pathID(r, "id", "training")
	if err != nil {
		return ""
	}
	v, err := s.Store.TrainingVersion(r.Context(), id)
	if err != nil {
		return ""
	}
	return strconv.FormatInt(v, 10)
}

// saveEditedTraining saves t over old when the form's version (field
// "version") is still the training's: ECONFLICT otherwise (a form without
// a version, such as a script's, is not checked). A caller who is
// not a platform admin may not change the certificates granted, the price,
// the approval, the authors or the instructors (EINVALID naming the field).
func (s *Server) saveEditedTraining(r *http.Request, caller *skillpath.User, old, t *skillpath.Training) error {
	version, err := int64(0), error(nil)
	if text := r.PostForm.Get("version"); text != "" { // a form without it is checked for nothing
		version, err = strconv.ParseInt(text, 10, 64)
	}
	if err != nil || version < 0 {
		return &skillpath.Error{Code: skillpath.ECONFLICT, Field: "version",
			Message: "This form does not say which version of the training it edits; nothing was saved. Open the training again."}
	}
	if !caller.PlatformAdmin {
		if err := reservedUnchanged(old, t); err != nil {
			return err
		}
	}
	return s.Store.UpdateTrainingAt(r.Context(), t, version)
}

// reservedUnchanged refuses a change to what only platform admins may set.
func reservedUnchanged(old, t *skillpath.Training) error {
	const only = "Only platform admins may change %s; put it back as it was (nothing was saved)."
	price := func(p *skillpath.Price) skillpath.Price {
		if p == nil {
			return 0
		}
		return *p
	}
	switch {
	case !sameIDs(old.CertificateIDs, t.CertificateIDs):
		return skillpath.Invalid("certificate_ids", only, "the certificates granted")
	case price(old.Price) != price(t.Price):
		return skillpath.Invalid("price", only, "the price")
	case old.RequiresApproval != t.RequiresApproval:
		return skillpath.Invalid("requires_approval", only, "whether self-enrollments need approval")
	case !sameIDs(old.AuthorIDs, t.AuthorIDs):
		return skillpath.Invalid("author_ids", only, "the authors")
	case !sameIDs(old.InstructorIDs, t.InstructorIDs):
		return skillpath.Invalid("instructor_ids", only, "the instructors")
	}
	return nil
}

// sameIDs reports whether a and b hold the same ids in any order.
func sameIDs(a, b []skillpath.ID) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}
