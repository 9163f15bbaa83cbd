// Package testorg builds a small organisation whose certificate statistics
// are known by heart (SPEC §3), for the tests of the store, the API and the
// pages. It is built through the store's public API, moving a frozen clock
// through a dated story, so certificates are delivered, expire and are
// renewed on chosen days. The platform's time zone is Europe/Paris, so
// dates shown (CSV, filters) and stored (UTC) differ where it matters.
//
// The groups:
//
//	Acme
//	├── Operations             Olga is its group admin
//	│   ├── Warehouse North    Alice, Leo
//	│   │   └── Night Shift    Bruno
//	│   └── Warehouse South    Chloe, Dan (deleted), Hugo; Bea is its coach
//	├── Sales
//	│   └── EMEA               Eve, Finn; Carl is its coach
//	└── Support                Gina
//
// The catalog (certificates by key; paths grant them):
//
//	Forklift Licence (12 months)        ← Forklift Operator (instructor Ivan), Forklift Refresher
//	Hazmat Awareness (36 months)        ← Forklift Refresher
//	=SUM(A1:A9) First Aid (no validity) ← First Aid Basics (author Aria)
//	Sales Ethics (24 months)            ← Sales Negotiation (instructor Bea)
//	Legacy Permit (6 months)            ← no path: linked to no one
//	                                       Onboarding grants none (instructor Nora)
//
// Leo is a learner and nothing else: he sees no statistics.
package testorg

import (
	"context"
	"testing"
	"time"

	"skillpath"
	"skillpath/status"
	"skillpath/store"
)

// Now is the business time once the story is told: Sunday 22 November
// 2026, 11:00 in Paris.
var Now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// Zone is the platform's time zone of the organisation.
var Zone = mustZone("Europe/Paris")

// Org is the built organisation: ids by the names of the story.
type Org struct {
	Users        map[string]*skillpath.User        // by first name
	Groups       map[string]*skillpath.Group       // by name
	Certificates map[string]*skillpath.Certificate // by title
	Trainings    map[string]*skillpath.Training    // by title
	Sessions     map[string]*skillpath.Session     // by name
	// Enrollments by learner and session name, "Chloe Forklift Rolling";
	// an automatic re-enrollment is "… (auto)".
	Enrollments map[string]skillpath.ID
}

// Certificate titles, the keys of Links.
const (
	Forklift = "Forklift Licence"
	Hazmat   = "Hazmat Awareness"
	FirstAid = "=SUM(A1:A9) First Aid"
	Ethics   = "Sales Ethics"
	Legacy   = "Legacy Permit"
)

// LearnerFacts is what the story says of one learner: where they belong,
// when they registered, whether they were deleted.
type LearnerFacts struct {
	Name       string
	Email      string
	Group      string
	Fields     map[string]string
	Registered time.Time
	Deleted    bool
}

// Learners are the learners of the story, by first name.
var Learners = map[string]LearnerFacts{
	"Alice": {"Alice Archer", "alice@acme.test", "Warehouse North", fields("North", "Driver"), day(2023, 3, 10), false},
	"Bruno": {"Bruno Baker", "bruno@acme.test", "Night Shift", fields("North", "Picker"), day(2024, 6, 1), false},
	"Chloe": {"Chloe Carter", "chloe@acme.test", "Warehouse South", fields("South", "Driver"), day(2025, 2, 14), false},
	"Dan":   {"Dan Dale", "dan@acme.test", "Warehouse South", fields("South", "Picker"), day(2025, 9, 30), true},
	"Eve":   {"Eve Evans", "eve@acme.test", "EMEA", fields("EMEA", "Seller"), day(2022, 11, 5), false},
	"Finn":  {"Finn Fox", "finn@acme.test", "EMEA", fields("EMEA", "Seller"), day(2026, 1, 20), false},
	// Gina registered at 00:30 on 22 November in Paris, 21 November in UTC.
	"Gina": {"Gina Gray", "gina@acme.test", "Support", fields("North", "Driver"), time.Date(2026, 11, 21, 23, 30, 0, 0, time.UTC), false},
	"Hugo": {`Hugo "Hammer" Hill, Jr.`, "hugo@acme.test", "Warehouse South", fields("South", "Driver"), day(2023, 5, 5), false},
	"Leo":  {"Leo Lane", "leo@acme.test", "Warehouse North", fields("North", "Picker"), day(2024, 1, 10), false},
}

// GroupParents is the group tree: each group's parent, "" for the root.
var GroupParents = map[string]string{
	"Acme": "", "Operations": "Acme", "Warehouse North": "Operations", "Night Shift": "Warehouse North",
	"Warehouse South": "Operations", "Sales": "Acme", "EMEA": "Sales", "Support": "Acme",
}

// StaffFacts is what a staff member of the story is: the groups where
// they are admin or coach, the paths they author or instruct.
type StaffFacts struct {
	Name   string
	Groups []string
	Paths  []string
}

