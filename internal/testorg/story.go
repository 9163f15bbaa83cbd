package testorg

import (
	"context"
	"testing"
	"time"

	"skillpath"
	"skillpath/store"
)

type builder struct {
	t   testing.TB
	st  *store.Store
	ctx context.Context
	org *Org
}

// story builds the organisation and tells what happens in it, day by day.
func (b *builder) story() {
	b.at(day(2024, 1, 1))
	for _, g := range []string{"Acme", "Operations", "Warehouse North", "Night Shift", "Warehouse South", "Sales", "EMEA", "Support"} {
		b.group(g)
	}
	b.user("Ada", &skillpath.User{Name: "Ada Admin", Email: "ada@acme.test", PlatformAdmin: true})
	for _, first := range []string{"Alice", "Bruno", "Chloe", "Dan", "Eve", "Finn", "Gina", "Hugo", "Leo"} {
		l := Learners[first]
		b.user(first, &skillpath.User{Name: l.Name, Email: l.Email, RegisteredAt: l.Registered, CustomFields: l.Fields,
			GroupIDs: []skillpath.ID{b.org.Groups[l.Group].ID}})
	}
	for _, first := range []string{"Olga", "Carl", "Ivan", "Aria", "Bea", "Nora"} {
		b.user(first, &skillpath.User{Name: Staff[first].Name, Email: firstLower(first) + "@acme.test"})
	}
	b.staff("Olga", "Operations", skillpath.RoleGroupAdmin)
	b.staff("Carl", "EMEA", skillpath.RoleCoach)
	b.staff("Bea", "Warehouse South", skillpath.RoleCoach)

	b.certificate(Forklift, "Operations", 12)
	b.certificate(Hazmat, "Operations", 36)
	b.certificate(FirstAid, "Acme", 0)
	b.certificate(Ethics, "Sales", 24)
	b.certificate(Legacy, "Acme", 6)
	b.training("Forklift Operator", "instructor", "Ivan")
	b.training("Forklift Refresher", "", "")
	b.training("First Aid Basics", "author", "Aria")
	b.training("Sales Negotiation", "instructor", "Bea")
	b.training("Onboarding", "instructor", "Nora")

	b.session("Forklift Operator", "Forklift 2024", day(2024, 1, 1), false)
	b.session("Forklift Operator", "Forklift Rolling", day(2024, 1, 1), true)
	b.session("Forklift Operator", "Forklift 2026", day(2026, 1, 1), false)
	b.session("Forklift Operator", "Forklift Spring 2025", day(2025, 3, 1), false)
	b.session("Forklift Refresher", "Refresher 2026", day(2026, 3, 1), false)
	b.session("First Aid Basics", "First Aid Open", day(2024, 1, 1), false)
	b.session("Sales Negotiation", "Negotiation 2025", day(2025, 1, 1), false)

	b.at(day(2024, 2, 1))
	b.enroll("Alice", "Forklift 2024")
	b.enroll("Hugo", "Forklift 2024")
	b.start(b.enroll("Leo", "Forklift 2024"))
	b.at(day(2024, 2, 10))
	b.pass("Alice Forklift 2024")
	b.at(day(2024, 2, 20))
	b.pass("Hugo Forklift 2024")
	b.at(day(2024, 3, 1))
	b.enroll("Alice", "First Aid Open")
	b.at(day(2024, 3, 5))
	b.pass("Alice First Aid Open")

	b.at(day(2025, 1, 5))
	b.enroll("Bruno", "Forklift Rolling")
	b.at(day(2025, 1, 10))
	b.must(b.st.ArchiveSession(b.ctx, b.org.Sessions["Forklift 2024"].ID))
	b.enroll("Eve", "Negotiation 2025")
	b.at(day(2025, 1, 20))
	b.pass("Eve Negotiation 2025")
	b.at(day(2025, 2, 1))
	b.fail(b.enroll("Eve", "First Aid Open"))
	b.at(day(2025, 3, 1))
	b.enroll("Chloe", "Forklift Rolling")
	b.at(day(2025, 3, 10))
	b.pass("Chloe Forklift Rolling")
	b.enroll("Eve", "Forklift Spring 2025")
	b.at(day(2025, 3, 15))
	b.pass("Eve Forklift Spring 2025")
	b.at(day(2025, 6, 1))
	b.must(b.st.DeleteSession(b.ctx, b.org.Sessions["Forklift Spring 2025"].ID))
	b.at(day(2025, 10, 5))
	b.enroll("Dan", "Negotiation 2025")
	b.at(day(2025, 10, 10))
	b.pass("Dan Negotiation 2025")
	b.at(day(2025, 11, 30))
	b.pass("Bruno Forklift Rolling")

	b.at(day(2026, 1, 5))
	b.enroll("Dan", "Forklift 2026")
	b.at(day(2026, 1, 10))
	b.enroll("Hugo", "Forklift 2026")
	b.at(day(2026, 2, 1))
	b.enroll("Alice", "Forklift 2026")
	b.enroll("Finn", "Negotiation 2025")
	b.at(day(2026, 2, 5))
	b.enroll("Finn", "First Aid Open")
	b.at(day(2026, 2, 6))
	b.pass("Finn First Aid Open")
	b.at(time.Date(2026, 2, 15, 23, 30, 0, 0, time.UTC)) // 16 February in Paris
	b.pass("Alice Forklift 2026")
	b.at(day(2026, 2, 20))
	b.reenroll("Chloe", "Forklift Rolling") // her certificate expires on 10 March
	b.at(day(2026, 3, 1))
	b.pass("Chloe Forklift Rolling (auto)")
	b.at(day(2026, 3, 3))
	b.enroll("Eve", "Refresher 2026")
	b.at(day(2026, 3, 5))
	b.start(b.enroll("Alice", "Refresher 2026"))
	b.at(day(2026, 3, 10))
	b.enroll("Finn", "Refresher 2026")
	b.at(day(2026, 3, 20))
	b.pass("Eve Refresher 2026")
	b.at(day(2026, 4, 1))
	b.pass("Finn Refresher 2026")
	b.at(day(2026, 5, 1))
	b.must(b.st.DeleteEnrollment(b.ctx, b.org.Enrollments["Finn Refresher 2026"]))
	b.at(day(2026, 6, 1))
	b.must(b.st.DeleteUser(b.ctx, b.org.Users["Dan"].ID))
	b.at(day(2026, 11, 1))
	b.pass("Finn Negotiation 2025")
	b.at(day(2026, 11, 22))
	b.enroll("Gina", "Refresher 2026")
	b.at(Now)
	b.reenroll("Bruno", "Forklift Rolling") // his certificate expires on 30 November
}

