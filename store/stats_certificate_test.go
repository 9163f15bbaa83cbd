package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"skillpath"
	"skillpath/internal/testdb"
	"skillpath/internal/testorg"
	"skillpath/report"
)

// The chart's counts, month by month, for every role, filter and visible
// certificate, against the known answers: over six years, so that every
// delivery and expiration of the story falls in a month, and over the
// chart's two years, whose edges cut some off.
func TestCertificateTimeline(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := newStatsEnv(t, dialect)
		ctx := context.Background()
		for _, role := range statsRoles {
			sc := e.scope(t, role)
			for _, query := range statsFilters {
				f := e.filter(t, query)
				for _, title := range testorg.Titles {
					if !e.org.Visible(role, title) {
						continue
					}
					for _, window := range [][2]int{{36, 36}, {12, 12}} {
						got := report.NewTimeline(testorg.Now, testorg.Zone, window[0], window[1])
						want := report.NewTimeline(testorg.Now, testorg.Zone, window[0], window[1])
						if err := e.st.CertificateTimeline(ctx, sc, f, e.org.Certificates[title].ID, got); err != nil {
							t.Fatal(err)
						}
						e.org.WantTimeline(role, title, f, want)
						if g, w := months(got), months(want); g != w {
							t.Errorf("%s, %s?%s, %d months:\n got %s\nwant %s", title, role, query, len(got.Months), g, w)
						}
					}
				}
			}
		}
		// the story's known answers, written out: Forklift's last 12 months
		// and next 12 for the platform admin
		tl := report.NewTimeline(testorg.Now, testorg.Zone, 12, 12)
		if err := e.st.CertificateTimeline(ctx, e.scope(t, testorg.Admin), e.filter(t, ""), e.org.Certificates[testorg.Forklift].ID, tl); err != nil {
			t.Fatal(err)
		}
		want := "2026-02 delivered 1, 2026-03 delivered 2, 2026-11 expiring 1, 2027-02 expiring 1, 2027-03 expiring 2"
		if got := months(tl); got != want {
			t.Errorf("Forklift for the platform admin:\n got %s\nwant %s", got, want)
		}
		for _, tt := range []struct {
			role string
			id   skillpath.ID
		}{{"Carl", e.org.Certificates[testorg.Legacy].ID}, {"Ivan", e.org.Certificates[testorg.Ethics].ID}, {testorg.Admin, 999999}} {
			err := e.st.CertificateTimeline(ctx, e.scope(t, tt.role), e.filter(t, ""), tt.id, report.NewTimeline(testorg.Now, testorg.Zone, 12, 12))
			if skillpath.ErrorCode(err) != skillpath.ENOTFOUND {
				t.Errorf("%s, chart of certificate %s: %v, want not found", tt.role, tt.id, err)
			}
			if _, err := e.st.CertificateSummary(ctx, e.scope(t, tt.role), e.filter(t, ""), tt.id); skillpath.ErrorCode(err) != skillpath.ENOTFOUND {
				t.Errorf("%s, summary of certificate %s: %v, want not found", tt.role, tt.id, err)
			}
		}
	})
}

// months shows the months with counts, in order.
func months(tl *report.Timeline) string {
	var out []string
	for _, m := range tl.Months {
		if m.Delivered > 0 {
			out = append(out, fmt.Sprintf("%s delivered %d", m.Start.Format("2006-01"), m.Delivered))
		}
		if m.Expiring > 0 {
			out = append(out, fmt.Sprintf("%s expiring %d", m.Start.Format("2006-01"), m.Expiring))
		}
	}
	return strings.Join(out, ", ")
}

// A certificate's summary is its row of the list under the same filters
// and scope, and a row of zeros when the filters leave it no learner.
func TestCertificateSummary(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := newStatsEnv(t, dialect)
		ctx := context.Background()
		for _, role := range statsRoles {
			sc := e.scope(t, role)
			for _, query := range statsFilters {
				f := e.filter(t, query)
				listed := map[string]report.CertificateRow{}
				for _, r := range e.list(t, sc, f) {
					listed[r.Title] = r
				}
				for _, title := range testorg.Titles {
					if !e.org.Visible(role, title) {
						continue
					}
					got, err := e.st.CertificateSummary(ctx, sc, f, e.org.Certificates[title].ID)
					if err != nil {
						t.Fatal(err)
					}
					want, ok := listed[title]
					if !ok {
						want = got
						want.CertifiedLearners, want.EnrolledLearners = 0, 0
					}
					if g, w := fmt.Sprint(got.ID, got.Cells(testorg.Zone)), fmt.Sprint(want.ID, want.Cells(testorg.Zone)); g != w || got.Title != title {
						t.Errorf("%s?%s, %s: %s, want %s", role, query, title, g, w)
					}
				}
			}
		}
	})
}

