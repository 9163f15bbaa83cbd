package store_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"testing"

	"skillpath"
	"skillpath/internal/testdb"
	"skillpath/internal/testorg"
	"skillpath/report"
	"skillpath/status"
	"skillpath/store"
)

// statsEnv is the test organisation in a fresh store.
type statsEnv struct {
	st  *store.Store
	org *testorg.Org
	url string
}

func newStatsEnv(t *testing.T, dialect string) *statsEnv {
	url := testdb.URL(t, dialect)
	st := testdb.OpenURL(t, url, testorg.Now)
	return &statsEnv{st: st, org: testorg.Build(t, st), url: url}
}

// scope is the scope of a role of the story.
func (e *statsEnv) scope(t *testing.T, role string) report.Scope {
	t.Helper()
	caller := &skillpath.User{PlatformAdmin: true}
	if role != testorg.Admin {
		caller = e.org.Users[role]
	}
	sc, err := e.st.StatsScope(context.Background(), caller)
	if err != nil {
		t.Fatalf("scope of %s: %v", role, err)
	}
	return sc
}

// filter parses a query string of the filters, where {Group Name} stands
// for the group's id.
func (e *statsEnv) filter(t *testing.T, query string) report.Filter {
	t.Helper()
	query = regexp.MustCompile(`\{[^}]+\}`).ReplaceAllStringFunc(query, func(name string) string {
		return e.org.Groups[name[1:len(name)-1]].ID.String()
	})
	q, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	f, err := report.ParseFilter(q, testorg.Zone)
	if err != nil {
		t.Fatalf("filter %q: %v", query, err)
	}
	return f
}

func (e *statsEnv) list(t *testing.T, sc report.Scope, f report.Filter) []report.CertificateRow {
	t.Helper()
	var rows []report.CertificateRow
	if err := e.st.CertificateStats(context.Background(), sc, f, func(r report.CertificateRow) error {
		rows = append(rows, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return rows
}

func (e *statsEnv) learners(t *testing.T, sc report.Scope, f report.Filter, title string, certified bool) ([]report.LearnerRow, error) {
	var rows []report.LearnerRow
	read := e.st.CertificateLearners
	if certified {
		read = e.st.CertifiedLearners
	}
	_, err := read(context.Background(), sc, f, report.LearnerQuery{}, e.org.Certificates[title].ID, store.Page{}, func(r report.LearnerRow) error {
		rows = append(rows, r)
		return nil
	})
	return rows, err
}

// The list as SPEC §3 and the story say, written out in full.
func TestCertificateListKnownAnswers(t *testing.T) {
	type row struct {
		title, owner        string
		validity            string
		certified, enrolled int
		paths               int
	}
	tests := []struct {
		name, role, filter string
		want               []row
	}{
		{"platform admin, active users", testorg.Admin, "", []row{
			{testorg.FirstAid, "Acme", "", 2, 3, 1},
			{testorg.Forklift, "Operations", "12", 5, 6, 2},
			{testorg.Hazmat, "Operations", "36", 1, 3, 1},
			{testorg.Ethics, "Sales", "24", 2, 2, 1},
		}},
		{"platform admin, all users: the certificate linked to no one too", testorg.Admin, "user_status=all", []row{
			{testorg.FirstAid, "Acme", "", 2, 3, 1},
			{testorg.Forklift, "Operations", "12", 5, 7, 2},
			{testorg.Hazmat, "Operations", "36", 1, 3, 1},
			{testorg.Legacy, "Acme", "6", 0, 0, 0},
			{testorg.Ethics, "Sales", "24", 3, 3, 1},
		}},
		{"platform admin, deleted users", testorg.Admin, "user_status=deleted", []row{
			{testorg.Forklift, "Operations", "12", 0, 1, 2},
			{testorg.Ethics, "Sales", "24", 1, 1, 1},
		}},
		{"group admin of Operations: its learners and its subgroups'", "Olga", "", []row{
			{testorg.FirstAid, "Acme", "", 1, 1, 1},
			{testorg.Forklift, "Operations", "12", 4, 4, 2},
			{testorg.Hazmat, "Operations", "36", 0, 1, 1},
		}},
		{"group admin, all users: never a certificate outside the scope", "Olga", "user_status=all", []row{
			{testorg.FirstAid, "Acme", "", 1, 1, 1},
			{testorg.Forklift, "Operations", "12", 4, 5, 2},
			{testorg.Hazmat, "Operations", "36", 0, 1, 1},
			{testorg.Ethics, "Sales", "24", 1, 1, 1},
		}},
		{"coach and instructor: the union", "Bea", "", []row{
			{testorg.Forklift, "Operations", "12", 2, 2, 2},
			{testorg.Ethics, "Sales", "24", 2, 2, 1},
		}},
		{"instructor of a path: its certificate, every learner", "Ivan", "", []row{
			{testorg.Forklift, "Operations", "12", 5, 6, 2},
		}},
		{"a learner only linked through an archived session: listed, counted nowhere", testorg.Admin,
			"field.job=Picker&registered_to=2024-01-31", []row{
				{testorg.Forklift, "Operations", "12", 0, 0, 2},
			}},
		{"instructor of a path granting no certificate", "Nora", "", nil},
	}
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := newStatsEnv(t, dialect)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var got []row
				for _, r := range e.list(t, e.scope(t, tt.role), e.filter(t, tt.filter)) {
					got = append(got, row{r.Title, r.OwnerGroup, r.Cells(testorg.Zone)[2], r.CertifiedLearners, r.EnrolledLearners, r.AssociatedPaths})
					if r.ID != e.org.Certificates[r.Title].ID {
						t.Errorf("%s: id %s, want %s", r.Title, r.ID, e.org.Certificates[r.Title].ID)
					}
				}
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("list:\n got %v\nwant %v", show(got), show(tt.want))
				}
			})
		}
	})
}