// at moves the business clock.
func (b *builder) at(t time.Time) { b.st.Now = skillpath.FixedClock(t) }

// must fails the test on an error, the last argument.
func (b *builder) must(results ...any) {
	b.t.Helper()
	if err, _ := results[len(results)-1].(error); err != nil {
		b.t.Fatalf("testorg at %s: %v", b.st.Now().Format(time.RFC3339), err)
	}
}

func (b *builder) group(name string) {
	b.t.Helper()
	g := &skillpath.Group{Name: name}
	if parent := GroupParents[name]; parent != "" {
		g.ParentID = &b.org.Groups[parent].ID
	}
	b.must(b.st.CreateGroup(b.ctx, g))
	b.org.Groups[name] = g
}

func (b *builder) user(first string, u *skillpath.User) {
	b.t.Helper()
	b.must(b.st.CreateUser(b.ctx, u, ""))
	b.org.Users[first] = u
}

func (b *builder) staff(first, group string, role skillpath.StaffRole) {
	b.t.Helper()
	b.must(b.st.AddStaff(b.ctx, skillpath.Staff{GroupID: b.org.Groups[group].ID, UserID: b.org.Users[first].ID, Role: role}))
}

func (b *builder) certificate(title, owner string, months int) {
	b.t.Helper()
	c := &skillpath.Certificate{Title: title, OwnerGroupID: b.org.Groups[owner].ID}
	if months > 0 {
		c.ValidityMonths = &months
	}
	b.must(b.st.CreateCertificate(b.ctx, c))
	b.org.Certificates[title] = c
}

