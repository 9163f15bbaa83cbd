package status_test

import (
	"slices"
	"testing"

	"skillpath/status"
)

// TestTrainingLabels checks SPEC §1's training table: its values in its
// order, their labels on the results page, and which are completed.
func TestTrainingLabels(t *testing.T) {
	tests := []struct {
		status    status.Training
		value     string
		label     string
		completed bool
	}{
		{status.TrainingPrerequisitesPending, "prerequisites_pending", "Prerequisites pending", false},
		{status.TrainingApprovalPending, "approval_pending", "Approval pending", false},
		{status.TrainingExpired, "expired", "Expired", true},
		{status.TrainingNotStarted, "not_started", "Not started", false},
		{status.TrainingStarted, "started", "In progress", false},
		{status.TrainingAwaitingScoring, "awaiting_scoring", "Awaiting scoring", false},
		{status.TrainingPassed, "passed", "Passed", true},
		{status.TrainingFailed, "failed", "Failed", true},
	}
	var order []status.Training
	for _, tt := range tests {
		order = append(order, tt.status)
		if string(tt.status) != tt.value {
			t.Errorf("%q: JSON value, want %q", tt.status, tt.value)
		}
		if got := tt.status.Label(); got != tt.label {
			t.Errorf("%q.Label() = %q, want %q", tt.status, got, tt.label)
		}
		if !tt.status.Valid() {
			t.Errorf("%q.Valid() = false, want true", tt.status)
		}
		if got := tt.status.Completed(); got != tt.completed {
			t.Errorf("%q.Completed() = %v, want %v", tt.status, got, tt.completed)
		}
	}
	if !slices.Equal(status.Trainings, order) {
		t.Errorf("Trainings = %v, want SPEC §1's order %v", status.Trainings, order)
	}
	for _, bad := range []status.Training{"", "in_progress", "Passed", "not_obtained"} {
		if bad.Valid() {
			t.Errorf("%q.Valid() = true, want false", bad)
		}
		if bad.Label() != "" {
			t.Errorf("%q.Label() = %q, want none", bad, bad.Label())
		}
	}
}

// TestModuleLabels checks SPEC §1's module table: values, labels and which
// are completed.
func TestModuleLabels(t *testing.T) {
	tests := []struct {
		status    status.Module
		value     string
		label     string
		completed bool
	}{
		{status.ModuleNotStarted, "not_started", "Not started", false},
		{status.ModuleStarted, "started", "Started", false},
		{status.ModuleAwaitingScoring, "awaiting_scoring", "Awaiting scoring", false},
		{status.ModulePassed, "passed", "Passed", true},
		{status.ModuleFailed, "failed", "Failed", true},
	}
	for _, tt := range tests {
		if string(tt.status) != tt.value || tt.status.Label() != tt.label || tt.status.Completed() != tt.completed {
			t.Errorf("%q: label %q completed %v, want %q %q %v",
				tt.status, tt.status.Label(), tt.status.Completed(), tt.value, tt.label, tt.completed)
		}
	}
}

// TestActivityLabels checks SPEC §1's activity table: values and labels.
func TestActivityLabels(t *testing.T) {
	tests := []struct {
		status status.Activity
		value  string
		label  string
	}{
		{status.ActivityNotStarted, "not_started", "Not started"},
		{status.ActivityAwaitingScoring, "awaiting_scoring", "Awaiting scoring"},
		{status.ActivityDone, "done", "Done"},
	}
	for _, tt := range tests {
		if string(tt.status) != tt.value || tt.status.Label() != tt.label {
			t.Errorf("%q: label %q, want %q %q", tt.status, tt.status.Label(), tt.value, tt.label)
		}
	}
}

// TestCertificationLabels checks SPEC §2's certificate statuses and seed
// 002's labels.
func TestCertificationLabels(t *testing.T) {
	tests := []struct {
		status status.Certification
		value  string
		label  string
	}{
		{status.CertificationValid, "valid", "Valid"},
		{status.CertificationExpiringSoon, "expiring_soon", "Expiring soon"},
		{status.CertificationExpired, "expired", "Expired"},
		{status.CertificationNotObtained, "not_obtained", "Not obtained"},
	}
	for _, tt := range tests {
		if string(tt.status) != tt.value || tt.status.Label() != tt.label {
			t.Errorf("%q: label %q, want %q %q", tt.status, tt.status.Label(), tt.value, tt.label)
		}
	}
}