func show[T any](rows []T) string {
	s := ""
	for _, r := range rows {
		s += fmt.Sprintf("\n  %+v", r)
	}
	return s
}

// Filters of SPEC §3, alone and combined, with {Group} for a group's id.
var statsFilters = []string{
	"",
	"user_status=active",
	"user_status=deleted",
	"user_status=all",
	"registered_from=2025-01-01",
	"registered_to=2024-06-01",   // Bruno registered that day: inclusive
	"registered_from=2026-11-22", // Gina: 00:30 in Paris, 21 November in UTC
	"registered_to=2026-11-21",   // …so not her
	"registered_from=2024-01-01&registered_to=2025-12-31",
	"group={Operations}",      // with its subgroups, three levels down
	"group={Warehouse North}", // Night Shift's Bruno included
	"group={Night Shift}",
	"group={EMEA}&group={Support}",   // several groups
	"group={EMEA},{Warehouse South}", // comma-separated
	"group={Acme}",
	"field.region=North",
	"field.region=North&field.region=South", // one key: OR
	"field.region=North&field.job=Picker",   // two keys: AND
	"field.job=Picker&registered_to=2024-01-31",
	"field.region=Mars",
	"group={Warehouse South}&user_status=deleted",
	"group={Operations}&user_status=all",
	"field.region=EMEA&user_status=all",
	"registered_from=2020-01-01&user_status=all", // narrowed: no certificate linked to no one
	"group={Sales}&field.job=Seller&registered_from=2026-01-01",
	// broad on SQLite: several conditions, each read as ids and
	// intersected (Tx.filterLearners; TestBroadFiltersIntersect)
	"group={Acme}&registered_from=2024-01-01",
	"group={Operations}&registered_to=2026-11-21",
	"field.region=North&field.region=South&registered_to=2026-11-21",
}

var statsRoles = []string{testorg.Admin, "Olga", "Carl", "Ivan", "Aria", "Bea", "Nora"}

