package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"skillpath"
	"skillpath/store"
)

// The catalog pages (SPEC §6, issue 15): certificates (create, edit) and
// trainings (list, create, and an editor of the whole tree that POST and
// PUT /api/v1/trainings take, with publishing). Platform admins do
// everything; authors edit and publish the paths they author.
func (s *Server) pagesCatalog() {
	s.page("GET /catalog", s.pageCatalog)
	s.page("POST /catalog/certificates", s.pageCertificateCreate)
	s.page("GET /catalog/certificates/{id}", s.pageCertificateEdit)
	s.page("POST /catalog/certificates/{id}", s.pageCertificateSave)
	s.page("GET /catalog/trainings/new", s.pageTrainingNew)
	s.page("POST /catalog/trainings/new", s.pageTrainingNewPost)
	s.page("GET /catalog/trainings/{id}", s.pageTrainingEdit)
	s.page("POST /catalog/trainings/{id}", s.pageTrainingEditPost)
	s.page("POST /catalog/trainings/{id}/publish", s.pageTrainingPublish)
	s.uploadPage("POST /catalog/trainings/{id}/attachments", s.pageTrainingAttachment)
}

// catalogPage lists certificates and trainings.
type catalogPage struct {
	Certificates []catalogCertificate
	Trainings    []catalogTraining
	Groups       []groupOption
	Form         certificateForm // the create form
	Months       []string        // January to December, for the fixed date
}

type catalogCertificate struct {
	*skillpath.Certificate
	OwnerGroup string
}

type catalogTraining struct {
	store.TrainingSummary
	Editable bool // the caller may edit it (platform admin or author)
}

func (s *Server) pageCatalog(w http.ResponseWriter, r *http.Request, v *view) error {
	if !v.Roles.PlatformAdmin && !v.Roles.Author {
		return skillpath.Errorf(skillpath.EFORBIDDEN, "The catalog is for platform admins and authors.")
	}
	certs, err := s.Store.ListCertificates(r.Context())
	if err != nil {
		return err
	}
	groups, err := s.Store.ListGroups(r.Context())
	if err != nil {
		return err
	}
	names := map[skillpath.ID]string{}
	for _, g := range groups {
		names[g.ID] = g.Name
	}
	trainings, err := s.Store.ListTrainings(r.Context())
	if err != nil {
		return err
	}
	p := catalogPage{Groups: groupOptions(groups), Form: newCertificateForm(), Months: monthNames()}
	for _, c := range certs {
		p.Certificates = append(p.Certificates, catalogCertificate{Certificate: c, OwnerGroup: names[c.OwnerGroupID]})
	}
	for _, t := range trainings {
		editable := v.User.PlatformAdmin
		if !editable {
			a, err := s.Store.Access(r.Context(), v.User, 0, t.ID)
			if err != nil {
				return err
			}
			editable = a.Author
		}
		if editable {
			p.Trainings = append(p.Trainings, catalogTraining{TrainingSummary: t, Editable: true})
		}
	}
	if f, ok := v.Data.(certificateForm); ok {
		p.Form = f
	}
	v.Title, v.Data = "Catalog", p
	return s.render(w, r, v, "catalog.html")
}

// certificateForm is a certificate's form as typed. New rules of a
// certificate (recertification, reminders) add a field here, in
// readCertificateForm, certificateFormOf, values and the template
// "certificate-fields".
type certificateForm struct {
	Title, OwnerGroupID, ValidityMonths string
	// The recertification rules (SPEC §9, issue 13) and the reminders
	// (SPEC §7, issue 16): days as typed, "30, 7" for ReminderDays.
	ReenrollDaysBefore, ExpiryBase, FixedMonth, FixedDay, ReminderDays string
}

// values is the form as hidden fields, for the preview's confirm button.
func (f certificateForm) values() map[string]string {
	return map[string]string{"title": f.Title, "owner_group_id": f.OwnerGroupID, "validity_months": f.ValidityMonths,
		"reenroll_days_before": f.ReenrollDaysBefore, "expiry_base": f.ExpiryBase, "fixed_month": f.FixedMonth,
		"fixed_day": f.FixedDay, "reminder_days": f.ReminderDays}
}

// newCertificateForm is the create form's start: the default rules.
func newCertificateForm() certificateForm {
	return certificateForm{ExpiryBase: string(skillpath.ExpiryDelivery), ReminderDays: joinDays(skillpath.DefaultReminderDays)}
}

