package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"skillpath/internal/testdb"
	"skillpath/report"
	"skillpath/store"
	"skillpath/synthetic"
)

// BenchmarkStatsPages times the certificate statistics pages (issue 7) on
// the generated organisation, through the real server with a platform
// admin's web session: the list, the largest certificate's page (its
// summary, chart and first 50 learners) unfiltered and for one region's
// group, its certified learners, and one learner's history.
//
//	SKILLPATH_BENCH_LEARNERS=100000 go test ./server -run '^$' -bench StatsPages -benchtime 20x -timeout 60m
func BenchmarkStatsPages(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			o := benchOrgFor(b, dialect)
			ctx := context.Background()
			admins, _, err := o.st.ListUsers(ctx, store.UserFilter{Query: synthetic.DefaultAdminEmail, Limit: 1})
			if err != nil || len(admins) != 1 {
				b.Fatalf("no admin: %v", err)
			}
			cookie, _, err := o.st.CreateWebSession(ctx, admins[0].ID)
			if err != nil {
				b.Fatal(err)
			}
			var learner string
			_, err = o.st.CertifiedLearners(ctx, report.Scope{All: true}, report.Filter{UserStatus: report.UsersActive}, report.LearnerQuery{}, o.largest.ID,
				store.Page{Limit: 1}, func(r report.LearnerRow) error { learner = r.UserID.String(); return nil })
			if err != nil {
				b.Fatal(err)
			}
			certificate := "/certificates/" + o.largest.ID.String()
			for _, tt := range []struct{ name, path string }{
				{"list", "/certificates"},
				{"list_group_region", fmt.Sprintf("/certificates?group=%d", o.groups["Operations North"])},
				{"certificate", certificate},
				{"certificate_group_region", fmt.Sprintf("%s?group=%d", certificate, o.groups["Operations North"])},
				{"certificate_all_users", certificate + "?user_status=all"},
				{"certified", certificate + "/certified"},
				{"history", certificate + "/learners/" + learner},
			} {
				b.Run(tt.name, func(b *testing.B) {
					var size int64
					for range b.N {
						size = o.page(b, cookie, tt.path, "identity")
					}
					b.ReportMetric(float64(size)/1024, "KiB")
					b.ReportMetric(float64(o.page(b, cookie, tt.path, "gzip"))/1024, "KiB-gzip")
				})
			}
		})
	}
}

// page reads a page with the web session's cookie in the encoding asked
// for, failing on any status but 200, and returns its size as sent.
func (o *benchOrg) page(b *testing.B, cookie, path, encoding string) int64 {
	req, _ := http.NewRequest(http.MethodGet, o.srv.URL+path, nil)
	req.AddCookie(&http.Cookie{Name: "skillpath_session", Value: cookie})
	req.Header.Set("Accept-Encoding", encoding)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		body, _ := io.ReadAll(resp.Body)
		b.Fatalf("GET %s: %d %.500s", path, resp.StatusCode, body)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	return n
}
