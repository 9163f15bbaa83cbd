package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

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
}

// catalogPage lists certificates and trainings.
type catalogPage struct {
	Certificates []catalogCertificate
	Trainings    []catalogTraining
	Groups       []groupOption
	Form         certificateForm // the create form
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
	p := catalogPage{Groups: groupOptions(groups)}
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
// readCertificateForm, certificateFormOf and the template
// "certificate-fields".
type certificateForm struct {
	Title, OwnerGroupID, ValidityMonths string
}

func certificateFormOf(c *skillpath.Certificate) certificateForm {
	f := certificateForm{Title: c.Title, OwnerGroupID: c.OwnerGroupID.String()}
	if c.ValidityMonths != nil {
		f.ValidityMonths = strconv.Itoa(*c.ValidityMonths)
	}
	return f
}

// readCertificateForm reads the form into c, or names the field at fault.
func readCertificateForm(r *http.Request, c *skillpath.Certificate) (certificateForm, error) {
	f := certificateForm{Title: strings.TrimSpace(r.PostForm.Get("title")), OwnerGroupID: r.PostForm.Get("owner_group_id"),
		ValidityMonths: strings.TrimSpace(r.PostForm.Get("validity_months"))}
	c.Title = f.Title
	id, ok := skillpath.ParseID(f.OwnerGroupID)
	if !ok {
		return f, skillpath.Invalid("owner_group_id", "Choose the owner group.")
	}
	c.OwnerGroupID, c.ValidityMonths = id, nil
	if f.ValidityMonths != "" {
		n, err := strconv.Atoi(f.ValidityMonths)
		if err != nil {
			return f, skillpath.Invalid("validity_months", "Enter whole months, or leave it empty for no expiry.")
		}
		c.ValidityMonths = &n
	}
	return f, nil
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
}

func (s *Server) pageCertificateEdit(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return err
	}
	id, err := pathID(r, "id", "certificate")
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
	if f, ok := v.Data.(certificateForm); ok {
		p.Form = f
	}
	v.Title, v.Data = "Certificate "+c.Title, p
	return s.render(w, r, v, "catalog-certificate.html")
}

func (s *Server) pageCertificateSave(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return err
	}
	id, err := pathID(r, "id", "certificate")
	if err != nil {
		return err
	}
	c, err := s.Store.FindCertificate(r.Context(), id)
	if err != nil {
		return err
	}
	f, err := readCertificateForm(r, c)
	if err == nil {
		_, err = s.Store.UpdateCertificate(r.Context(), c.ID, func(x *skillpath.Certificate) { *x = *c }, s.reenrollLead(), false)
	}
	if err != nil {
		v.Data = f
		return s.refused(w, r, v, err, fieldAnchor(err, "certificate-"), s.pageCertificateEdit)
	}
	s.flash(w, r, fmt.Sprintf("Certificate %q is saved.", c.Title))
	return redirect(w, r, "/catalog#certificates")
}