// Staff are the callers of the statistics besides the platform admin, by
// first name; Leo, a learner only, is not staff.
var Staff = map[string]StaffFacts{
	"Olga": {Name: "Olga Ops", Groups: []string{"Operations"}},
	"Carl": {Name: "Carl Coach", Groups: []string{"EMEA"}},
	"Ivan": {Name: "Ivan Instructor", Paths: []string{"Forklift Operator"}},
	"Aria": {Name: "Aria Author", Paths: []string{"First Aid Basics"}},
	"Bea":  {Name: "Bea Both", Groups: []string{"Warehouse South"}, Paths: []string{"Sales Negotiation"}},
	"Nora": {Name: "Nora Newpath", Paths: []string{"Onboarding"}},
}

// PathCertificates are the certificates each path grants.
var PathCertificates = map[string][]string{
	"Forklift Operator":  {Forklift},
	"Forklift Refresher": {Forklift, Hazmat},
	"First Aid Basics":   {FirstAid},
	"Sales Negotiation":  {Ethics},
	"Onboarding":         nil,
}

// Link is what SPEC §3 says of one learner of one certificate at Now.
type Link struct {
	Certified bool // holds it from a live enrollment, archived sessions included
	Enrolled  bool // has a live enrollment in a granting session that is not archived
	Latest    status.Certification
	// Delivered and Expires are the dates of the most recently delivered
	// one, in the platform's zone, "" when none.
	Delivered, Expires string
}

var (
	valid        = status.CertificationValid
	expiringSoon = status.CertificationExpiringSoon
	expired      = status.CertificationExpired
	notObtained  = status.CertificationNotObtained
)

// Links are the known answers: for each certificate, its learners — every
// user enrolled in a session of a granting path or holding it — and what
// they are to it once the story is told.
var Links = map[string]map[string]Link{
	Forklift: {
		// passed in 2024 in a session archived since, then again in 2026
		// (at 23:30 UTC, the next day in Paris); now in a refresher
		"Alice": {true, true, valid, "2026-02-16", "2027-02-16"},
		// passed in the rolling session; expiring, so re-enrolled at Now
		"Bruno": {true, true, expiringSoon, "2025-11-30", "2026-11-30"},
		// passed, expired, re-enrolled automatically and passed again
		"Chloe": {true, true, valid, "2026-03-01", "2027-03-01"},
		// deleted user, enrolled in the 2026 session
		"Dan": {false, true, notObtained, "", ""},
		// passed in a session deleted since (hidden), then in the refresher
		"Eve": {true, true, valid, "2026-03-20", "2027-03-20"},
		// enrolled the day before Now, not started
		"Gina": {false, true, notObtained, "", ""},
		// passed in 2024 in the archived session; enrolled again in 2026
		// but not started: the latest certificate is the expired one
		"Hugo": {true, true, expired, "2024-02-20", "2025-02-20"},
		// started in the archived session only: a learner, counted nowhere
		"Leo": {false, false, notObtained, "", ""},
		// Finn passed the refresher, but that enrollment was deleted
	},
	Hazmat: {
		"Alice": {false, true, notObtained, "", ""},
		"Eve":   {true, true, valid, "2026-03-20", "2029-03-20"},
		"Gina":  {false, true, notObtained, "", ""},
	},
	FirstAid: {
		"Alice": {true, true, valid, "2024-03-05", ""},
		"Eve":   {false, true, notObtained, "", ""}, // failed
		"Finn":  {true, true, valid, "2026-02-06", ""},
	},
	Ethics: {
		"Dan":  {true, true, valid, "2025-10-10", "2027-10-10"},
		"Eve":  {true, true, valid, "2025-01-20", "2027-01-20"},
		"Finn": {true, true, valid, "2026-11-01", "2028-11-01"},
	},
	Legacy: {},
}

// Titles lists the certificates in the list's order (by title).
var Titles = []string{FirstAid, Forklift, Hazmat, Legacy, Ethics}

// Build tells the story in st, a fresh store, and leaves its clock at Now
// and its zone at Zone.
func Build(t testing.TB, st *store.Store) *Org {
	t.Helper()
	b := &builder{t: t, st: st, ctx: context.Background(), org: &Org{
		Users: map[string]*skillpath.User{}, Groups: map[string]*skillpath.Group{}, Certificates: map[string]*skillpath.Certificate{},
		Trainings: map[string]*skillpath.Training{}, Sessions: map[string]*skillpath.Session{}, Enrollments: map[string]skillpath.ID{},
	}}
	st.Zone = Zone
	b.story()
	b.at(Now)
	return b.org
}

func fields(region, job string) map[string]string {
	return map[string]string{"region": region, "job": job}
}

// day is 09:00 UTC (10:00 or 11:00 in Paris) on a date.
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 0, 0, 0, time.UTC) }

func mustZone(name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return z
}