func certificateFormOf(c *skillpath.Certificate) certificateForm {
	f := certificateForm{Title: c.Title, OwnerGroupID: c.OwnerGroupID.String(), ExpiryBase: string(c.ExpiryBase),
		ReenrollDaysBefore: itoa(c.ReenrollDaysBefore), FixedMonth: itoa(c.FixedMonth), FixedDay: itoa(c.FixedDay),
		ValidityMonths: itoa(c.ValidityMonths), ReminderDays: joinDays(c.ReminderDays)}
	if f.ExpiryBase == "" {
		f.ExpiryBase = string(skillpath.ExpiryDelivery)
	}
	return f
}

func itoa(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

// joinDays writes days as the form shows them: "30, 7".
func joinDays(days []int) string {
	s := make([]string, len(days))
	for i, d := range days {
		s[i] = strconv.Itoa(d)
	}
	return strings.Join(s, ", ")
}

// optionalInt reads a whole number the form may leave empty (nil).
func optionalInt(value, field, message string) (*int, error) {
	if value == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(value)
	if err != nil {
		return nil, skillpath.Invalid(field, "%s", message)
	}
	return &n, nil
}

// readCertificateForm reads the form into c, or names the field at fault.
// A rule's field absent from the form keeps c's value (a form of an older
// page, or a client that only names the title); reminder_days present and
// empty means no reminder before the day of expiry (SPEC §7).
func readCertificateForm(r *http.Request, c *skillpath.Certificate) (certificateForm, error) {
	get := func(k string) string { return strings.TrimSpace(r.PostForm.Get(k)) }
	f := certificateForm{Title: get("title"), OwnerGroupID: r.PostForm.Get("owner_group_id"), ValidityMonths: get("validity_months"),
		ReenrollDaysBefore: get("reenroll_days_before"), ExpiryBase: get("expiry_base"), FixedMonth: get("fixed_month"),
		FixedDay: get("fixed_day"), ReminderDays: get("reminder_days")}
	keep := certificateFormOf(c)
	for _, k := range []struct {
		name string
		v    *string
		old  string
	}{{"reenroll_days_before", &f.ReenrollDaysBefore, keep.ReenrollDaysBefore}, {"expiry_base", &f.ExpiryBase, keep.ExpiryBase},
		{"fixed_month", &f.FixedMonth, keep.FixedMonth}, {"fixed_day", &f.FixedDay, keep.FixedDay}, {"reminder_days", &f.ReminderDays, keep.ReminderDays}} {
		if !r.PostForm.Has(k.name) {
			*k.v = k.old
		}
	}
	c.Title = f.Title
	id, ok := skillpath.ParseID(f.OwnerGroupID)
	if !ok {
		return f, skillpath.Invalid("owner_group_id", "Choose the owner group.")
	}
	c.OwnerGroupID = id
	var err error
	if c.ValidityMonths, err = optionalInt(f.ValidityMonths, "validity_months", "Enter whole months, or leave it empty for no expiry."); err != nil {
		return f, err
	}
	if c.ReenrollDaysBefore, err = optionalInt(f.ReenrollDaysBefore, "reenroll_days_before", "Enter whole days, or leave it empty for the default."); err != nil {
		return f, err
	}
	c.ExpiryBase = skillpath.ExpiryBase(f.ExpiryBase)
	c.FixedMonth, c.FixedDay = nil, nil
	if c.ExpiryBase == skillpath.ExpiryFixed {
		if c.FixedMonth, err = optionalInt(f.FixedMonth, "fixed_month", "Choose the month of the fixed date."); err != nil {
			return f, err
		}
		if c.FixedDay, err = optionalInt(f.FixedDay, "fixed_day", "Enter the day of the fixed date, 1 to 31."); err != nil {
			return f, err
		}
	}
	if r.PostForm.Has("reminder_days") || c.ReminderDays == nil {
		days, err := parseDays(f.ReminderDays)
		if err != nil {
			return f, err
		}
		c.ReminderDays = days
		if !r.PostForm.Has("reminder_days") {
			c.ReminderDays = nil // the default
		}
	}
	return f, nil
}

// parseDays reads "30, 7" (commas or spaces between days); empty is no day.
func parseDays(s string) ([]int, error) {
	days := []int{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		n, err := strconv.Atoi(part)
		if err != nil {
			return nil, skillpath.Invalid("reminder_days", "%q is not a whole number of days: write days such as 30, 7.", part)
		}
		days = append(days, n)
	}
	return days, nil
}

func (s *Server) pageCertificateCreate(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return err
	}
	var c skillpath.Certificate
	f, err := readCertificateForm(r, &c)
	if err == nil {
		err = s.Store.CreateCertificate(r.Context(), &c)
	}
	if err != nil {
		v.Data = f
		return s.refused(w, r, v, err, fieldAnchor(err, "certificate-"), s.pageCatalog)
	}
	s.flash(w, r, fmt.Sprintf("Certificate %q is created.", c.Title))
	return redirect(w, r, "/catalog#certificates")
}

