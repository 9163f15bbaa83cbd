package synthetic

import (
	"fmt"
	"math"
	"sort"
	"time"

	"skillpath"
)

type certificate struct {
	id       int64
	validity *int
}

// path is a generated training: one of two shapes, both small so that
// every status of SPEC §1 is reachable with a handful of answers.
type path struct {
	id               int64
	certificates     []*certificate
	prerequisite     *path
	requiresApproval bool
	instructor       int64
	modules          []*module
	sessions         []*session
}

type module struct {
	id         int64
	minScore   *float64
	activities []*activity
}

type activity struct {
	id     int64
	kind   skillpath.ActivityKind
	points float64
	manual bool
}

type session struct {
	id         int64
	path       *path
	startsAt   time.Time
	auto       bool
	archivedAt *time.Time
	deletedAt  *time.Time
}

var (
	topics = []string{"Forklift Safety", "First Aid", "Negotiation", "Cloud Security", "Accounting Standards", "Customer Empathy",
		"Hazardous Materials", "Incident Response", "Lean Warehousing", "Leadership", "Anti-Bribery", "Export Control",
		"Working at Height", "Electrical Safety", "Data Analysis", "Public Speaking", "Project Management", "Coaching"}
	levels = []string{"Foundations", "Practitioner", "Advanced", "Expert"}
	// core are the company-wide paths, each followed by that share of the
	// learners: the largest certificates.
	core = []struct {
		title    string
		validity *int
		share    float64
	}{
		{"Code of Conduct", ptr(12), 0.8},
		{"Data Protection", ptr(24), 0.5},
		{"Fire Safety", nil, 0.3},
	}
	validities = []*int{nil, ptr(6), ptr(12), ptr(12), ptr(24), ptr(24), ptr(36), nil}
)

func topic(i int) string {
	t := topics[i%len(topics)] + " " + levels[(i/len(topics))%len(levels)]
	if n := i / (len(topics) * len(levels)); n > 0 {
		t += fmt.Sprintf(" %d", n+1)
	}
	return t
}

// catalog writes the certificates and the paths with their modules,
// staff and sessions: about one path per 200 learners, three certificates
// for five paths, one certificate granted by no path at all.
func (g *gen) catalog() {
	paths := max(len(core)+1, g.o.Learners/learnersPerPath)
	certs := max(len(core)+2, paths*3/5)
	owners := g.owners
	for i := range certs {
		c := &certificate{id: g.id(g.t.certificates)}
		title := ""
		switch {
		case i < len(core):
			title, c.validity = core[i].title, core[i].validity
		case i == certs-1:
			title = "Retired: Legacy Permit" // granted by no path, linked to no one
		default:
			title, c.validity = topic(i-len(core)), validities[g.rnd.IntN(len(validities))]
		}
		g.certificates = append(g.certificates, c)
		g.t.certificates.Add(c.id, title, owners[g.rnd.IntN(len(owners))], intOrNil(c.validity), ms(g.now.Add(-5*years)))
	}
	for i := range paths {
		p := &path{id: g.id(g.t.trainings), instructor: g.instructors[i%len(g.instructors)]}
		title := ""
		switch {
		case i < len(core):
			title, p.certificates = core[i].title, []*certificate{g.certificates[i]}
		case i-len(core) < certs-1-len(core):
			// every other certificate is granted by at least one path
			title, p.certificates = topic(i-len(core))+" course", []*certificate{g.certificates[i]}
		default:
			title = topic(i-len(core)) + " refresher"
			p.certificates = g.someCertificates(certs)
		}
		if k := i - len(core); k >= 0 {
			// one path in ten needs a company-wide one first and an
			// administrator's approval of self-enrollments; one more in ten
			// needs the approval only
			p.requiresApproval = k%10 == 0 || k%10 == 5
			if k%10 == 0 {
				p.prerequisite = g.paths[g.rnd.IntN(len(core))]
			}
		}
		g.paths = append(g.paths, p)
		g.t.trainings.Add(p.id, title, p.requiresApproval, ms(g.now.Add(-5*years)), ms(g.now.Add(-5*years)), ms(g.now.Add(-5*years)))
		for _, c := range p.certificates {
			g.t.trainingCertificates.Add(p.id, c.id)
		}
		if p.prerequisite != nil {
			g.t.prerequisites.Add(p.id, p.prerequisite.id)
		}
		g.t.trainingStaff.Add(p.id, p.instructor, "instructor")
		g.t.trainingStaff.Add(p.id, g.authors[i%len(g.authors)], "author")
		g.modules(p, i%5 == 1 || i%5 == 3)
		g.sessions(p, i < 2 || g.chance(0.35), i == 2 || i%10 == 7)
	}
	g.popularity()
}

