package synthetic

import (
	"context"
	"fmt"
	"time"

	"skillpath"
	"skillpath/status"
)

// learner is the part of a generated learner their enrollments need.
type learner struct {
	id         int64
	name       string
	email      string
	registered time.Time
	deleted    *time.Time
	passed     map[int64]bool // paths passed in a live enrollment: prerequisites met
	// links are the learner's certificates and what they are to each, as
	// certificate_learners keeps them (SPEC §3)
	links map[*certificate]*link
}

type link struct {
	enrolled           bool       // in a live enrollment of a session that is not archived
	delivered, expires *time.Time // the latest live award's, by delivery then id
}

// outcome is how far a learner went in one enrollment; the facts written
// follow from it and the status from the facts.
type outcome int

const (
	notStarted outcome = iota
	started
	awaitingScoring
	passed
	failed
)

// outcomes are drawn with these shares (awaiting scoring only where an
// essay is scored by hand; elsewhere it counts as passed).
var outcomeShares = []struct {
	outcome outcome
	share   float64
}{{notStarted, 0.12}, {started, 0.13}, {awaitingScoring, 0.05}, {passed, 0.55}, {failed, 0.15}}

// learners writes every learner with their enrollments.
func (g *gen) learners(ctx context.Context) error {
	for i := range g.o.Learners {
		if i%1000 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := g.bulk.Err(); err != nil {
				return err
			}
			if g.o.Progress != nil {
				g.o.Progress(i, g.o.Learners)
			}
		}
		g.learner(i)
	}
	if g.o.Progress != nil {
		g.o.Progress(g.o.Learners, g.o.Learners)
	}
	g.sum.Learners = g.o.Learners
	g.sum.Certificates, g.sum.Paths = len(g.certificates), len(g.paths)
	return g.bulk.Err()
}

// learner writes one learner — registered in the last five years, a few
// deleted since — with their custom fields, groups and enrollments.
func (g *gen) learner(i int) {
	u := &learner{id: g.id(g.t.users), passed: map[int64]bool{}, links: map[*certificate]*link{}}
	u.registered = g.between(g.now.Add(-5*years), g.now.Add(-7*days))
	if g.chance(deletedUserShare) {
		u.deleted = ptr(g.between(u.registered, g.now))
	}
	team := g.teams[g.rnd.IntN(len(g.teams))]
	u.name = firstNames[g.rnd.IntN(len(firstNames))] + " " + lastNames[g.rnd.IntN(len(lastNames))]
	email := fmt.Sprintf("learner%06d@synthetic.skillpath.test", i+1)
	u.email = email
	g.t.users.Add(u.id, email, email, u.name, ms(u.registered), nullMs(u.deleted), false, nil, ms(u.registered))
	region := team.region
	if g.chance(0.1) {
		region = regions[g.rnd.IntN(len(regions))]
	}
	g.t.userFields.Add(u.id, "job", team.division.jobs[g.rnd.IntN(len(team.division.jobs))])
	g.t.userFields.Add(u.id, "region", region)
	g.t.groupMembers.Add(team.id, u.id)
	if g.chance(0.05) {
		g.t.groupMembers.Add(g.projects[g.rnd.IntN(len(g.projects))].id, u.id)
	}

	// About five enrollments: the company-wide paths by their share, then
	// popular paths, never twice in one session; paths needing another
	// come last so that what the learner passed is known.
	var plan, later []*session
	seen := map[int64]bool{}
	add := func(se *session) {
		if seen[se.id] {
			return
		}
		seen[se.id] = true
		if se.path.prerequisite != nil {
			later = append(later, se)
		} else {
			plan = append(plan, se)
		}
	}
	for k, c := range core {
		if g.chance(c.share) {
			add(g.pickSession(g.paths[k]))
		}
	}
	want := 1 + g.rnd.IntN(9)
	for tries := 0; len(plan)+len(later) < want && tries < 20; tries++ {
		add(g.pickSession(g.popularPath()))
	}
	for _, se := range append(plan, later...) {
		g.enroll(u, se, nil, time.Time{})
	}
	for _, c := range g.certificates { // in id order: the same rows for a seed
		if l := u.links[c]; l != nil {
			g.t.learners.Add(c.id, u.id, u.name, u.deleted != nil, l.enrolled, nullMs(l.delivered), nullMs(l.expires), u.email)
		}
	}
}

