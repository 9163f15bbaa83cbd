package server_test

import (
	"fmt"
	"net/url"
	"slices"
	"testing"

	"skillpath"
	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
)

// resultsJSON is the answer of GET /api/v1/trainings/{id}/results.
type resultsJSON struct {
	Rows []struct {
		EnrollmentID      string   `json:"enrollment_id"`
		UserID            string   `json:"user_id"`
		Name              string   `json:"name"`
		Email             string   `json:"email"`
		SessionName       string   `json:"session_name"`
		Status            string   `json:"status"`
		Label             string   `json:"label"`
		Score             *float64 `json:"score"`
		Progress          float64  `json:"progress"`
		ModulesCompleted  int      `json:"modules_completed"`
		ModulesTotal      int      `json:"modules_total"`
		CertificateStatus *string  `json:"certificate_status"`
	} `json:"rows"`
	Next string `json:"next"`
}

func (r resultsJSON) names() []string {
	var out []string
	for _, row := range r.Rows {
		out = append(out, row.Name)
	}
	return out
}

// resultsOrg: a training with two modules granting a certificate valid one
// month; learners in a group, its subgroup and another group; a group admin
// of the first group, the training's instructor, and a plain learner.
type resultsOrg struct {
	env                         *apitest.Env
	training                    tree
	groupAdmin, instructor, ada *apitest.Client
	enrollments                 map[string]string // by learner name
	otherTraining               string
}

func newResultsOrg(t *testing.T, dialect string) *resultsOrg {
	e := apitest.Start(t, dialect, webNow)
	o := &resultsOrg{env: e, enrollments: map[string]string{}}
	var north, sub, south, u, c, other, s ids
	e.Admin.Must(201, "POST", "/api/v1/groups", map[string]any{"name": "North"}, &north)
	e.Admin.Must(201, "POST", "/api/v1/groups", map[string]any{"name": "North docks", "parent_id": north.ID}, &sub)
	e.Admin.Must(201, "POST", "/api/v1/groups", map[string]any{"name": "South"}, &south)
	user := func(name string, groups ...string) string {
		if groups == nil {
			groups = []string{}
		}
		e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": name + "@example.com", "name": name, "group_ids": groups}, &u)
		return u.ID
	}
	learners := map[string]string{"Ada": user("Ada", north.ID), "Bea": user("Bea", sub.ID), "Cem": user("Cem", south.ID), "Dan": user("Dan")}
	o.ada = e.As(idOf(t, learners["Ada"]))
	o.groupAdmin = e.As(idOf(t, user("Gil")))
	e.Admin.Must(201, "POST", "/api/v1/groups/"+north.ID+"/staff", map[string]any{"user_id": u.ID, "role": "admin"}, nil)
	instructorID := user("Ivy")
	o.instructor = e.As(idOf(t, instructorID))
	e.Admin.Must(201, "POST", "/api/v1/certificates", map[string]any{"title": "Licence", "owner_group_id": north.ID, "validity_months": 1}, &c)
	e.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{
		"title": "Safety", "certificate_ids": []string{c.ID}, "instructor_ids": []string{instructorID},
		"modules": []any{
			map[string]any{"title": "Read", "activities": []any{map[string]any{"title": "Rules", "kind": "content"}}},
			map[string]any{"title": "Check", "activities": []any{map[string]any{"title": "Ok?", "kind": "choice", "choices": []string{"yes", "no"}, "correct": "yes"}}},
		},
	}, &o.training)
	e.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Other", "modules": []any{
		map[string]any{"title": "Read", "activities": []any{map[string]any{"title": "Rules", "kind": "content"}}},
	}}, &other)
	o.otherTraining = other.ID
	e.Admin.Must(201, "POST", "/api/v1/trainings/"+o.training.ID+"/sessions", map[string]any{"name": "Spring", "starts_at": "2026-01-01T00:00:00Z"}, &s)
	for name, id := range learners {
		var r ids
		e.Admin.Must(201, "POST", "/api/v1/sessions/"+s.ID+"/enrollments", map[string]any{"user_id": id}, &r)
		o.enrollments[name] = r.ID
	}
	return o
}

func (o *resultsOrg) results(t *testing.T, c *apitest.Client, query string) resultsJSON {
	t.Helper()
	var r resultsJSON
	c.Must(200, "GET", "/api/v1/trainings/"+o.training.ID+"/results?"+query, nil, &r)
	return r
}

