package server

import (
	"bytes"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"skillpath"
	"skillpath/certpdf"
	"skillpath/report"
	"skillpath/status"
)

// CertificateSettings configure certificate documents and verification
// (SPEC §8). Zero values take the defaults.
type CertificateSettings struct {
	PlatformName string        // on every certificate and verification page; default "skillpath"
	Paper        certpdf.Paper // default A4
	FontDir      string        // searched for the fonts before Debian's font folders
	VerifyLimit  RateLimit     // per client address; default DefaultVerifyLimit
}

// documentState is what the certificate handlers set up on first use.
type documentState struct {
	fontsOnce sync.Once
	fonts     *certpdf.Fonts
	fontsErr  error

	limiterOnce sync.Once
	limiter     *addressLimiter
}

// certificateDocuments registers the PDFs and the verification of SPEC §8:
// the PDF for API clients and, at the same path without /api/v1, for the
// signed-in pages; the public verification page and its JSON.
func (s *Server) certificateDocuments() {
	s.handle("GET /api/v1/enrollments/{id}/certificate.pdf", s.certificatePDF)
	s.page("GET /enrollments/{id}/certificate.pdf", apiAsPage(s.certificatePDF))
	s.handlePublic("GET /api/v1/verify/{code}", s.verifyJSON)
	s.mux.HandleFunc("GET /verify/{code}", s.pageVerify)
}

// platformName is the name certificates and verification pages carry.
func (s *Server) platformName() string {
	if s.Certificates.PlatformName != "" {
		return s.Certificates.PlatformName
	}
	return "skillpath"
}

// CertificateFonts loads the fonts of certificate documents, once; serve
// calls it at start-up to warn early. Returns the error naming the font
// packages to install when one is missing.
func (s *Server) CertificateFonts() (*certpdf.Fonts, error) {
	s.documents.fontsOnce.Do(func() {
		s.documents.fonts, s.documents.fontsErr = certpdf.LoadFonts(s.Certificates.FontDir)
	})
	return s.documents.fonts, s.documents.fontsErr
}

// verifyURL is the public verification address of a code (SPEC §8).
func (s *Server) verifyURL(code string) string { return s.Store.BaseURL + "/verify/" + code }

// certificatePDF answers the PDF of the certificates delivered in an
// enrollment, one page each, or of the one named by ?certificate_id. The
// learner sees their own and staff those in their scope, as for results;
// to anyone else the enrollment does not exist (404).
func (s *Server) certificatePDF(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	e, _, err := s.enrollmentAccess(r, caller)
	if err != nil {
		return err
	}
	var only skillpath.ID
	if v := r.URL.Query().Get("certificate_id"); v != "" {
		var ok bool
		if only, ok = skillpath.ParseID(v); !ok {
			return skillpath.Invalid("certificate_id", "must be a certificate id, got %q", v)
		}
	}
	docs, err := s.Store.CertificateDocuments(r.Context(), e.ID)
	if err != nil {
		return err
	}
	doc := certpdf.Document{Paper: s.Certificates.Paper, Created: s.now()}
	for _, d := range docs {
		if only == 0 || d.CertificateID == only {
			doc.Certificates = append(doc.Certificates, s.certificatePage(d))
		}
	}
	if len(doc.Certificates) == 0 {
		return skillpath.Errorf(skillpath.ENOTFOUND, "certificate %s was not delivered in enrollment %s", only, e.ID)
	}
	fonts, err := s.CertificateFonts()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := certpdf.Write(&buf, doc, fonts); err != nil {
		return err
	}
	// Named by what it certifies (issue 18): "Forklift Licence - Lee
	// Learner.pdf", or the training's name for several certificates.
	var name string
	for _, d := range docs {
		if only == 0 || d.CertificateID == only {
			if name == "" {
				name = d.Title + " - " + d.Learner
			} else {
				name = d.Path + " certificates - " + d.Learner
			}
		}
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", attachmentDisposition(name+".pdf"))
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "private, no-store")
	_, err = buf.WriteTo(w)
	return err
}

