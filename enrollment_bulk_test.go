package skillpath_test

import (
	"reflect"
	"testing"

	"skillpath"
)

// TestPlanBulkEnrollment: the table of SPEC §6's skip reasons, in their
// order — outside the caller's groups first, then deleted, then already
// enrolled — and the candidates' order kept.
func TestPlanBulkEnrollment(t *testing.T) {
	cases := []struct {
		name    string
		facts   skillpath.LearnerFacts
		enroll  bool
		skipped skillpath.SkipReason
	}{
		{"in scope, live, not enrolled", skillpath.LearnerFacts{InScope: true}, true, ""},
		{"in scope, already enrolled", skillpath.LearnerFacts{InScope: true, Enrolled: true}, false, skillpath.SkipAlreadyEnrolled},
		{"in scope, deleted", skillpath.LearnerFacts{InScope: true, Deleted: true}, false, skillpath.SkipDeleted},
		{"in scope, deleted and enrolled", skillpath.LearnerFacts{InScope: true, Deleted: true, Enrolled: true}, false, skillpath.SkipDeleted},
		{"outside", skillpath.LearnerFacts{}, false, skillpath.SkipOutsideGroups},
		{"outside, deleted and enrolled", skillpath.LearnerFacts{Deleted: true, Enrolled: true}, false, skillpath.SkipOutsideGroups},
	}
	var candidates, wantEnroll []skillpath.ID
	facts := map[skillpath.ID]skillpath.LearnerFacts{}
	wantSkipped := []skillpath.SkippedLearner{}
	for i, tc := range cases {
		id := skillpath.ID(100 - i) // not sorted: the order given is kept
		candidates = append(candidates, id)
		facts[id] = tc.facts
		if tc.enroll {
			wantEnroll = append(wantEnroll, id)
		} else {
			wantSkipped = append(wantSkipped, skillpath.SkippedLearner{UserID: id, Reason: tc.skipped})
		}
	}
	enroll, skipped := skillpath.PlanBulkEnrollment(candidates, facts)
	if !reflect.DeepEqual(enroll, wantEnroll) || !reflect.DeepEqual(skipped, wantSkipped) {
		t.Errorf("enroll %v skipped %v, want %v and %v", enroll, skipped, wantEnroll, wantSkipped)
	}
}