// TestTrainingResults: one row per live enrollment the caller sees, with
// statuses at read time, module progress and certificate status.
func TestTrainingResults(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newResultsOrg(t, dialect)
		e, ada := o.env, o.ada
		base := "/api/v1/enrollments/" + o.enrollments["Ada"]
		ada.Must(200, "POST", base+"/start", nil, nil)
		ada.Must(200, "POST", base+"/activities/"+o.training.Modules[0].Activities[0].ID+"/view", nil, nil)
		bea := e.As(idOf(t, mustUserID(t, e, "Bea")))
		bea.Must(200, "POST", "/api/v1/enrollments/"+o.enrollments["Bea"]+"/start", nil, nil)

		r := o.results(t, e.Admin, "")
		if got := r.names(); !slices.Equal(got, []string{"Ada", "Bea", "Cem", "Dan"}) {
			t.Fatalf("admin sees %v", got)
		}
		row := r.Rows[0]
		if row.Status != "started" || row.Label != "In progress" || row.ModulesCompleted != 1 || row.ModulesTotal != 2 ||
			row.Progress != 50 || row.CertificateStatus == nil || *row.CertificateStatus != "not_obtained" || row.Email != "Ada@example.com" || row.SessionName != "Spring" {
			t.Errorf("Ada's row: %+v", row)
		}
		if r.Rows[3].Status != "not_started" || r.Rows[3].Label != "Not started" || r.Rows[3].Score != nil {
			t.Errorf("Dan's row: %+v", r.Rows[3])
		}

		// Scope: the group admin sees the group and its subgroup; the
		// instructor sees the whole training; a learner sees nothing.
		if got := o.results(t, o.groupAdmin, "").names(); !slices.Equal(got, []string{"Ada", "Bea"}) {
			t.Errorf("group admin sees %v", got)
		}
		if got := o.results(t, o.instructor, "").names(); len(got) != 4 {
			t.Errorf("instructor sees %v", got)
		}
		ada.Must(403, "GET", "/api/v1/trainings/"+o.training.ID+"/results", nil, nil)
		e.Admin.Must(404, "GET", "/api/v1/trainings/999999/results", nil, nil)
		if r := e.Admin.Do("GET", "/api/v1/trainings/"+o.training.ID+"/results?status=bogus", nil); r.Status != 400 || r.Err().Field != "status" {
			t.Errorf("unknown status: %d %+v", r.Status, r.Err())
		}
		if r := e.Admin.Do("GET", "/api/v1/trainings/"+o.training.ID+"/results?after=!!", nil); r.Status != 400 || r.Err().Field != "after" {
			t.Errorf("bad cursor: %d %+v", r.Status, r.Err())
		}
		var other resultsJSON
		o.groupAdmin.Must(200, "GET", "/api/v1/trainings/"+o.otherTraining+"/results", nil, &other)
		if len(other.Rows) != 0 {
			t.Errorf("a training without enrollments: %+v", other)
		}

		// Ada passes: her certificate is valid, then expires a month later.
		ada.Must(200, "POST", base+"/activities/"+o.training.Modules[1].Activities[0].ID+"/answer", map[string]any{"response": "yes"}, nil)
		r = o.results(t, e.Admin, "status=passed")
		if got := r.names(); !slices.Equal(got, []string{"Ada"}) || *r.Rows[0].CertificateStatus != "expiring_soon" || r.Rows[0].ModulesCompleted != 2 || *r.Rows[0].Score != 100 {
			t.Fatalf("passed: %+v", r)
		}
		e.Store.Now = skillpath.FixedClock(webNow.AddDate(0, 2, 0))
		for _, tc := range []struct {
			status string
			want   []string
		}{
			{"expired", []string{"Ada"}},
			{"passed", nil},
			{"started", []string{"Bea"}},
			{"not_started", []string{"Cem", "Dan"}},
			{"failed", nil},
		} {
			r := o.results(t, e.Admin, "status="+tc.status)
			if got := r.names(); !slices.Equal(got, tc.want) {
				t.Errorf("status=%s: %v, want %v", tc.status, got, tc.want)
			}
			for _, row := range r.Rows {
				if row.Status != tc.status {
					t.Errorf("status=%s lists %s with %s", tc.status, row.Name, row.Status)
				}
			}
		}
		if r := o.results(t, e.Admin, "status=expired"); r.Rows[0].Label != "Expired" || *r.Rows[0].CertificateStatus != "expired" {
			t.Errorf("expired row: %+v", r.Rows[0])
		}

		// Deleted enrollments and deleted users are gone.
		e.Admin.Must(204, "DELETE", "/api/v1/enrollments/"+o.enrollments["Cem"], nil, nil)
		e.Admin.Must(204, "DELETE", "/api/v1/users/"+mustUserID(t, e, "Dan"), nil, nil)
		if got := o.results(t, e.Admin, "").names(); !slices.Equal(got, []string{"Ada", "Bea"}) {
			t.Errorf("after deletions: %v", got)
		}
	})
}

