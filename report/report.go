// Package report holds the certificate statistics of SPEC §3 as rows — the
// certificate list, the learners of one certificate, one learner's history
// for one certificate, and the drill-downs behind the list's numbers — with
// the filters and the caller's scope that narrow them, and the one CSV
// writer every download goes through. It runs no query: store/ fills the
// rows, server/ shows them.
package report

import (
	"strconv"
	"time"

	"skillpath"
	"skillpath/status"
)

// Row is one row of a statistics table: its CSV header (the same for every
// row of the table) and its cells, dates shown as calendar days in zone.
type Row interface {
	Header() []string
	Cells(zone *time.Location) []string
}

// CertificateRow is one row of the certificate list (SPEC §3).
type CertificateRow struct {
	ID             skillpath.ID `json:"id"`
	Title          string       `json:"title"`
	OwnerGroup     string       `json:"owner_group"`
	ValidityMonths *int         `json:"validity_months"` // nil: never expires
	// CertifiedLearners counts the unique users holding the certificate from
	// a live enrollment, whatever the state of the session that granted it.
	CertifiedLearners int `json:"certified_learners"`
	// EnrolledLearners counts the unique users with a live enrollment in a
	// session of a granting path that is not archived.
	EnrolledLearners int `json:"enrolled_learners"`
	// AssociatedPaths counts the paths granting the certificate.
	AssociatedPaths int `json:"associated_paths"`
	// ExpiringSoonLearners and ExpiredLearners count, among the certified
	// learners, those whose latest certificate is expiring soon or has
	// expired (SPEC §3, "finding who needs action").
	ExpiringSoonLearners int `json:"expiring_soon_learners"`
	ExpiredLearners      int `json:"expired_learners"`
}

// Header names the columns in SPEC §3's order.
func (CertificateRow) Header() []string {
	return []string{"Title", "Owner group", "Validity period (months)", "Certified learners", "Enrolled learners", "Associated paths",
		"Expiring soon learners", "Expired learners"}
}

// Cells is the row as CSV shows it.
func (r CertificateRow) Cells(*time.Location) []string {
	validity := ""
	if r.ValidityMonths != nil {
		validity = strconv.Itoa(*r.ValidityMonths)
	}
	return []string{r.Title, r.OwnerGroup, validity, strconv.Itoa(r.CertifiedLearners), strconv.Itoa(r.EnrolledLearners), strconv.Itoa(r.AssociatedPaths),
		strconv.Itoa(r.ExpiringSoonLearners), strconv.Itoa(r.ExpiredLearners)}
}

// LearnerRow is one learner of one certificate (SPEC §3): the status and
// dates of the certificate they were delivered most recently — not of their
// latest enrollment — or not_obtained with no dates.
type LearnerRow struct {
	UserID       skillpath.ID         `json:"user_id"`
	Name         string               `json:"name"`
	Email        string               `json:"email"`
	LatestStatus status.Certification `json:"latest_status"`
	DeliveredAt  *time.Time           `json:"delivered_at"`
	ExpiresAt    *time.Time           `json:"expires_at"`
}

// Header names the columns in SPEC §3's order.
func (LearnerRow) Header() []string {
	return []string{"Learner name", "Learner email", "Latest status", "Delivery date", "Expiration date"}
}

// Cells is the row as CSV shows it.
func (r LearnerRow) Cells(zone *time.Location) []string {
	return []string{r.Name, r.Email, r.LatestStatus.Label(), Date(r.DeliveredAt, zone), Date(r.ExpiresAt, zone)}
}

// HistoryRow is one enrollment of one learner in a session granting the
// certificate (SPEC §3); automatic re-enrollments have rows of their own.
type HistoryRow struct {
	EnrollmentID        skillpath.ID         `json:"enrollment_id"`
	CertificationStatus status.Certification `json:"certification_status"`
	DeliveredAt         *time.Time           `json:"delivered_at"`
	ExpiresAt           *time.Time           `json:"expires_at"`
	TrainingID          skillpath.ID         `json:"training_id"`
	PathName            string               `json:"path_name"`
	SessionID           skillpath.ID         `json:"session_id"`
	SessionName         string               `json:"session_name"`
	PathStatus          status.Training      `json:"path_status"`
	AutoReenrolled      bool                 `json:"auto_reenrolled"`
	// The delivered certificate and what administrators did to it (issue
	// 13), in JSON and pages only: the CSV keeps SPEC §3's columns.
	AwardID    *skillpath.ID `json:"award_id"`
	AwardedBy  *skillpath.ID `json:"awarded_by"`  // certified by hand
	Reason     string        `json:"reason"`      // why, when by hand
	ExtendedAt *time.Time    `json:"extended_at"` // expiry set by hand
	RevokedAt  *time.Time    `json:"revoked_at"`  // revoked: certification_status "revoked"
}

// Header names the columns in SPEC §3's order.
func (HistoryRow) Header() []string {
	return []string{"Certification status", "Delivery date", "Expiration date", "Path name", "Path session", "Path status", "Automatic re-enrollment"}
}

// Cells is the row as CSV shows it.
func (r HistoryRow) Cells(zone *time.Location) []string {
	auto := "no"
	if r.AutoReenrolled {
		auto = "yes"
	}
	return []string{r.CertificationStatus.Label(), Date(r.DeliveredAt, zone), Date(r.ExpiresAt, zone), r.PathName, r.SessionName, r.PathStatus.Label(), auto}
}

// PathRow is one associated path of a certificate: the names behind the
// list's "Associated paths" number.
type PathRow struct {
	ID       skillpath.ID `json:"id"`
	PathName string       `json:"path_name"`
}

// Header names the one column.
func (PathRow) Header() []string { return []string{"Path name"} }

// Cells is the row as CSV shows it.
func (r PathRow) Cells(*time.Location) []string { return []string{r.PathName} }

// Date is a moment as the calendar day it falls on in zone (SPEC §2:
// YYYY-MM-DD in the platform's time zone); empty for none.
func Date(t *time.Time, zone *time.Location) string {
	if t == nil {
		return ""
	}
	return t.In(zone).Format(time.DateOnly)
}