// training creates a path granting its certificates (PathCertificates)
// with one module: a page to read and a question, passed by answering
// "Yes" (minimum score 50).
func (b *builder) training(title, role, staff string) {
	b.t.Helper()
	correct, minScore := "Yes", 50.0
	t := &skillpath.Training{Title: title, Modules: []*skillpath.Module{{Title: "Basics", MinScore: &minScore, Activities: []*skillpath.Activity{
		{Title: "Read the rules", Kind: skillpath.KindContent},
		{Title: "Ready?", Kind: skillpath.KindChoice, Points: 1, Choices: []string{"Yes", "No"}, Correct: &correct},
	}}}}
	for _, c := range PathCertificates[title] {
		t.CertificateIDs = append(t.CertificateIDs, b.org.Certificates[c].ID)
	}
	switch role {
	case "instructor":
		t.InstructorIDs = []skillpath.ID{b.org.Users[staff].ID}
	case "author":
		t.AuthorIDs = []skillpath.ID{b.org.Users[staff].ID}
	}
	b.must(b.st.CreateTraining(b.ctx, t))
	b.org.Trainings[title] = t
}

func (b *builder) session(training, name string, starts time.Time, auto bool) {
	b.t.Helper()
	se := &skillpath.Session{TrainingID: b.org.Trainings[training].ID, Name: name, StartsAt: starts, AutoReenroll: auto}
	b.must(b.st.CreateSession(b.ctx, se))
	b.org.Sessions[name] = se
}

// enroll has the platform admin assign the learner to the session.
func (b *builder) enroll(first, session string) string {
	b.t.Helper()
	r, err := b.st.Enroll(b.ctx, b.org.Sessions[session].ID, b.org.Users[first].ID, b.org.Users["Ada"].ID, false)
	b.must(err)
	key := first + " " + session
	b.org.Enrollments[key] = r.ID
	return key
}

// reenroll runs the automatic re-enrollment sweep, which must enroll the
// learner again in the session and no one else.
func (b *builder) reenroll(first, session string) {
	b.t.Helper()
	n, err := b.st.Reenroll(b.ctx, store.DefaultReenrollLead)
	b.must(err)
	if n != 1 {
		b.t.Fatalf("testorg: the sweep at %s enrolled %d learners, want %s only", b.st.Now().Format(time.DateOnly), n, first)
	}
	list, err := b.st.UserEnrollments(b.ctx, b.org.Users[first].ID)
	b.must(err)
	for _, e := range list {
		if e.AutoReenrolled && e.SessionName == session && e.EnrolledAt.Equal(b.st.Now()) {
			b.org.Enrollments[first+" "+session+" (auto)"] = e.ID
			return
		}
	}
	b.t.Fatalf("testorg: %s was not re-enrolled in %s", first, session)
}

// start starts the path and reads the page: in progress.
func (b *builder) start(key string) {
	b.t.Helper()
	id := b.org.Enrollments[key]
	b.must(b.st.Start(b.ctx, id))
	b.must(b.st.View(b.ctx, id, b.activity(id, 0)))
}

// pass answers the question right: passed, certificates delivered now.
func (b *builder) pass(key string) { b.t.Helper(); b.finish(key, "Yes") }

// fail answers it wrong: failed.
func (b *builder) fail(key string) { b.t.Helper(); b.finish(key, "No") }

func (b *builder) finish(key, answer string) {
	b.t.Helper()
	b.start(key)
	id := b.org.Enrollments[key]
	b.must(b.st.Answer(b.ctx, id, b.activity(id, 1), answer))
}

// activity is the id of the i-th activity of the enrollment's path.
func (b *builder) activity(enrollmentID skillpath.ID, i int) skillpath.ID {
	b.t.Helper()
	e, err := b.st.FindEnrollment(b.ctx, enrollmentID)
	b.must(err)
	for _, t := range b.org.Trainings {
		if t.ID == e.TrainingID {
			return t.Modules[0].Activities[i].ID
		}
	}
	b.t.Fatalf("testorg: no path for enrollment %s", enrollmentID)
	return 0
}

func firstLower(s string) string { return string(s[0]+'a'-'A') + s[1:] }
