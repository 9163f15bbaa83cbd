package report

import "skillpath"

// Scope is the part of the statistics one caller sees (SPEC §3, "Who sees
// what"); store.StatsScope gathers it, and every table, JSON or CSV, is
// narrowed by it in the one place that turns it into SQL.
//
// A caller holding several roles sees the union of what each role shows:
// a certificate granted by a path they author or instruct counts all its
// learners; any other certificate is seen only when it is linked to a
// learner of their groups, and counts only those learners.
type Scope struct {
	// All is a platform admin's scope: every certificate, every learner.
	All bool
	// CertificateIDs are the certificates granted by the paths the caller
	// authors or instructs; all their learners count.
	CertificateIDs []skillpath.ID
	// GroupIDs are the groups the caller administers or coaches; their
	// learners, and those of their subgroups, count.
	GroupIDs []skillpath.ID
}