// certificatePage edits one certificate.
type certificatePage struct {
	Certificate *skillpath.Certificate
	Form        certificateForm
	Groups      []groupOption
	Months      []string // January to December, for the fixed date
	Preview     *certificatePreview
}

// certificatePreview is what saving the form would do to the certificates
// already delivered (the dry run of store.UpdateCertificate, SPEC §9): the
// counts, the first rows of each list, and the form as hidden fields for
// the confirm button.
type certificatePreview struct {
	Expirations        []store.ExpiryChange
	Reenrollments      []store.ReenrollChange
	ExpirationsCount   int
	ReenrollmentsCount int
	Due                int // learners the next sweep enrolls again
	MoreExpirations    int
	MoreReenrollments  int
	Hidden             map[string]string
}

// previewRows is how many rows of each list the preview shows.
const previewRows = 20

func newCertificatePreview(u *store.CertificateUpdate, f certificateForm) *certificatePreview {
	p := &certificatePreview{ExpirationsCount: len(u.Expirations), ReenrollmentsCount: len(u.Reenrollments), Hidden: f.values()}
	p.Expirations = u.Expirations[:min(len(u.Expirations), previewRows)]
	p.Reenrollments = u.Reenrollments[:min(len(u.Reenrollments), previewRows)]
	p.MoreExpirations, p.MoreReenrollments = p.ExpirationsCount-len(p.Expirations), p.ReenrollmentsCount-len(p.Reenrollments)
	for _, c := range u.Reenrollments {
		if c.Due {
			p.Due++
		}
	}
	return p
}

func (s *Server) pageCertificateEdit(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := adminPathID(r, v.User, "certificate")
	if err != nil {
		return err
	}
	c, err := s.Store.FindCertificate(r.Context(), id)
	if err != nil {
		return err
	}
	groups, err := s.Store.ListGroups(r.Context())
	if err != nil {
		return err
	}
	p := certificatePage{Certificate: c, Form: certificateFormOf(c), Groups: groupOptions(groups)}
	p.Months = monthNames()
	switch d := v.Data.(type) {
	case certificateForm:
		p.Form = d
	case *certificatePreview:
		p.Form, p.Preview = formOfHidden(d.Hidden), d
	}
	v.Title, v.Data = "Certificate "+c.Title, p
	return s.render(w, r, v, "catalog-certificate.html")
}

func formOfHidden(h map[string]string) certificateForm {
	return certificateForm{Title: h["title"], OwnerGroupID: h["owner_group_id"], ValidityMonths: h["validity_months"],
		ReenrollDaysBefore: h["reenroll_days_before"], ExpiryBase: h["expiry_base"], FixedMonth: h["fixed_month"],
		FixedDay: h["fixed_day"], ReminderDays: h["reminder_days"]}
}

// pageCertificateSave saves the certificate in two steps when the change
// touches learners: without confirm=1 it shows the dry run's preview
// (expiration and re-enrollment dates that change) with a confirm button;
// with it, or when nothing changes for any learner, it saves.
func (s *Server) pageCertificateSave(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := adminPathID(r, v.User, "certificate")
	if err != nil {
		return err
	}
	c, err := s.Store.FindCertificate(r.Context(), id)
	if err != nil {
		return err
	}
	f, err := readCertificateForm(r, c)
	change := func(x *skillpath.Certificate) { *x = *c }
	var out *store.CertificateUpdate
	confirmed := r.PostForm.Get("confirm") == "1"
	if err == nil && !confirmed {
		out, err = s.Store.UpdateCertificate(r.Context(), c.ID, change, s.reenrollLead(), true)
		if err == nil && (len(out.Expirations) > 0 || len(out.Reenrollments) > 0) {
			v.Data = newCertificatePreview(out, f)
			return s.pageCertificateEdit(w, r, v)
		}
	}
	if err == nil {
		out, err = s.Store.UpdateCertificate(r.Context(), c.ID, change, s.reenrollLead(), false)
	}
	if err != nil {
		v.Data = f
		return s.refused(w, r, v, err, fieldAnchor(err, "certificate-"), s.pageCertificateEdit)
	}
	msg := fmt.Sprintf("Certificate %q is saved.", c.Title)
	if n, m := len(out.Expirations), len(out.Reenrollments); n > 0 || m > 0 {
		msg += fmt.Sprintf(" %s and %s changed.", quantity(n, "expiration date"), quantity(m, "re-enrollment date"))
	}
	s.flash(w, r, msg)
	return redirect(w, r, "/catalog#certificates")
}

// monthNames is January to December, the fixed date's months (1 to 12).
func monthNames() []string {
	var months []string
	for m := time.January; m <= time.December; m++ {
		months = append(months, m.String())
	}
	return months
}