// TestTrainingResultsPaging: pages follow each other by name without gap
// or repeat, and keep the filter.
func TestTrainingResultsPaging(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newResultsOrg(t, dialect)
		var all []string
		after := ""
		for range 10 {
			r := o.results(t, o.env.Admin, "limit=1&after="+url.QueryEscape(after))
			all = append(all, r.names()...)
			if r.Next == "" {
				break
			}
			after = r.Next
		}
		if !slices.Equal(all, []string{"Ada", "Bea", "Cem", "Dan"}) {
			t.Errorf("pages: %v", all)
		}
		r := o.results(t, o.env.Admin, "limit=3&status=not_started")
		if len(r.Rows) != 3 || r.Next == "" {
			t.Fatalf("first filtered page: %+v", r)
		}
		if last := o.results(t, o.env.Admin, "limit=3&status=not_started&after="+url.QueryEscape(r.Next)); !slices.Equal(last.names(), []string{"Dan"}) || last.Next != "" {
			t.Errorf("last filtered page: %+v", last)
		}
		if r := o.env.Admin.Do("GET", "/api/v1/trainings/"+o.training.ID+"/results?limit=0", nil); r.Status != 400 {
			t.Errorf("limit=0: %d", r.Status)
		}
	})
}

func mustUserID(t *testing.T, e *apitest.Env, name string) string {
	t.Helper()
	var list struct {
		Users []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"users"`
	}
	e.Admin.Must(200, "GET", "/api/v1/users?q="+name, nil, &list)
	for _, u := range list.Users {
		if u.Name == name {
			return u.ID
		}
	}
	t.Fatalf("no user %s", name)
	return ""
}

// BenchmarkTrainingResults reads the first results page (50 rows) of a
// training with 2,000 enrolled learners, half of them started, unfiltered
// and filtered by status.
func BenchmarkTrainingResults(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			e := apitest.Start(b, dialect, webNow)
			st, ctx := e.Store, b.Context()
			g := &skillpath.Group{Name: "All"}
			if err := st.CreateGroup(ctx, g); err != nil {
				b.Fatal(err)
			}
			tr := &skillpath.Training{Title: "Big", Modules: []*skillpath.Module{{Title: "M", MaxAttempts: 1,
				Activities: []*skillpath.Activity{{Title: "Read", Kind: skillpath.KindContent}}}}}
			if err := st.CreateTraining(ctx, tr); err != nil {
				b.Fatal(err)
			}
			se := &skillpath.Session{TrainingID: tr.ID, Name: "S", StartsAt: webNow.AddDate(0, -1, 0)}
			if err := st.CreateSession(ctx, se); err != nil {
				b.Fatal(err)
			}
			for i := range 2000 {
				u := &skillpath.User{Email: fmt.Sprintf("l%04d@example.com", i), Name: fmt.Sprintf("Learner %04d", i), GroupIDs: []skillpath.ID{g.ID}}
				if err := st.CreateUser(ctx, u, ""); err != nil {
					b.Fatal(err)
				}
				r, err := st.Enroll(ctx, se.ID, u.ID, u.ID, false)
				if err != nil {
					b.Fatal(err)
				}
				if i%2 == 0 {
					if err := st.Start(ctx, r.ID); err != nil {
						b.Fatal(err)
					}
				}
			}
			for _, q := range []string{"", "status=started"} {
				b.Run("query="+q, func(b *testing.B) {
					for b.Loop() {
						if r := e.Admin.Get("/api/v1/trainings/" + tr.ID.String() + "/results?" + q); r.Status != 200 {
							b.Fatal(r.Status)
						}
					}
				})
			}
		})
	}
}
