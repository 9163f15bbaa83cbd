package report_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"skillpath"
	"skillpath/report"
	"skillpath/status"
)

func TestParseLearnerQuery(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, tt := range []struct {
		query    string
		statuses []status.Certification
		sort     report.LearnerSort
	}{
		{"", nil, report.LearnerSort{Key: report.SortName}},
		{"latest_status=&sort=", nil, report.LearnerSort{Key: report.SortName}},
		{"latest_status=expired,expiring_soon&latest_status=expired&sort=-expires_at",
			[]status.Certification{status.CertificationExpiringSoon, status.CertificationExpired}, report.LearnerSort{Key: report.SortExpiresAt, Desc: true}},
		{"latest_status=not_obtained&latest_status=valid&sort=email",
			[]status.Certification{status.CertificationValid, status.CertificationNotObtained}, report.LearnerSort{Key: report.SortEmail}},
		{"sort=latest_status", nil, report.LearnerSort{Key: report.SortStatus}},
		{"sort=-delivered_at", nil, report.LearnerSort{Key: report.SortDeliveredAt, Desc: true}},
	} {
		q, _ := url.ParseQuery(tt.query)
		lq, err := report.ParseLearnerQuery(q, paris)
		if err != nil || !slices.Equal(lq.Statuses, tt.statuses) || lq.Sort != tt.sort {
			t.Errorf("%q: %+v (%v), want statuses %v sorted by %v", tt.query, lq, err, tt.statuses, tt.sort)
		}
	}
	// inclusive days in the platform's zone, 29 March 2026 being 23 hours long in Paris
	q, _ := url.ParseQuery("expires_from=2026-03-29&expires_to=2026-03-29")
	lq, err := report.ParseLearnerQuery(q, paris)
	from, before := time.Date(2026, 3, 28, 23, 0, 0, 0, time.UTC), time.Date(2026, 3, 29, 22, 0, 0, 0, time.UTC)
	if err != nil || !lq.ExpiresFrom.Equal(from) || !lq.ExpiresBefore.Equal(before) {
		t.Errorf("expiration days %+v (%v), want [%s, %s)", lq, err, from, before)
	}
}

func TestParseLearnerQueryRefuses(t *testing.T) {
	for _, tt := range []struct{ query, field string }{
		{"latest_status=VALID", "latest_status"},
		{"latest_status=valid,soon", "latest_status"},
		{"latest_status=" + strings.Repeat("valid&latest_status=", skillpath.MaxListLength+1), "latest_status"},
		{"expires_from=2026-02-30", "expires_from"},
		{"expires_to=tomorrow", "expires_to"},
		{"expires_from=2026-01-02&expires_to=2026-01-01", "expires_to"},
		{"sort=title", "sort"},
		{"sort=--name", "sort"},
		{"sort=+name", "sort"},
		{"sort=" + strings.Repeat("é", 100), "sort"},
	} {
		q, _ := url.ParseQuery(tt.query)
		_, err := report.ParseLearnerQuery(q, time.UTC)
		e, ok := err.(*skillpath.Error)
		if !ok || e.Code != skillpath.EINVALID || e.Field != tt.field {
			t.Errorf("%.60s: %v, want invalid %s", tt.query, err, tt.field)
			continue
		}
		if len(e.Message) > 200 {
			t.Errorf("%.60s: a message of %d bytes", tt.query, len(e.Message))
		}
	}
}

// FuzzParseLearnerQuery reads arbitrary query strings as a learners
// table's query: no panic; a refusal is EINVALID naming the parameter; an
// accepted query has distinct known statuses in SPEC order, days in order,
// a known sort that reads back as itself.
func FuzzParseLearnerQuery(f *testing.F) {
	for _, seed := range []string{
		"",
		"latest_status=expired,expiring_soon&expires_from=2026-12-01&expires_to=2026-12-31&sort=-expires_at",
		"latest_status=valid&latest_status=valid,,not_obtained&sort=email",
		"sort=-&latest_status=%00",
		"expires_from=9999-12-31&expires_to=0001-01-01",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		lq, err := report.ParseLearnerQuery(q, time.UTC)
		if err != nil {
			e, ok := err.(*skillpath.Error)
			if !ok || e.Code != skillpath.EINVALID || e.Field == "" || !strings.HasPrefix(e.Message, e.Field+": ") {
				t.Fatalf("refusal %#v does not name a parameter", err)
			}
			return
		}
		for i, s := range lq.Statuses {
			if i > 0 && slices.Index(report.Certifications, s) <= slices.Index(report.Certifications, lq.Statuses[i-1]) {
				t.Fatalf("statuses %v not distinct in SPEC order", lq.Statuses)
			}
			if !slices.Contains(report.Certifications, s) {
				t.Fatalf("status %q", s)
			}
		}
		if lq.ExpiresFrom != nil && lq.ExpiresBefore != nil && !lq.ExpiresBefore.After(*lq.ExpiresFrom) {
			t.Fatalf("days reversed: %v, %v", lq.ExpiresFrom, lq.ExpiresBefore)
		}
		again, err := report.ParseLearnerQuery(url.Values{"sort": {lq.Sort.String()}}, time.UTC)
		if err != nil || again.Sort != lq.Sort || !slices.Contains(report.SortKeys, lq.Sort.Key) {
			t.Fatalf("sort %+v reads back as %+v (%v)", lq.Sort, again.Sort, err)
		}
	})
}
