package store_test

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/testdb"
	"skillpath/internal/testorg"
	"skillpath/report"
	"skillpath/status"
	"skillpath/store"
	"skillpath/synthetic"
)

// SPEC §3, "finding who needs action": on generated learners (every
// status, names shared by several learners), each status and expiration
// filter and each order gives the rows of the unfiltered table kept by the
// rule and sorted as documented — ties by name then id, all in the
// order's direction — and paging two rows at a time gives the same rows.
func TestCertificateLearnersFiltersAndOrders(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		st := testdb.Open(t, dialect, testorg.Now)
		if _, err := synthetic.Generate(ctx, st, synthetic.Options{Learners: 500, Seed: 7}); err != nil {
			t.Fatal(err)
		}
		// read months later, when some of the latest certificates expire
		now := testorg.Now.AddDate(0, 5, 0)
		st.Now = skillpath.FixedClock(now)
		all := report.Scope{All: true}
		f := report.Filter{UserStatus: report.UsersActive}
		chosen, most := skillpath.ID(0), 0
		if err := st.CertificateStats(ctx, all, f, func(r report.CertificateRow) error {
			if r.ExpiringSoonLearners > most {
				chosen, most = r.ID, r.ExpiringSoonLearners
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		read := func(lq report.LearnerQuery, limit int) []report.LearnerRow {
			t.Helper()
			var rows []report.LearnerRow
			after := ""
			for {
				if limit > 0 {
					total, before, err := st.CountCertificateLearners(ctx, all, f, lq, chosen, false, after)
					if err != nil || before != len(rows) || total < before {
						t.Fatalf("%+v after %q: %d of %d rows before (%v), want %d", lq, after, before, total, err, len(rows))
					}
				}
				next, err := st.CertificateLearners(ctx, all, f, lq, chosen, store.Page{Limit: limit, After: after}, func(r report.LearnerRow) error {
					rows = append(rows, r)
					return nil
				})
				if err != nil {
					t.Fatalf("%+v: %v", lq, err)
				}
				if next == "" {
					return rows
				}
				after = next
			}
		}
		everyone := read(report.LearnerQuery{}, 0)
		seen := map[status.Certification]int{}
		for _, r := range everyone {
			seen[r.LatestStatus]++
		}
		if len(seen) != 4 {
			t.Fatalf("the generated learners do not have every status: %v", seen)
		}
		day := func(days int) string { return now.In(testorg.Zone).AddDate(0, 0, days).Format(time.DateOnly) }
		for _, query := range []string{
			"", "latest_status=expiring_soon", "latest_status=expired", "latest_status=valid", "latest_status=not_obtained",
			"latest_status=expired,expiring_soon", "latest_status=valid&latest_status=not_obtained", "latest_status=expired,not_obtained",
			"latest_status=valid,expiring_soon,expired,not_obtained",
			"expires_from=" + day(0) + "&expires_to=" + day(30), "expires_to=" + day(-200), "expires_from=" + day(100),
			"latest_status=valid&expires_from=" + day(-10) + "&expires_to=" + day(60),
			"latest_status=not_obtained&expires_from=" + day(-10),
		} {
			for _, sort := range []string{"", "name", "-name", "email", "-email", "latest_status", "-latest_status",
				"delivered_at", "-delivered_at", "expires_at", "-expires_at"} {
				q, _ := url.ParseQuery(query)
				if sort != "" {
					q.Set("sort", sort)
				}
				lq, err := report.ParseLearnerQuery(q, testorg.Zone)
				if err != nil {
					t.Fatal(err)
				}
				var want []report.LearnerRow
				for _, r := range everyone {
					if keeps(lq, r) {
						want = append(want, r)
					}
				}
				slices.SortFunc(want, func(a, b report.LearnerRow) int { return compareLearners(lq.Sort, a, b) })
				got := read(lq, 0)
				if show := showLearners(got); show != showLearners(want) {
					t.Errorf("%s sort=%s:\n got %s\nwant %s", query, sort, show, showLearners(want))
				}
				if paged := read(lq, 2); showLearners(paged) != showLearners(got) {
					t.Errorf("%s sort=%s: paged by 2 %s, want %s", query, sort, showLearners(paged), showLearners(got))
				}
				n, _, err := st.CountCertificateLearners(ctx, all, f, lq, chosen, false, "")
				if err != nil || n != len(want) {
					t.Errorf("%s: count %d (%v), want %d", query, n, err, len(want))
				}
			}
		}
		// a cursor is refused by another order
		lq := report.LearnerQuery{Sort: report.LearnerSort{Key: report.SortExpiresAt}}
		next, err := st.CertificateLearners(ctx, all, f, lq, chosen, store.Page{Limit: 2}, func(report.LearnerRow) error { return nil })
		if err != nil || next == "" {
			t.Fatal(next, err)
		}
		for _, other := range []report.LearnerSort{{Key: report.SortName}, {Key: report.SortExpiresAt, Desc: true}, {Key: report.SortStatus}} {
			_, err := st.CertificateLearners(ctx, all, f, report.LearnerQuery{Sort: other}, chosen, store.Page{Limit: 2, After: next}, nil)
			if e, ok := err.(*skillpath.Error); !ok || e.Field != "after" {
				t.Errorf("a cursor of sort=expires_at read with sort=%s: %v, want an invalid after", other, err)
			}
		}
		// the list counts the expired and expiring among the certified
		if err := st.CertificateStats(ctx, all, f, func(r report.CertificateRow) error {
			if r.ID == chosen && (r.ExpiredLearners != seen[status.CertificationExpired] || r.ExpiringSoonLearners != seen[status.CertificationExpiringSoon]) {
				t.Errorf("list: %d expired, %d expiring soon; the table has %v", r.ExpiredLearners, r.ExpiringSoonLearners, seen)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}

// keeps is the filter of lq on one row, as SPEC §3 says it.
func keeps(lq report.LearnerQuery, r report.LearnerRow) bool {
	if len(lq.Statuses) > 0 && !slices.Contains(lq.Statuses, r.LatestStatus) {
		return false
	}
	if lq.ExpiresFrom != nil && (r.ExpiresAt == nil || r.ExpiresAt.Before(*lq.ExpiresFrom)) {
		return false
	}
	if lq.ExpiresBefore != nil && (r.ExpiresAt == nil || !r.ExpiresAt.Before(*lq.ExpiresBefore)) {
		return false
	}
	return true
}

// compareLearners is the documented order: by the key — statuses by
// urgency then expiration, missing dates last — then name, then id, all
// reversed when descending.
func compareLearners(s report.LearnerSort, a, b report.LearnerRow) int {
	expiry := func(r report.LearnerRow) int64 {
		switch {
		case r.DeliveredAt == nil:
			return 1 << 62
		case r.ExpiresAt == nil:
			return 1<<62 - 1
		}
		return r.ExpiresAt.UnixMilli()
	}
	delivered := func(r report.LearnerRow) int64 {
		if r.DeliveredAt == nil {
			return 1 << 62
		}
		return r.DeliveredAt.UnixMilli()
	}
	var c int
	switch s.Key {
	case report.SortEmail:
		c = cmp.Or(strings.Compare(a.Email, b.Email), cmp.Compare(a.UserID, b.UserID))
	case report.SortStatus, report.SortExpiresAt:
		c = cmp.Or(cmp.Compare(expiry(a), expiry(b)), strings.Compare(a.Name, b.Name), cmp.Compare(a.UserID, b.UserID))
	case report.SortDeliveredAt:
		c = cmp.Or(cmp.Compare(delivered(a), delivered(b)), strings.Compare(a.Name, b.Name), cmp.Compare(a.UserID, b.UserID))
	default:
		c = cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.UserID, b.UserID))
	}
	if s.Desc {
		return -c
	}
	return c
}

func showLearners(rows []report.LearnerRow) string {
	parts := make([]string, len(rows))
	for i, r := range rows {
		parts[i] = fmt.Sprintf("%s/%s", r.UserID, r.LatestStatus)
	}
	return fmt.Sprintf("%d rows [%s]", len(rows), strings.Join(parts, " "))
}

// At a size where the planners weigh real costs (3,000 generated learners,
// statistics gathered), every order of the learners table reads a page
// from its index in order — no sort of the certificate's learners, first
// page or later — and the status and expiration filters are conditions of
// the index on the expiry key (migration 00019).
func TestLearnersQueryPlans(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		st := testdb.Open(t, dialect, testorg.Now)
		if _, err := synthetic.Generate(ctx, st, synthetic.Options{Learners: 3000, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		all := report.Scope{All: true}
		f := report.Filter{UserStatus: report.UsersActive}
		var id skillpath.ID
		if err := st.CertificateStats(ctx, all, f, func(r report.CertificateRow) error {
			id = r.ID
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		indexOf := map[report.SortKey]string{report.SortName: "certificate_learners_name", report.SortEmail: "certificate_learners_email",
			report.SortStatus: "certificate_learners_expiry", report.SortExpiresAt: "certificate_learners_expiry",
			report.SortDeliveredAt: "certificate_learners_delivered"}
		for _, key := range report.SortKeys {
			for _, desc := range []bool{false, true} {
				lq := report.LearnerQuery{Sort: report.LearnerSort{Key: key, Desc: desc}}
				next, err := st.CertificateLearners(ctx, all, f, lq, id, store.Page{Limit: 50}, func(report.LearnerRow) error { return nil })
				if err != nil {
					t.Fatal(err)
				}
				for _, after := range []string{"", next} {
					plan, err := st.ExplainLearners(ctx, all, f, lq, id, after)
					if err != nil {
						t.Fatal(err)
					}
					if problem := pagePlanProblem(dialect, plan, indexOf[key]); problem != "" {
						t.Errorf("sort=%s, after %q: %s\n%s", lq.Sort, after, problem, plan)
					}
				}
			}
		}
		// who needs action: the statuses and days are a range of the expiry
		// key, read in its index — but the learners who have not obtained
		// the certificate, most of them, are read in the page's order
		// without a sort: the range reaching the key's end is written open,
		// which SQLite, without samples of the key, takes for a broad one
		inRange := func(plan string) string { return rangePlanProblem(dialect, plan) }
		for _, tt := range []struct {
			query   string
			problem func(plan string) string
		}{
			{"latest_status=not_obtained", func(plan string) string { return pagePlanProblem(dialect, plan, indexOf[report.SortName]) }},
			{"latest_status=expiring_soon", inRange},
			{"latest_status=expired,expiring_soon&sort=-expires_at", inRange},
			{"latest_status=expired,expiring_soon&sort=expires_at", inRange},
			{"expires_from=2026-12-01&expires_to=2026-12-31&sort=latest_status", inRange},
		} {
			q, _ := url.ParseQuery(tt.query)
			lq, err := report.ParseLearnerQuery(q, testorg.Zone)
			if err != nil {
				t.Fatal(err)
			}
			next, err := st.CertificateLearners(ctx, all, f, lq, id, store.Page{Limit: 20}, func(report.LearnerRow) error { return nil })
			if err != nil {
				t.Fatal(err)
			}
			for _, after := range []string{"", next} {
				plan, err := st.ExplainLearners(ctx, all, f, lq, id, after)
				if err != nil {
					t.Fatal(err)
				}
				if problem := tt.problem(plan); problem != "" {
					t.Errorf("%s, after %q: %s\n%s", tt.query, after, problem, plan)
				}
			}
		}
	})
}

// pagePlanProblem says how a page's plan fails to read index in order.
func pagePlanProblem(dialect, plan, index string) string {
	if dialect == "sqlite" {
		if !strings.Contains(plan, "INDEX "+index+" (certificate_id=?") {
			return "does not read " + index + " by certificate"
		}
		if strings.Contains(plan, "ORDER BY") {
			return "sorts the learners"
		}
		return ""
	}
	if !strings.Contains(plan, `"Index Name": "`+index+`"`) {
		return "does not read " + index
	}
	if strings.Contains(plan, `"Node Type": "Sort"`) {
		return "sorts the learners"
	}
	return ""
}

// rangePlanProblem says how the plan of a status or expiration filter
// fails to read the range of the expiry key in its index.
func rangePlanProblem(dialect, plan string) string {
	if dialect == "sqlite" {
		if !strings.Contains(plan, "INDEX certificate_learners_expiry (certificate_id=? AND <expr>") {
			return "does not read a range of certificate_learners_expiry"
		}
		return ""
	}
	if !strings.Contains(plan, `"Index Name": "certificate_learners_expiry"`) || !strings.Contains(plan, `delivered_at IS NULL`) {
		return "does not read a range of certificate_learners_expiry"
	}
	return ""
}