// Every count, every learners table and every certified list, under every
// filter and for every role, against the known answers.
func TestCertificateStatsEveryFilterAndRole(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := newStatsEnv(t, dialect)
		for _, role := range statsRoles {
			sc := e.scope(t, role)
			for _, query := range statsFilters {
				t.Run(role+"?"+query, func(t *testing.T) {
					f := e.filter(t, query)
					want := e.org.Want(role, f)
					got := e.list(t, sc, f)
					if len(got) != len(want) {
						t.Fatalf("%d certificates listed, want %d: got %v, want %v", len(got), len(want), show(got), show(want))
					}
					for i, w := range want {
						g := got[i]
						if g.Title != w.Title || g.CertifiedLearners != len(w.Certified) || g.EnrolledLearners != len(w.Enrolled) {
							t.Errorf("row %d: %s certified %d enrolled %d; want %s certified %d %v enrolled %d %v", i,
								g.Title, g.CertifiedLearners, g.EnrolledLearners, w.Title, len(w.Certified), w.Certified, len(w.Enrolled), w.Enrolled)
						}
						e.checkLearners(t, sc, f, w.Title, false, w.Learners)
						e.checkLearners(t, sc, f, w.Title, true, w.Certified)
					}
				})
			}
		}
	})
}

// A filter of several conditions keeping most learners is read on SQLite
// as a set (the intersection of each condition's learners), and lists the
// learners that meet every condition (the lists are checked against the
// known answers by TestCertificateStatsEveryFilterAndRole).
func TestBroadFiltersIntersect(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := newStatsEnv(t, dialect)
		for _, query := range []string{"group={Acme}&registered_from=2024-01-01", "group={Operations}&registered_to=2026-11-21",
			"field.region=North&field.region=South&registered_to=2026-11-21"} {
			f := e.filter(t, query)
			broad, err := e.st.KeepsMost(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			if broad != (dialect == "sqlite") {
				t.Errorf("%q read as a set: %v, want %v", query, broad, dialect == "sqlite")
			}
			got := e.list(t, e.scope(t, testorg.Admin), f)
			want := e.org.Want(testorg.Admin, f)
			if len(got) != len(want) {
				t.Fatalf("%q: %d certificates listed, want %d", query, len(got), len(want))
			}
			for i, w := range want {
				if g := got[i]; g.Title != w.Title || g.CertifiedLearners != len(w.Certified) || g.EnrolledLearners != len(w.Enrolled) {
					t.Errorf("%q row %d: %s %d %d, want %s %d %d", query, i, g.Title, g.CertifiedLearners, g.EnrolledLearners,
						w.Title, len(w.Certified), len(w.Enrolled))
				}
			}
		}
	})
}

// checkLearners compares a learners table (or the certified learners)
// with the learners, in order, and each row with the known answers.
func (e *statsEnv) checkLearners(t *testing.T, sc report.Scope, f report.Filter, title string, certified bool, want []string) {
	t.Helper()
	rows, err := e.learners(t, sc, f, title, certified)
	if err != nil {
		t.Fatalf("learners of %s: %v", title, err)
	}
	var got []string
	for _, r := range rows {
		first := e.org.First(r.UserID)
		got = append(got, first)
		l := testorg.Links[title][first]
		u := testorg.Learners[first]
		if r.Name != u.Name || r.Email != u.Email || r.LatestStatus != l.Latest ||
			report.Date(r.DeliveredAt, testorg.Zone) != l.Delivered || report.Date(r.ExpiresAt, testorg.Zone) != l.Expires {
			t.Errorf("%s, learner %s: %s %s %s %s %s; want %s %s %s %s %s", title, first, r.Name, r.Email, r.LatestStatus,
				report.Date(r.DeliveredAt, testorg.Zone), report.Date(r.ExpiresAt, testorg.Zone), u.Name, u.Email, l.Latest, l.Delivered, l.Expires)
		}
	}
	if !slices.Equal(got, want) {
		table := "learners"
		if certified {
			table = "certified learners"
		}
		t.Errorf("%s of %s: %v, want %v", table, title, got, want)
	}
}

// A certificate outside the scope is not found, in every table.
func TestCertificateStatsOutsideScope(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := newStatsEnv(t, dialect)
		ctx := context.Background()
		for _, role := range statsRoles {
			sc := e.scope(t, role)
			for _, title := range testorg.Titles {
				_, err := e.learners(t, sc, report.Filter{UserStatus: report.UsersAll}, title, false)
				pathsErr := e.st.CertificatePaths(ctx, sc, e.org.Certificates[title].ID, func(report.PathRow) error { return nil })
				wantErr := ""
				if !e.org.Visible(role, title) {
					wantErr = skillpath.ENOTFOUND
				}
				if skillpath.ErrorCode(err) != wantErr || skillpath.ErrorCode(pathsErr) != wantErr {
					t.Errorf("%s, %s: learners %v, paths %v; want %q", role, title, err, pathsErr, wantErr)
				}
			}
		}
		_, err := e.st.CertificateLearners(ctx, report.Scope{All: true}, report.Filter{}, report.LearnerQuery{}, 9999, store.Page{}, nil)
		if skillpath.ErrorCode(err) != skillpath.ENOTFOUND {
			t.Errorf("unknown certificate: %v, want not found", err)
		}
	})
}

