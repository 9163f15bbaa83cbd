// Package demo builds the believable organisation that `serve --demo` shows
// on an empty database: a group tree, learners with custom fields, staff,
// certificates, paths and their sessions, and a draft of results tracking.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"skillpath"
	"skillpath/store"
)

// Login is the platform admin's credentials, printed at start-up.
type Login struct {
	Email, Password string
}

// Default credentials of the demo's platform admin, unless
// SKILLPATH_ADMIN_EMAIL and SKILLPATH_ADMIN_PASSWORD name others.
const (
	AdminEmail    = "admin@demo.skillpath.test"
	AdminPassword = "skillpath-demo"
	// LearnerPassword is every demo learner's and staff member's password.
	LearnerPassword = "learner-demo"
)

// ErrNotEmpty is returned by Load when the database was not empty: another
// process got there first, and the demo is loaded once.
var ErrNotEmpty = errors.New("demo: the database is not empty")

// Load fills an empty store with the demo organisation. Its platform admin
// is created first, only on an empty database (store.CreateFirstAdmin):
// of several processes starting at once, one loads the demo and the others
// get ErrNotEmpty.
func Load(ctx context.Context, st *store.Store, adminEmail, adminPassword string) (Login, error) {
	login := Login{Email: AdminEmail, Password: AdminPassword}
	if adminEmail != "" {
		login = Login{Email: adminEmail, Password: adminPassword}
	}
	clock := st.Now
	b := &builder{ctx: ctx, st: st, now: st.Now(), rnd: rand.New(rand.NewPCG(2026, 11))}
	admin := &skillpath.User{Email: login.Email, Name: "Ada Admin", PlatformAdmin: true}
	created, err := st.CreateFirstAdmin(ctx, admin, login.Password)
	if err != nil {
		return login, err
	} else if !created {
		return login, ErrNotEmpty
	}
	b.admin = admin
	b.organisation()
	b.progress()
	st.Now = skillpath.FixedClock(b.now)
	b.tracking()
	if b.err == nil {
		_, b.err = st.Reenroll(ctx, store.DefaultReenrollLead)
	}
	st.Now = clock
	return login, b.err
}

// builder carries the first error, so the demo reads as a script.
type builder struct {
	ctx      context.Context
	st       *store.Store
	now      time.Time
	rnd      *rand.Rand
	err      error
	admin    *skillpath.User
	staff    struct{ instructor *skillpath.User }
	sessions map[string]*skillpath.Session

	groups       map[string]skillpath.ID
	learners     []*skillpath.User
	certificates map[string]skillpath.ID
	trainings    map[string]*skillpath.Training
}

func (b *builder) user(u *skillpath.User, pass string) *skillpath.User {
	if b.err == nil {
		b.err = b.st.CreateUser(b.ctx, u, pass)
	}
	return u
}

func (b *builder) group(name, parent string) {
	if b.err != nil {
		return
	}
	g := &skillpath.Group{Name: name}
	if parent != "" {
		p := b.groups[parent]
		g.ParentID = &p
	}
	b.err = b.st.CreateGroup(b.ctx, g)
	b.groups[name] = g.ID
}

