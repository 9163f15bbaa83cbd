package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"skillpath"
	"skillpath/server/input"
	"skillpath/store"
)

// Recertification (SPEC §9, issue 13): a certificate's rules changed with a
// preview, and the manual actions of administrators on delivered
// certificates (awards), each recorded on the award and in the audit log.
func (s *Server) apiRecertification() {
	s.handle("PATCH /api/v1/certificates/{id}", s.patchCertificate)
	s.handle("POST /api/v1/certificates/{id}/awards", s.certifyLearner)
	s.handle("GET /api/v1/awards/{id}", s.getAward)
	s.handle("POST /api/v1/awards/{id}/extend", s.extendAward)
	s.handle("POST /api/v1/awards/{id}/revoke", s.revokeAward)
}

// nullable is a member of a PATCH body: absent (Set false), null, or a value.
type nullable[T any] struct {
	Set   bool
	Value *T
}

// UnmarshalJSONFrom reads null or a T with the strict decoder's own rules,
// so that a value of the wrong type is refused as for any other member
// ("must be a whole number within range", naming the member).
func (n *nullable[T]) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	n.Set = true
	if dec.PeekKind() == 'n' {
		n.Value = nil
		_, err := dec.ReadToken()
		return err
	}
	var v T
	if err := jsonv2.UnmarshalDecode(dec, &v); err != nil {
		return err
	}
	n.Value = &v
	return nil
}

// certificatePatch is the body of PATCH /api/v1/certificates/{id}: the
// members given change, the others stay.
type certificatePatch struct {
	Title              nullable[string]               `json:"title"`          // null refused
	OwnerGroupID       nullable[skillpath.ID]         `json:"owner_group_id"` // null refused
	ValidityMonths     nullable[int]                  `json:"validity_months"`
	ReenrollDaysBefore nullable[int]                  `json:"reenroll_days_before"`
	ExpiryBase         nullable[skillpath.ExpiryBase] `json:"expiry_base"` // null refused
	FixedMonth         nullable[int]                  `json:"fixed_month"`
	FixedDay           nullable[int]                  `json:"fixed_day"`
	ReminderDays       nullable[[]int]                `json:"reminder_days"` // null: the default [30, 7] (SPEC §7)
}

// decodeNoNulls is decode for a PATCH body whose members cannot be unset:
// a member given as null is refused (400 naming it) rather than read as
// absent and silently ignored (review fix 6).
func decodeNoNulls(w http.ResponseWriter, r *http.Request, v any) error {
	var raw map[string]jsontext.Value
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, input.MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return &skillpath.Error{Code: skillpath.ETOOLARGE, Field: "body", Message: fmt.Sprintf("body: larger than %d bytes", tooLarge.Limit)}
	} else if err != nil {
		return skillpath.Invalid("body", "could not be read")
	}
	if jsonv2.Unmarshal(body, &raw) == nil {
		names := make([]string, 0, len(raw))
		for k, m := range raw {
			if m.Kind() == 'n' {
				names = append(names, k)
			}
		}
		if len(names) > 0 {
			slices.Sort(names)
			return skillpath.Invalid(names[0], "cannot be null: leave it out to keep it")
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return decode(w, r, v)
}

// check refuses null for the members that cannot be unset.
func (p *certificatePatch) check() error {
	for _, m := range []struct {
		name      string
		set, null bool
	}{
		{"title", p.Title.Set, p.Title.Value == nil},
		{"owner_group_id", p.OwnerGroupID.Set, p.OwnerGroupID.Value == nil},
		{"expiry_base", p.ExpiryBase.Set, p.ExpiryBase.Value == nil},
	} {
		if m.set && m.null {
			return skillpath.Invalid(m.name, "cannot be null: leave it out to keep it")
		}
	}
	return nil
}

func (p *certificatePatch) apply(c *skillpath.Certificate) {
	if p.Title.Value != nil {
		c.Title = *p.Title.Value
	}
	if p.OwnerGroupID.Value != nil {
		c.OwnerGroupID = *p.OwnerGroupID.Value
	}
	if p.ValidityMonths.Set {
		c.ValidityMonths = p.ValidityMonths.Value
	}
	if p.ReenrollDaysBefore.Set {
		c.ReenrollDaysBefore = p.ReenrollDaysBefore.Value
	}
	if p.ExpiryBase.Value != nil {
		c.ExpiryBase = *p.ExpiryBase.Value
		if c.ExpiryBase != skillpath.ExpiryFixed {
			c.FixedMonth, c.FixedDay = nil, nil // a day of no use any more
		}
	}
	if p.FixedMonth.Set {
		c.FixedMonth = p.FixedMonth.Value
	}
	if p.FixedDay.Set {
		c.FixedDay = p.FixedDay.Value
	}
	if p.ReminderDays.Set {
		c.ReminderDays = nil
		if p.ReminderDays.Value != nil {
			c.ReminderDays = append([]int{}, *p.ReminderDays.Value...)
		}
	}
}

// dryRunParam reads ?dry_run=true|false.
func dryRunParam(r *http.Request) (bool, error) {
	switch v := r.URL.Query().Get("dry_run"); v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, skillpath.Invalid("dry_run", "must be true or false, not %q", v)
	}
}

// reenrollLead is the server's default re-enrollment lead.
func (s *Server) reenrollLead() time.Duration {
	if s.ReenrollLead > 0 {
		return s.ReenrollLead
	}
	return store.DefaultReenrollLead
}

// patchCertificate changes a certificate and applies its new rules to the
// certificates already delivered; ?dry_run=true answers what would change
// and writes nothing (SPEC §9).
func (s *Server) patchCertificate(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	id, err := adminPathID(r, caller, "certificate")
	if err != nil {
		return err
	}
	dryRun, err := dryRunParam(r)
	if err != nil {
		return err
	}
	var in certificatePatch
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	out, err := s.Store.UpdateCertificate(r.Context(), id, in.apply, s.reenrollLead(), dryRun)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) certifyLearner(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	id, err := adminPathID(r, caller, "certificate")
	if err != nil {
		return err
	}
	var in struct {
		UserID    skillpath.ID `json:"user_id"`
		SessionID skillpath.ID `json:"session_id"`
		Reason    string       `json:"reason"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.UserID == 0 {
		return skillpath.Invalid("user_id", "is required")
	}
	if in.SessionID == 0 {
		return skillpath.Invalid("session_id", "is required: the session of a granting path the certificate is recorded in")
	}
	a, err := s.Store.Certify(r.Context(), id, in.UserID, in.SessionID, in.Reason, caller.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) getAward(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	id, err := adminPathID(r, caller, "award")
	if err != nil {
		return err
	}
	a, err := s.Store.FindAward(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) extendAward(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	id, err := adminPathID(r, caller, "award")
	if err != nil {
		return err
	}
	var in struct {
		ExpiresAt *string `json:"expires_at"`
		Reason    string  `json:"reason"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.ExpiresAt == nil {
		return skillpath.Invalid("expires_at", "is required")
	}
	expires, err := parseTime("expires_at", *in.ExpiresAt, true, s.Store.Zone)
	if err != nil {
		return err
	}
	a, err := s.Store.Extend(r.Context(), id, expires, in.Reason, caller.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) revokeAward(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	id, err := adminPathID(r, caller, "award")
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	a, err := s.Store.Revoke(r.Context(), id, in.Reason, caller.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}