func TestStatsScope(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := newStatsEnv(t, dialect)
		ctx := context.Background()
		if _, err := e.st.StatsScope(ctx, e.org.Users["Leo"]); skillpath.ErrorCode(err) != skillpath.EFORBIDDEN {
			t.Errorf("a learner's scope: %v, want forbidden", err)
		}
		bea := e.scope(t, "Bea")
		if bea.All || !slices.Equal(bea.GroupIDs, []skillpath.ID{e.org.Groups["Warehouse South"].ID}) ||
			!slices.Equal(bea.CertificateIDs, []skillpath.ID{e.org.Certificates[testorg.Ethics].ID}) {
			t.Errorf("Bea's scope %+v: want Warehouse South and Sales Ethics", bea)
		}
		if nora := e.scope(t, "Nora"); nora.All || len(nora.GroupIDs)+len(nora.CertificateIDs) != 0 {
			t.Errorf("Nora's scope %+v: want nothing (her path grants no certificate), but no refusal", nora)
		}
	})
}

// One learner's history: hand-written from the story.
func TestCertificateHistory(t *testing.T) {
	type row struct {
		status             status.Certification
		delivered, expires string
		path, session      string
		pathStatus         status.Training
		auto               bool
	}
	const fo, fr, rolling = "Forklift Operator", "Forklift Refresher", "Forklift Rolling"
	tests := []struct {
		name, role, learner, title, filter string
		want                               []row
		err                                string
	}{
		{"an archived session's expired certificate, a valid one, a refresher in progress", testorg.Admin, "Alice", testorg.Forklift, "", []row{
			{status.CertificationExpired, "2024-02-10", "2025-02-10", fo, "Forklift 2024", status.TrainingExpired, false},
			{status.CertificationValid, "2026-02-16", "2027-02-16", fo, "Forklift 2026", status.TrainingPassed, false},
			{status.CertificationNotObtained, "", "", fr, "Refresher 2026", status.TrainingStarted, false},
		}, ""},
		{"an automatic re-enrollment passed again", testorg.Admin, "Chloe", testorg.Forklift, "", []row{
			{status.CertificationExpired, "2025-03-10", "2026-03-10", fo, rolling, status.TrainingExpired, false},
			{status.CertificationValid, "2026-03-01", "2027-03-01", fo, rolling, status.TrainingPassed, true},
		}, ""},
		{"an automatic re-enrollment made today", testorg.Admin, "Bruno", testorg.Forklift, "", []row{
			{status.CertificationExpiringSoon, "2025-11-30", "2026-11-30", fo, rolling, status.TrainingPassed, false},
			{status.CertificationNotObtained, "", "", fo, rolling, status.TrainingNotStarted, true},
		}, ""},
		{"a deleted session's certificate is not shown", testorg.Admin, "Eve", testorg.Forklift, "", []row{
			{status.CertificationValid, "2026-03-20", "2027-03-20", fr, "Refresher 2026", status.TrainingPassed, false},
		}, ""},
		{"the second certificate of a path", testorg.Admin, "Eve", testorg.Hazmat, "", []row{
			{status.CertificationValid, "2026-03-20", "2029-03-20", fr, "Refresher 2026", status.TrainingPassed, false},
		}, ""},
		{"a failed attempt", testorg.Admin, "Eve", testorg.FirstAid, "", []row{
			{status.CertificationNotObtained, "", "", "First Aid Basics", "First Aid Open", status.TrainingFailed, false},
		}, ""},
		{"a certificate without validity", testorg.Admin, "Alice", testorg.FirstAid, "", []row{
			{status.CertificationValid, "2024-03-05", "", "First Aid Basics", "First Aid Open", status.TrainingPassed, false},
		}, ""},
		{"started in a session archived since", "Olga", "Leo", testorg.Forklift, "", []row{
			{status.CertificationNotObtained, "", "", fo, "Forklift 2024", status.TrainingStarted, false},
		}, ""},
		{"a deleted user, with the default filter", testorg.Admin, "Dan", testorg.Forklift, "", nil, ""},
		{"a deleted user, deleted users asked for", testorg.Admin, "Dan", testorg.Forklift, "user_status=deleted", []row{
			{status.CertificationNotObtained, "", "", fo, "Forklift 2026", status.TrainingNotStarted, false},
		}, ""},
		{"a learner the filters leave out", testorg.Admin, "Hugo", testorg.Forklift, "field.region=North", nil, ""},
		{"a deleted enrollment leaves no learner", testorg.Admin, "Finn", testorg.Forklift, "", nil, skillpath.ENOTFOUND},
		{"a learner outside the coach's groups", "Carl", "Alice", testorg.Forklift, "", nil, skillpath.ENOTFOUND},
		{"a certificate outside the instructor's paths", "Ivan", "Eve", testorg.Ethics, "", nil, skillpath.ENOTFOUND},
		{"the instructor sees every learner of the path's certificate", "Ivan", "Eve", testorg.Forklift, "", []row{
			{status.CertificationValid, "2026-03-20", "2027-03-20", fr, "Refresher 2026", status.TrainingPassed, false},
		}, ""},
	}
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := newStatsEnv(t, dialect)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var got []row
				err := e.st.CertificateHistory(context.Background(), e.scope(t, tt.role), e.filter(t, tt.filter),
					e.org.Certificates[tt.title].ID, e.org.Users[tt.learner].ID, func(r report.HistoryRow) error {
						got = append(got, row{r.CertificationStatus, report.Date(r.DeliveredAt, testorg.Zone), report.Date(r.ExpiresAt, testorg.Zone),
							r.PathName, r.SessionName, r.PathStatus, r.AutoReenrolled})
						return nil
					})
				if skillpath.ErrorCode(err) != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("history:%s\nwant:%s", show(got), show(tt.want))
				}
			})
		}
	})
}

