package testorg

import (
	"time"

	"skillpath/report"
)

// Delivery is one certificate delivered in a live enrollment: to whom, and
// the day in the platform's zone.
type Delivery struct {
	First, Day string
}

// Deliveries are the known answers of every certificate delivered in the
// story and still shown — in sessions archived since too, not in deleted
// sessions or enrollments (Eve's Forklift Spring 2025, Finn's refresher) —
// renewals included.
var Deliveries = map[string][]Delivery{
	Forklift: {
		{"Alice", "2024-02-10"}, {"Hugo", "2024-02-20"}, {"Chloe", "2025-03-10"}, {"Bruno", "2025-11-30"},
		{"Alice", "2026-02-16"}, {"Chloe", "2026-03-01"}, {"Eve", "2026-03-20"},
	},
	Hazmat:   {{"Eve", "2026-03-20"}},
	FirstAid: {{"Alice", "2024-03-05"}, {"Finn", "2026-02-06"}},
	Ethics:   {{"Eve", "2025-01-20"}, {"Dan", "2025-10-10"}, {"Finn", "2026-11-01"}},
}

// WantTimeline fills tl with what the certificate's chart must show to the
// role under the filter: the deliveries to the learners in scope and kept
// by the filter, and the expirations of those learners' most recent
// certificates (Links).
func (o *Org) WantTimeline(role, title string, f report.Filter, tl *report.Timeline) {
	counted := func(first string) bool { return o.inScope(role, title, first) && o.kept(first, f) }
	for _, d := range Deliveries[title] {
		if counted(d.First) {
			tl.Deliver(localDay(d.Day))
		}
	}
	for first, l := range Links[title] {
		if l.Expires != "" && counted(first) {
			tl.Expire(localDay(l.Expires))
		}
	}
}

// localDay is the first moment of a day in the platform's zone.
func localDay(day string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, day, Zone)
	if err != nil {
		panic(err)
	}
	return t
}