// linkOf is what the learner is to the certificate, new if nothing yet.
func (u *learner) linkOf(c *certificate) *link {
	l := u.links[c]
	if l == nil {
		l = &link{}
		u.links[c] = l
	}
	return l
}

// pickSession picks a session of the path, the recent ones more often.
func (g *gen) pickSession(p *path) *session {
	n := len(p.sessions)
	i := n - 1 - min(g.rnd.IntN(n), g.rnd.IntN(n))
	return p.sessions[i]
}

// enroll writes one enrollment with its facts, status and certificates,
// and, when it passed with a certificate due for renewal in a session that
// re-enrolls automatically, the automatic re-enrollment the sweep of SPEC
// §2 would have made (from is the enrollment re-enrolled from, at).
func (g *gen) enroll(u *learner, se *session, from *int64, at time.Time) {
	p := se.path
	hi := g.now
	for _, end := range []*time.Time{u.deleted, se.archivedAt, se.deletedAt} {
		if end != nil && end.Before(hi) {
			hi = *end
		}
	}
	lo := se.startsAt.Add(-30 * days)
	if u.registered.After(lo) {
		lo = u.registered
	}
	if !hi.After(lo) {
		lo = hi.Add(-days)
	}
	enrolledAt := g.between(lo, hi)
	self := false
	var enrolledBy, approvedBy any = g.admin, g.admin
	approvedAt := &enrolledAt
	if from != nil {
		enrolledAt, approvedAt, enrolledBy, approvedBy = at, &at, nil, nil
	} else if g.chance(0.3) {
		self, enrolledBy, approvedBy = true, nil, nil
		if p.requiresApproval && g.chance(0.4) {
			approvedAt = nil
		}
	}
	var deletedAt *time.Time
	if se.deletedAt != nil {
		deletedAt = se.deletedAt
	} else if from == nil && g.chance(deletedEnrollShare) {
		deletedAt = ptr(g.between(enrolledAt, g.now))
	}

	facts := status.TrainingFacts{
		PrerequisitesMet: p.prerequisite == nil || u.passed[p.prerequisite.id],
		ApprovalPending:  self && p.requiresApproval && approvedAt == nil,
	}
	out := notStarted
	if facts.PrerequisitesMet && !facts.ApprovalPending && !se.startsAt.After(g.now) {
		out = g.drawOutcome(len(p.modules) > 1)
	}
	id := g.id(g.t.enrollments)
	startedAt := g.between(enrolledAt, hi)
	doneAt := g.between(startedAt, hi)
	answers := g.answers(p, out, &facts)
	r := status.TrainingStatus(facts, g.now)
	var attempt any
	var startedCol, completedCol, passedCol any
	if facts.Started {
		attempt, startedCol = g.uuid(), ms(startedAt)
	}
	if r.Status.Completed() {
		completedCol = ms(doneAt)
	}
	if r.Status == status.TrainingPassed {
		passedCol = ms(doneAt)
	}
	g.t.enrollments.Add(id, se.id, p.id, u.id, ms(enrolledAt), enrolledBy, self, nullMs(approvedAt), approvedBy,
		from != nil, ptrOrNil(from), nullMs(deletedAt), attempt, startedCol, string(r.Status), floatOrNil(r.Score), completedCol, nil, passedCol)
	g.sum.Enrollments++
	if from != nil {
		g.sum.Reenrollments++
	}
	if deletedAt == nil {
		for _, c := range p.certificates {
			l := u.linkOf(c)
			l.enrolled = l.enrolled || se.archivedAt == nil
		}
	}
	for _, mod := range answers {
		attemptID := g.id(g.t.moduleAttempts)
		g.t.moduleAttempts.Add(attemptID, id, mod.module.id, 1, ms(startedAt))
		for _, a := range mod.answers {
			var scoredAt, scoredBy any
			if a.score != nil {
				scoredAt = ms(doneAt)
				if a.activity.manual {
					scoredBy = p.instructor
				}
			}
			g.t.answers.Add(g.id(g.t.answers), attemptID, a.activity.id, ptrOrNil(a.response), ms(g.between(startedAt, doneAt.Add(time.Millisecond))),
				floatOrNil(a.score), scoredAt, scoredBy)
		}
	}
	if r.Status != status.TrainingPassed {
		return
	}
	if deletedAt == nil {
		u.passed[p.id] = true
	}
	var due *time.Time // the earliest expiry: what the sweep looks at
	for _, c := range p.certificates {
		expires := status.Expiration(doneAt, c.validity, g.zone)
		g.t.awards.Add(g.id(g.t.awards), id, c.id, u.id, ms(doneAt), nullMs(expires))
		g.sum.Awards++
		if deletedAt != nil {
			continue // deleted enrollments link no one
		}
		if l := u.linkOf(c); l.delivered == nil || !doneAt.Before(*l.delivered) {
			l.delivered, l.expires = &doneAt, expires // a later id wins a tie
		}
		if expires != nil && (due == nil || expires.Before(*due)) {
			due = expires
		}
	}
	if due == nil || deletedAt != nil || u.deleted != nil || !se.auto || se.archivedAt != nil || due.After(g.now.Add(reenrollLead)) {
		return
	}
	sweep := due.Add(-reenrollLead)
	if sweep.Before(doneAt) {
		sweep = doneAt
	}
	g.enroll(u, se, &id, sweep)
}