// The learners table pages with a cursor and ends on the last page.
func TestCertificateLearnersPages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := newStatsEnv(t, dialect)
		ctx := context.Background()
		all := report.Filter{UserStatus: report.UsersAll}
		id := e.org.Certificates[testorg.Forklift].ID
		var got []string
		after, pages := "", 0
		for {
			n := 0
			next, err := e.st.CertificateLearners(ctx, report.Scope{All: true}, all, report.LearnerQuery{}, id, store.Page{Limit: 3, After: after}, func(r report.LearnerRow) error {
				got = append(got, e.org.First(r.UserID))
				n++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if n > 3 || (next != "" && n != 3) {
				t.Fatalf("page %d: %d rows, next %q", pages, n, next)
			}
			if next == "" {
				break
			}
			after = next
		}
		want := e.org.Want(testorg.Admin, all)[1].Learners
		if !slices.Equal(got, want) || pages != 3 {
			t.Errorf("%d pages: %v, want 3 pages: %v", pages, got, want)
		}
		for _, bad := range []string{"x", "!!!", "bm9uZQ"} {
			_, err := e.st.CertificateLearners(ctx, report.Scope{All: true}, all, report.LearnerQuery{}, id, store.Page{Limit: 3, After: bad}, nil)
			if se, ok := err.(*skillpath.Error); !ok || se.Field != "after" {
				t.Errorf("cursor %q: %v, want an invalid after", bad, err)
			}
		}
	})
}

// The associated paths, by name.
func TestCertificatePaths(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := newStatsEnv(t, dialect)
		var got []string
		err := e.st.CertificatePaths(context.Background(), e.scope(t, "Ivan"), e.org.Certificates[testorg.Forklift].ID, func(r report.PathRow) error {
			got = append(got, r.PathName)
			if r.ID != e.org.Trainings[r.PathName].ID {
				t.Errorf("%s: id %s", r.PathName, r.ID)
			}
			return nil
		})
		if err != nil || !slices.Equal(got, []string{"Forklift Operator", "Forklift Refresher"}) {
			t.Errorf("paths %v (%v)", got, err)
		}
	})
}