// certificatePage is one certificate as its PDF page shows it, dates in
// the platform's zone (SPEC §2).
func (s *Server) certificatePage(d skillpath.CertificateDocument) certpdf.Certificate {
	return certpdf.Certificate{
		Platform: s.platformName(), Learner: d.Learner, Title: d.Title, Path: d.Path, ByHand: d.ByHand,
		Delivered: report.Date(&d.DeliveredAt, s.Store.Zone), Expires: report.Date(d.ExpiresAt, s.Store.Zone),
		URL: s.verifyURL(d.Code),
	}
}

// verificationJSON is the answer of GET /api/v1/verify/{code} (SPEC §8):
// the certificate and its status now, and of the learner their name only.
type verificationJSON struct {
	Certificate string               `json:"certificate"`
	Learner     string               `json:"learner"`
	DeliveredAt time.Time            `json:"delivered_at"`
	ExpiresAt   *time.Time           `json:"expires_at"`
	Status      status.Certification `json:"status"`
	Label       string               `json:"label"`
}

// verifyCacheControl lets browsers and proxies keep a verification answer,
// found or not, for a minute: a status is at most that much out of date.
const verifyCacheControl = "public, max-age=60"

// verify finds the certificate of the request's code, after the client
// address's rate limit. Returns ETOOMANYREQUESTS (with Retry-After set)
// past the limit, ENOTFOUND for an unknown code or a certificate no longer
// displayed.
func (s *Server) verify(w http.ResponseWriter, r *http.Request) (*skillpath.CertificateDocument, error) {
	s.documents.limiterOnce.Do(func() {
		l := s.Certificates.VerifyLimit
		if l.Burst <= 0 {
			l = DefaultVerifyLimit
		}
		s.documents.limiter = newAddressLimiter(l)
	})
	if ok, wait := s.documents.limiter.allow(s.clientAddress(r)); !ok {
		e := skillpath.Errorf(skillpath.ETOOMANYREQUESTS, "too many verifications from your address: try again in %d seconds", int(math.Ceil(wait.Seconds())))
		e.RetryAfter = wait
		setRetryAfter(w, e) // the page answers it too
		w.Header().Set("Cache-Control", "no-store")
		return nil, e
	}
	w.Header().Set("Cache-Control", verifyCacheControl)
	return s.Store.Verify(r.Context(), r.PathValue("code"))
}

func (s *Server) verifyJSON(w http.ResponseWriter, r *http.Request) error {
	d, err := s.verify(w, r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, verificationJSON{Certificate: d.Title, Learner: d.Learner, DeliveredAt: d.DeliveredAt, ExpiresAt: d.ExpiresAt,
		Status: d.Status, Label: d.Status.Label()})
	return nil
}

// verifyPage is the public verification page's data.
type verifyPage struct {
	Platform  string
	Found     bool
	Document  *skillpath.CertificateDocument
	CheckedAt time.Time
	Message   string // why there is no certificate to show
}

// pageVerify is the public verification page (SPEC §8): anyone holding the
// link or the QR code sees whether the certificate is valid now. No
// sign-in; the same answers, limit and caching as the JSON.
func (s *Server) pageVerify(w http.ResponseWriter, r *http.Request) {
	pageHeaders(w)
	v := &view{Title: "Certificate verification"}
	d, err := s.verify(w, r)
	data := verifyPage{Platform: s.platformName(), Document: d, Found: err == nil, CheckedAt: s.now()}
	switch code := skillpath.ErrorCode(err); code {
	case "":
	case skillpath.ENOTFOUND, skillpath.ETOOMANYREQUESTS:
		msg := skillpath.ErrorMessage(err)
		v.Status, data.Message = statusOf[code], strings.ToUpper(msg[:1])+msg[1:]
	default:
		s.pageError(w, r, v, err)
		return
	}
	v.Data = data
	if err := s.render(w, r, v, "verify.html"); err != nil {
		s.pageError(w, r, v, err)
	}
}