// someCertificates picks what a path beyond the first ones grants: none
// for one in four, else one or, sometimes, two.
func (g *gen) someCertificates(certs int) []*certificate {
	pool := g.certificates[len(core) : certs-1]
	switch r := g.rnd.Float64(); {
	case r < 0.25:
		return nil
	case r < 0.9 || len(pool) < 2:
		return []*certificate{pool[g.rnd.IntN(len(pool))]}
	default:
		i := g.rnd.IntN(len(pool))
		j := (i + 1 + g.rnd.IntN(len(pool)-1)) % len(pool)
		return []*certificate{pool[i], pool[j]}
	}
}

// modules writes one of two shapes: a module with a content page and a
// question (minimum score 50), followed, with essay, by a module with an
// essay scored by hand (minimum score 50) — where awaiting_scoring lives.
func (g *gen) modules(p *path, essay bool) {
	shapes := [][]*activity{
		{{kind: skillpath.KindContent}, {kind: skillpath.KindChoice, points: 1}},
	}
	if essay {
		shapes = append(shapes, []*activity{{kind: skillpath.KindText, points: 2, manual: true}})
	}
	for i, acts := range shapes {
		m := &module{id: g.id(g.t.modules), minScore: ptr(50.0), activities: acts}
		p.modules = append(p.modules, m)
		g.t.modules.Add(m.id, p.id, i, fmt.Sprintf("Module %d", i+1), *m.minScore, 1)
		for j, a := range acts {
			a.id = g.id(g.t.activities)
			var choices, correct, choiceIDs any
			choiceSeq := 0
			title := "Read the guide"
			switch a.kind {
			case skillpath.KindChoice:
				choices, correct, title = `["Yes","No"]`, "Yes", "Is this the safe way?"
				choiceIDs, choiceSeq = `["choice-1","choice-2"]`, 2
			case skillpath.KindText:
				title = "Describe what you would do"
			}
			g.t.activities.Add(a.id, m.id, j, title, string(a.kind), a.points, a.manual, choices, correct, choiceIDs, choiceSeq)
		}
	}
}

// sessions writes two to four cohorts nine months apart, the older ones
// ended and often archived, the first one deleted when deleteFirst, the
// latest open-ended; for auto paths a rolling session of three years that
// re-enrolls automatically; and, for one path in ten, an upcoming cohort.
func (g *gen) sessions(p *path, auto, deleteFirst bool) {
	n := 2 + g.rnd.IntN(3)
	for j := range n {
		se := &session{path: p, startsAt: g.now.AddDate(0, -9*(n-j), g.rnd.IntN(30)-15).Truncate(time.Millisecond)}
		var ends *time.Time
		if j < n-1 {
			ends = ptr(se.startsAt.AddDate(0, 6, 0))
			if j == 0 && deleteFirst {
				se.deletedAt = ptr(se.startsAt.AddDate(0, 3, 0))
			} else if se.startsAt.Before(g.now.AddDate(-2, 0, 0)) && g.chance(0.7) {
				se.archivedAt = ptr(se.startsAt.AddDate(0, 8, 0))
			}
		}
		g.session(se, fmt.Sprintf("Cohort %s", se.startsAt.In(g.zone).Format("January 2006")), ends)
	}
	if auto {
		g.session(&session{path: p, startsAt: g.now.AddDate(-3, 0, 0).Truncate(time.Millisecond), auto: true}, "Rolling enrollment", nil)
	}
	if g.chance(0.1) {
		g.session(&session{path: p, startsAt: g.now.AddDate(0, 1+g.rnd.IntN(2), 0).Truncate(time.Millisecond)}, "Upcoming cohort", nil)
	}
}

func (g *gen) session(se *session, name string, ends *time.Time) {
	se.id = g.id(g.t.sessions)
	se.path.sessions = append(se.path.sessions, se)
	g.t.sessions.Add(se.id, se.path.id, name, ms(se.startsAt), nullMs(ends), se.auto, nullMs(se.archivedAt), nullMs(se.deletedAt),
		ms(se.startsAt.AddDate(0, -1, 0)))
	g.sum.Sessions++
}

// popularity ranks the paths beyond the company-wide ones: a few are
// followed by many learners, most by few (a Zipf-like law).
func (g *gen) popularity() {
	g.others = g.paths[len(core):]
	order := g.rnd.Perm(len(g.others))
	total := 0.0
	g.weights = make([]float64, len(g.others))
	for i := range g.others {
		total += 1 / math.Pow(float64(order[i]+1), 0.9)
		g.weights[i] = total
	}
}

// popularPath picks a path beyond the company-wide ones by popularity.
func (g *gen) popularPath() *path {
	x := g.rnd.Float64() * g.weights[len(g.weights)-1]
	return g.others[sort.SearchFloat64s(g.weights, x)]
}

func intOrNil(v *int) any {
	if v == nil {
		return nil
	}
	return *v
}
