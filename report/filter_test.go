package report_test

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"skillpath"
	"skillpath/report"
)

func TestParseFilter(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	q, _ := url.ParseQuery("registered_from=2026-03-29&registered_to=2026-03-29&group=3,1&group=3&group=&field.region=North" +
		"&field.region=South&field.region=North&field.job=&user_status=deleted&limit=5&other=x")
	f, err := report.ParseFilter(q, paris)
	if err != nil {
		t.Fatal(err)
	}
	// 29 March 2026 is the day Paris moves to summer time: 23 hours long
	from, before := time.Date(2026, 3, 28, 23, 0, 0, 0, time.UTC), time.Date(2026, 3, 29, 22, 0, 0, 0, time.UTC)
	if !f.RegisteredFrom.Equal(from) || !f.RegisteredBefore.Equal(before) {
		t.Errorf("registration days [%s, %s), want [%s, %s)", f.RegisteredFrom, f.RegisteredBefore, from, before)
	}
	if !slices.Equal(f.GroupIDs, []skillpath.ID{3, 1}) {
		t.Errorf("groups %v, want 3 and 1 once each", f.GroupIDs)
	}
	if len(f.Fields) != 1 || !slices.Equal(f.Fields["region"], []string{"North", "South"}) {
		t.Errorf("fields %v: want region North or South, job not filtered", f.Fields)
	}
	if f.UserStatus != report.UsersDeleted || !f.Narrowed() {
		t.Errorf("status %s, narrowed %v", f.UserStatus, f.Narrowed())
	}

	none, err := report.ParseFilter(url.Values{"registered_from": {""}, "user_status": {""}}, paris)
	if err != nil || none.UserStatus != report.UsersActive || none.Narrowed() {
		t.Errorf("empty values: %+v, %v; want the default, active users", none, err)
	}
}

func TestParseFilterRefuses(t *testing.T) {
	for _, tt := range []struct{ query, field string }{
		{"registered_from=2026-02-30", "registered_from"},
		{"registered_from=26-01-01", "registered_from"},
		{"registered_to=2026-01-01T00:00:00Z", "registered_to"},
		{"registered_from=2026-01-02&registered_to=2026-01-01", "registered_to"},
		{"group=x", "group"},
		{"group=1,,0", "group"},
		{"group=01", "group"},
		{"field.=x", "field."},
		{"field.a.b=x", "field.a.b"},
		{"user_status=ACTIVE", "user_status"},
	} {
		q, _ := url.ParseQuery(tt.query)
		_, err := report.ParseFilter(q, time.UTC)
		if e, ok := err.(*skillpath.Error); !ok || e.Code != skillpath.EINVALID || e.Field != tt.field {
			t.Errorf("%s: %v, want invalid %s", tt.query, err, tt.field)
		}
	}
	q := url.Values{}
	for i := range report.MaxFilterGroups + 1 {
		q.Add("group", skillpath.ID(i+1).String())
	}
	if _, err := report.ParseFilter(q, time.UTC); err == nil {
		t.Error("too many groups accepted")
	}
}

// BenchmarkParseFilterLongURL parses the URL of issue 11 — 140,000 group
// ids in one parameter, about 870 KB — which must be refused after reading
// no more than the limits allow, and reports its cost as a ratio to a
// filter of 100 groups (the floor, measured in the same run). Before the
// fix it cost 2.3 s: a quadratic search for duplicates, then the limit.
func BenchmarkParseFilterLongURL(b *testing.B) {
	ids := func(n int) url.Values {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = strconv.Itoa(100000 + i)
		}
		return url.Values{"group": {strings.Join(parts, ",")}}
	}
	floorQ, longQ := ids(report.MaxFilterGroups), ids(140000)
	measure := func(q url.Values, wantErr bool) time.Duration {
		const rounds = 200
		start := time.Now()
		for range rounds {
			if _, err := report.ParseFilter(q, time.UTC); (err != nil) != wantErr {
				b.Fatalf("error %v, want error %v", err, wantErr)
			}
		}
		return time.Since(start) / rounds
	}
	for b.Loop() {
		floor, long := measure(floorQ, false), measure(longQ, true)
		b.ReportMetric(float64(long)/float64(floor), "x-floor")
		b.ReportMetric(float64(long.Microseconds()), "µs/140k-ids")
	}
}