var (
	firstNames = []string{"Amelia", "Bruno", "Chloé", "Dmitri", "Elena", "Farid", "Grace", "Hugo", "Ingrid", "Jonas",
		"Keiko", "Lucas", "Maya", "Nils", "Olivia", "Pedro", "Quentin", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wen", "Xavier", "Yasmin", "Zoé"}
	lastNames = []string{"Andersen", "Bernard", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Hansen", "Ivanova", "Jensen",
		"Kowalski", "Laurent", "Moreau", "Novak", "O'Brien", "Petit", "Rossi", "Schmidt", "Tanaka", "Urban", "Weber"}
	jobs = map[string][]string{
		"Warehouse North": {"Forklift operator", "Picker", "Shift lead"},
		"Warehouse South": {"Forklift operator", "Picker", "Shift lead"},
		"EMEA":            {"Account executive", "Sales engineer"},
		"Americas":        {"Account executive", "Sales engineer"},
		"Customer Care":   {"Support agent", "Team lead"},
	}
	regions = map[string]string{
		"Warehouse North": "North", "Warehouse South": "South", "EMEA": "EMEA", "Americas": "Americas", "Customer Care": "EMEA",
	}
)

func (b *builder) organisation() {
	b.groups = map[string]skillpath.ID{}
	b.group("Northwind Logistics", "")
	b.group("Operations", "Northwind Logistics")
	b.group("Warehouse North", "Operations")
	b.group("Warehouse South", "Operations")
	b.group("Sales", "Northwind Logistics")
	b.group("EMEA", "Sales")
	b.group("Americas", "Sales")
	b.group("Customer Care", "Northwind Logistics")

	teams := []string{"Warehouse North", "Warehouse South", "EMEA", "Americas", "Customer Care"}
	for i := range 50 {
		team := teams[i%len(teams)]
		first, last := firstNames[i%len(firstNames)], lastNames[(i*7)%len(lastNames)]
		registered := b.now.AddDate(0, -b.rnd.IntN(36), -b.rnd.IntN(28))
		u := b.user(&skillpath.User{
			Email:        fmt.Sprintf("learner%02d@demo.skillpath.test", i+1),
			Name:         first + " " + last,
			RegisteredAt: registered,
			CustomFields: map[string]string{"region": regions[team], "job": jobs[team][b.rnd.IntN(len(jobs[team]))]},
			GroupIDs:     []skillpath.ID{b.groups[team]},
		}, LearnerPassword)
		b.learners = append(b.learners, u)
	}
	groupAdmin := b.user(&skillpath.User{Email: "olga.ops@demo.skillpath.test", Name: "Olga Operations"}, LearnerPassword)
	coach := b.user(&skillpath.User{Email: "sam.coach@demo.skillpath.test", Name: "Sam Coach"}, LearnerPassword)
	instructor := b.user(&skillpath.User{Email: "ivy.instructor@demo.skillpath.test", Name: "Ivy Instructor"}, LearnerPassword)
	if b.err == nil {
		b.err = b.st.AddStaff(b.ctx, skillpath.Staff{GroupID: b.groups["Operations"], UserID: groupAdmin.ID, Role: skillpath.RoleGroupAdmin})
	}
	if b.err == nil {
		b.err = b.st.AddStaff(b.ctx, skillpath.Staff{GroupID: b.groups["Sales"], UserID: coach.ID, Role: skillpath.RoleCoach})
	}
	b.staff.instructor = instructor
	b.catalog(instructor.ID)
}

func (b *builder) certificate(title, owner string, months *int) {
	if b.err != nil {
		return
	}
	c := &skillpath.Certificate{Title: title, OwnerGroupID: b.groups[owner], ValidityMonths: months}
	b.err = b.st.CreateCertificate(b.ctx, c)
	b.certificates[title] = c.ID
}

func (b *builder) training(t *skillpath.Training) {
	if b.err == nil {
		b.err = b.st.CreateTraining(b.ctx, t)
	}
	b.trainings[t.Title] = t
}

func (b *builder) session(trainingTitle, name string, startMonthsAgo int, autoReenroll bool) *skillpath.Session {
	se := &skillpath.Session{TrainingID: b.trainings[trainingTitle].ID, Name: name,
		StartsAt: b.now.AddDate(0, -startMonthsAgo, 0), AutoReenroll: autoReenroll}
	if b.err == nil {
		b.err = b.st.CreateSession(b.ctx, se)
	}
	b.sessions[name] = se
	return se
}

func ptr[T any](v T) *T { return &v }

func (b *builder) catalog(instructorID skillpath.ID) {
	b.certificates = map[string]skillpath.ID{}
	b.trainings = map[string]*skillpath.Training{}
	b.sessions = map[string]*skillpath.Session{}
	b.certificate("Forklift Safety", "Operations", ptr(24))
	b.certificate("Data Protection Essentials", "Northwind Logistics", ptr(12))
	text := func(title string) *skillpath.Activity {
		return &skillpath.Activity{Title: title, Kind: skillpath.KindText, Points: 10, ManualScoring: true}
	}
	choice := func(title, correct string, choices ...string) *skillpath.Activity {
		return &skillpath.Activity{Title: title, Kind: skillpath.KindChoice, Points: 1, Choices: choices, Correct: &correct}
	}
	content := func(title string) *skillpath.Activity {
		return &skillpath.Activity{Title: title, Kind: skillpath.KindContent, Body: demoBodies[title], URL: demoLinks[title]}
	}

	b.training(&skillpath.Training{Title: "Data Protection Essentials", CertificateIDs: []skillpath.ID{b.certificates["Data Protection Essentials"]},
		PassingScore: ptr(70.0), MasteryScore: ptr(90.0), InstructorIDs: []skillpath.ID{instructorID},
		Modules: []*skillpath.Module{
			{Title: "Personal data", MaxAttempts: 2, MinScore: ptr(50.0), Activities: []*skillpath.Activity{
				content("What counts as personal data"),
				choice("Is a customer's email address personal data?", "Yes", "Yes", "No"),
				choice("How long may we keep delivery records?", "As long as needed for the purpose", "Forever", "As long as needed for the purpose", "One week"),
			}},
			{Title: "Incidents", MaxAttempts: 0, Activities: []*skillpath.Activity{
				content("Reporting a breach"),
				choice("Within how many hours must a breach be reported?", "72", "24", "72", "168"),
			}},
		}})
	b.training(&skillpath.Training{Title: "Forklift Operator Certification", CertificateIDs: []skillpath.ID{b.certificates["Forklift Safety"]},
		PrerequisiteIDs: []skillpath.ID{b.trainings["Data Protection Essentials"].ID}, RequiresApproval: true,
		InstructorIDs: []skillpath.ID{instructorID}, AuthorIDs: []skillpath.ID{instructorID},
		Modules: []*skillpath.Module{
			{Title: "Before you drive", MaxAttempts: 3, MinScore: ptr(60.0), Activities: []*skillpath.Activity{
				content("The daily inspection checklist"),
				choice("What do you check first?", "Forks and chains", "Radio", "Forks and chains", "Seat colour"),
			}},
			{Title: "On the floor", MaxAttempts: 1, Activities: []*skillpath.Activity{
				text("Describe how you would stack a load on the top rack."),
			}},
		}})
	b.training(&skillpath.Training{Title: "Advanced Sales Negotiation", Price: ptr(skillpath.Price(4900)),
		Modules: []*skillpath.Module{
			{Title: "Preparing the deal", MaxAttempts: 1, Activities: []*skillpath.Activity{
				content("Know your walk-away point"),
				text("Write the opening of your next negotiation."),
			}},
		}})
	if b.err != nil {
		return
	}
	b.session("Data Protection Essentials", "2025 cohort (archived)", 14, false)
	b.session("Data Protection Essentials", "Rolling enrollment", 6, true)
	b.session("Forklift Operator Certification", "North warehouse, spring", 5, true)
	b.session("Forklift Operator Certification", "South warehouse, autumn", 1, false)
	b.session("Advanced Sales Negotiation", "Open enrollment", 2, false)
}

// LRSEndpoint is the LRS of the demo's results tracking draft: a
// reserved example address, never contacted since the draft is not published.
const LRSEndpoint = "https://lrs.example.com/xapi/"

// tracking saves results tracking settings for the Forklift training as a
// draft (SPEC §4), so /trainings/{id}/tracking shows something real. It is
// not published: nothing is written to the outbox, nothing is sent, and
// without a password the demo needs no SKILLPATH_SECRET_KEY.
func (b *builder) tracking() {
	if b.err != nil {
		return
	}
	_, b.err = b.st.SetLRSDraft(b.ctx, b.trainings["Forklift Operator Certification"].ID, store.LRSInput{
		Endpoint: LRSEndpoint,
		Verbs:    []skillpath.Verb{skillpath.VerbStarted, skillpath.VerbAnswered, skillpath.VerbPassed, skillpath.VerbFailed},
	})
}

// demoBodies are the texts of the demo's content activities (issue 18), in
// Markdown as an author writes them.
var demoBodies = map[string]string{
	"What counts as personal data": `Personal data is **any information about a person who can be identified**, directly or indirectly.

Examples we handle every day:

- a customer's name, email address or phone number;
- a delivery address, even without a name on it;
- a driver's licence number or a vehicle plate linked to a person.

Company data (a registration number, a switchboard number) is *not* personal data, but the email address
of the person you deal with there is.

> When in doubt, treat it as personal data.`,
	"Reporting a breach": `A **personal data breach** is any loss, leak or unauthorised change of personal data: a lost laptop,
an email sent to the wrong customer, a shared password.

1. Do not try to hide or fix it alone.
2. Tell the data protection officer at once, with what happened and when.
3. The company must notify the supervisory authority **within 72 hours** of becoming aware of it.

| Who | Does what |
|---|---|
| You | Report at once, keep evidence |
| Data protection officer | Assesses the risk, notifies |
| Managers | Inform the people affected if the risk is high |`,
	"The daily inspection checklist": `Before every shift, walk round the truck and check, in this order:

1. **Forks and chains**: no cracks, bends or worn links.
2. Tyres and wheels: no cuts, correct pressure.
3. Hydraulics: no leaks under the mast.
4. Controls: horn, lights, brakes and the lowering speed.

If anything fails, tag the truck *out of service* and tell your supervisor. Never drive a truck that failed its check.`,
	"Know your walk-away point": `Before any negotiation, write down your **walk-away point**: the least favourable deal you would still accept.

- Knowing it keeps you from agreeing to a deal worse than no deal.
- Keep it to yourself; open well above it.
- Revise it only with new facts, never under pressure at the table.`,
}

// demoLinks are the videos or pages of the demo's content activities.
var demoLinks = map[string]string{
	"The daily inspection checklist": "https://www.osha.gov/etools/powered-industrial-trucks/operating-forklift/pre-operation-inspection",
}