// The group filter offers every group to platform admins and to the staff
// of a path granting a certificate, and their own groups' subtrees to
// group admins and coaches; the field filter offers the keys in use.
func TestStatsChoices(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := newStatsEnv(t, dialect)
		ctx := context.Background()
		every := []string{"Acme", "EMEA", "Night Shift", "Operations", "Sales", "Support", "Warehouse North", "Warehouse South"}
		for _, tt := range []struct {
			role   string
			groups []string
		}{
			{testorg.Admin, every},
			{"Olga", []string{"Night Shift", "Operations", "Warehouse North", "Warehouse South"}},
			{"Carl", []string{"EMEA"}},
			{"Ivan", every},
			{"Bea", every},
			{"Nora", nil},
		} {
			groups, err := e.st.StatsGroups(ctx, e.scope(t, tt.role))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, g := range groups {
				names = append(names, g.Name)
				if parent := testorg.GroupParents[g.Name]; (parent == "") != (g.ParentID == nil) || parent != "" && *g.ParentID != e.org.Groups[parent].ID {
					t.Errorf("%s: group %s with parent %v", tt.role, g.Name, g.ParentID)
				}
			}
			slices.Sort(names)
			if !slices.Equal(names, tt.groups) {
				t.Errorf("%s may filter by %v, want %v", tt.role, names, tt.groups)
			}
		}
		keys, err := e.st.FieldKeys(ctx)
		if err != nil || !slices.Equal(keys, []string{"job", "region"}) {
			t.Errorf("field keys %v, %v; want job and region", keys, err)
		}
	})
}

// The chart's query reads each big table through an index, under every
// filter — never a table whole; on SQLite through the indexes made for it:
// awards by certificate and date, certificate_learners by certificate and
// date, the deleted enrollments from their partial index. (PostgreSQL
// weighs the tiny tables' real sizes and may take other indexes.)
func TestTimelineQueryPlan(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := newStatsEnv(t, dialect)
		forklift := e.org.Certificates[testorg.Forklift].ID
		for _, role := range []string{testorg.Admin, "Bea"} {
			sc := e.scope(t, role)
			for _, query := range statsFilters {
				plan, err := e.st.ExplainStats(context.Background(), "timeline", sc, e.filter(t, query), forklift)
				if err != nil {
					t.Fatal(err)
				}
				var problems []string
				if dialect == "sqlite" {
					problems = timelineIndexes(plan)
					problems = append(problems, sqliteProblems(strings.ReplaceAll(plan, "SCAN e USING INDEX enrollments_deleted", ""), "timeline", false)...)
					problems = slices.DeleteFunc(problems, func(p string) bool { return p == "reads the facts instead of certificate_learners" })
				} else {
					for _, p := range pgProblems(t, plan, false) {
						if !strings.HasPrefix(p, "reads awards instead") && !strings.HasPrefix(p, "reads enrollments instead") {
							problems = append(problems, p)
						}
					}
					if strings.Contains(plan, `"Node Type": "Seq Scan"`) {
						problems = append(problems, "reads a table whole")
					}
				}
				if len(problems) > 0 {
					t.Errorf("timeline as %s with %q: %s\n%s", role, query, strings.Join(problems, "; "), plan)
				}
			}
		}
	})
}

// timelineIndexes lists the chart's indexes a plan does not use: the ones
// SQLite chooses for the small test organisation (it plans small tables as
// big ones) and at 100,000 learners (docs/PERFORMANCE.md).
func timelineIndexes(plan string) []string {
	var missing []string
	for _, index := range []string{"awards_certificate_delivered", "certificate_learners_expiry", "enrollments_deleted"} {
		if !strings.Contains(plan, index) {
			missing = append(missing, "does not use "+index)
		}
	}
	return missing
}