func (g *gen) drawOutcome(essay bool) outcome {
	x := g.rnd.Float64()
	for _, o := range outcomeShares {
		if x < o.share {
			if o.outcome == awaitingScoring && !essay {
				return passed
			}
			return o.outcome
		}
		x -= o.share
	}
	return passed
}

type moduleAnswers struct {
	module  *module
	answers []answer
}

type answer struct {
	activity *activity
	response *string
	score    *float64
}

// answers chooses what the learner did for the outcome and fills the
// facts the status rules read, exactly as the store reads them back.
func (g *gen) answers(p *path, out outcome, facts *status.TrainingFacts) []moduleAnswers {
	facts.Started = out != notStarted
	var written []moduleAnswers
	for mi, m := range p.modules {
		mf := status.ModuleFacts{MinScore: m.minScore, Activities: make([]status.ActivityFacts, len(m.activities))}
		var mine []answer
		for ai, a := range m.activities {
			mf.Activities[ai] = status.ActivityFacts{Points: a.points, ManualScoring: a.manual}
			if out == notStarted || (out == started && (mi > 0 || ai > 0)) {
				continue
			}
			ans := answer{activity: a}
			switch a.kind {
			case skillpath.KindChoice:
				right := out != failed || len(p.modules) > 1
				ans.response, ans.score = ptr("No"), ptr(0.0)
				if right {
					ans.response, ans.score = ptr("Yes"), ptr(a.points)
				}
			case skillpath.KindText:
				ans.response = ptr("I would stop, secure the area and call the shift lead.")
				switch out {
				case passed:
					ans.score = ptr(float64(1 + g.rnd.IntN(int(a.points))))
				case failed:
					ans.score = ptr(0.0)
				}
			}
			mf.Attempted = true
			mf.Activities[ai].Answered, mf.Activities[ai].Score = true, ans.score
			mine = append(mine, ans)
		}
		facts.Modules = append(facts.Modules, mf)
		if mf.Attempted {
			written = append(written, moduleAnswers{module: m, answers: mine})
		}
	}
	return written
}

func ptrOrNil[T any](v *T) any {
	if v == nil {
		return nil
	}
	return *v
}

func floatOrNil(v *float64) any { return ptrOrNil(v) }
