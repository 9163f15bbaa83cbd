package demo

import (
	"time"

	"skillpath"
)

// progress puts the demo's learners at every stage of SPEC §1 and §2:
// passed long ago (expired certificates, in a session archived since),
// passed nearly a year ago in a session with automatic re-enrollment
// (expiring soon, re-enrolled by the sweep), passed recently, failed,
// in progress, awaiting scoring, awaiting approval, prerequisites pending,
// not started, and a paid training bought by some. The store's clock is
// moved back in time for each step, so dates look lived-in.
func (b *builder) progress() {
	if b.err != nil {
		return
	}
	dpe := b.trainings["Data Protection Essentials"]
	fork := b.trainings["Forklift Operator Certification"]
	sales := b.trainings["Advanced Sales Negotiation"]
	l := b.learners

	// Data Protection Essentials: every outcome.
	for i, u := range l[0:10] { // passed 13 months ago: expired
		b.passDPE(u, "2025 cohort (archived)", b.now.AddDate(0, -13, -i))
	}
	for i, u := range l[10:18] { // passed 11 months ago: expiring soon, re-enrolled by the sweep
		b.passDPE(u, "Rolling enrollment", b.now.AddDate(0, -11, -5+i))
	}
	for i, u := range l[18:30] { // passed lately: valid
		b.passDPE(u, "Rolling enrollment", b.now.AddDate(0, -2, -i))
	}
	for _, u := range l[30:33] { // failed: two wrong attempts at the first module
		e := b.enroll(u, "Rolling enrollment", b.now.AddDate(0, 0, -20), false)
		b.at(b.now.AddDate(0, 0, -19), func() {
			b.start(e)
			b.answerModule(dpe, e, 0, false)
			b.answerModule(dpe, e, 1, true)
			b.retake(e, dpe.Modules[0].ID)
			b.answerModule(dpe, e, 0, false)
		})
	}
	for _, u := range l[33:38] { // in progress
		e := b.enroll(u, "Rolling enrollment", b.now.AddDate(0, 0, -6), false)
		b.at(b.now.AddDate(0, 0, -5), func() {
			b.start(e)
			b.view(e, dpe.Modules[0].Activities[0].ID)
		})
	}
	for _, u := range l[38:42] { // not started
		b.enroll(u, "Rolling enrollment", b.now.AddDate(0, 0, -3), false)
	}

	// Forklift Operator Certification: needs Data Protection and approval.
	for i, u := range l[18:24] { // passed, essay scored by the instructor
		when := b.now.AddDate(0, -1, i)
		e := b.enroll(u, "North warehouse, spring", when, false)
		b.at(when.Add(time.Hour), func() {
			b.start(e)
			b.answerModule(fork, e, 0, true)
			b.answerModule(fork, e, 1, true)
		})
		b.at(when.Add(26*time.Hour), func() { b.score(e, fork.Modules[1].Activities[0].ID, 8) })
	}
	for _, u := range l[24:27] { // awaiting scoring
		e := b.enroll(u, "South warehouse, autumn", b.now.AddDate(0, 0, -4), false)
		b.at(b.now.AddDate(0, 0, -3), func() {
			b.start(e)
			b.answerModule(fork, e, 0, true)
			b.answerModule(fork, e, 1, true)
		})
	}
	for _, u := range l[27:30] { // self-enrolled, awaiting approval
		b.enroll(u, "South warehouse, autumn", b.now.AddDate(0, 0, -2), true)
	}
	for _, u := range l[0:2] { // in progress (their expired pass still meets the prerequisite)
		e := b.enroll(u, "South warehouse, autumn", b.now.AddDate(0, 0, -6), false)
		b.at(b.now.AddDate(0, 0, -5), func() {
			b.start(e)
			b.answerModule(fork, e, 0, true)
		})
	}
	for _, u := range l[42:45] { // self-enrolled without the prerequisite
		b.enroll(u, "South warehouse, autumn", b.now.AddDate(0, 0, -1), true)
	}

	// Advanced Sales Negotiation: bought by some, one essay waiting.
	for i, u := range l[45:50] {
		u := u
		b.at(b.now.AddDate(0, 0, -10+i), func() {
			if b.err == nil {
				b.err = b.st.RecordPurchase(b.ctx, sales.ID, u.ID, b.admin.ID)
			}
		})
	}
	e := b.enroll(l[45], "Open enrollment", b.now.AddDate(0, 0, -4), true)
	b.at(b.now.AddDate(0, 0, -3), func() {
		b.start(e)
		b.answerModule(sales, e, 0, true)
	})
	b.enroll(l[46], "Open enrollment", b.now.AddDate(0, 0, -2), true)

	b.at(b.now.AddDate(0, -1, 0), func() {
		if b.err == nil {
			_, b.err = b.st.ArchiveSession(b.ctx, b.sessions["2025 cohort (archived)"].ID)
		}
	})
}

// at runs fn with the store's clock frozen at t.
func (b *builder) at(t time.Time, fn func()) {
	b.st.Now = skillpath.FixedClock(t)
	fn()
	b.st.Now = skillpath.FixedClock(b.now)
}

// passDPE enrolls the learner and passes Data Protection Essentials at t.
func (b *builder) passDPE(u *skillpath.User, session string, t time.Time) {
	dpe := b.trainings["Data Protection Essentials"]
	e := b.enroll(u, session, t.Add(-48*time.Hour), false)
	b.at(t, func() {
		b.start(e)
		for i := range dpe.Modules {
			b.answerModule(dpe, e, i, true)
		}
	})
}

// enroll enrolls the learner at t: assigned by the admin, or self-enrolled.
func (b *builder) enroll(u *skillpath.User, session string, t time.Time, self bool) skillpath.ID {
	var id skillpath.ID
	b.at(t, func() {
		if b.err != nil {
			return
		}
		by := b.admin.ID
		if self {
			by = u.ID
		}
		r, err := b.st.Enroll(b.ctx, b.sessions[session].ID, u.ID, by, self)
		if err != nil {
			b.err = err
			return
		}
		id = r.ID
	})
	return id
}

func (b *builder) start(e skillpath.ID) {
	if b.err == nil {
		b.err = b.st.Start(b.ctx, e)
	}
}

func (b *builder) view(e, activity skillpath.ID) {
	if b.err == nil {
		b.err = b.st.View(b.ctx, e, activity)
	}
}

func (b *builder) retake(e, module skillpath.ID) {
	if b.err == nil {
		b.err = b.st.Retake(b.ctx, e, module)
	}
}

func (b *builder) score(e, activity skillpath.ID, score float64) {
	if b.err == nil {
		b.err = b.st.Score(b.ctx, e, activity, score, b.staff.instructor.ID)
	}
}

// answerModule views the content of a module and answers its questions,
// rightly or wrongly; essays get a believable text.
func (b *builder) answerModule(t *skillpath.Training, e skillpath.ID, module int, right bool) {
	for _, a := range t.Modules[module].Activities {
		if b.err != nil {
			return
		}
		switch a.Kind {
		case skillpath.KindContent:
			b.err = b.st.View(b.ctx, e, a.ID)
		case skillpath.KindChoice:
			response := *a.Correct
			if !right {
				for _, c := range a.Choices {
					if c != *a.Correct {
						response = c
						break
					}
				}
			}
			b.err = b.st.Answer(b.ctx, e, a.ID, response)
		case skillpath.KindText:
			b.err = b.st.Answer(b.ctx, e, a.ID, "Heaviest loads at the bottom, check the rack's capacity sign, lift slowly with the mast tilted back, and ask a spotter when the view is blocked.")
		}
	}
}
