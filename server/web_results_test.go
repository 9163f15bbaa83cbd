package server_test

import (
	"html"
	"strings"
	"testing"

	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
)

// The results page leads somewhere (issue 18): a learner's name opens
// their history of the training's certificate, an enrollment awaiting a
// score links to the training's grading queue and one awaiting approval to
// the approvals; completion dates show, and the download holds every row
// under the page's filter.
func TestWebResultsLeadToAction(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		j := newJourney(t, dialect)
		essay := j.main.Modules[1].Activities[0].ID
		lever := j.main.Modules[0].Activities[1].ID
		// Lee passes the prerequisite, is approved and answers: awaiting scoring
		var pre, enr, wait result
		j.env.Admin.Must(201, "POST", "/api/v1/sessions/"+j.prereqSess+"/enrollments", map[string]any{"user_id": j.learnerID}, &pre)
		j.learner.Must(200, "POST", "/api/v1/enrollments/"+pre.ID+"/start", nil, nil)
		j.learner.Must(200, "POST", "/api/v1/enrollments/"+pre.ID+"/activities/"+j.prereq.Modules[0].Activities[0].ID+"/view", nil, nil)
		j.learner.Must(201, "POST", "/api/v1/sessions/"+j.mainSess+"/enrollments", map[string]any{}, &enr)
		j.env.Admin.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/approve", nil, nil)
		j.learner.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/start", nil, nil)
		j.learner.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/activities/"+j.main.Modules[0].Activities[0].ID+"/view", nil, nil)
		j.learner.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/activities/"+lever+"/answer", map[string]any{"response": "right"}, nil)
		j.learner.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/activities/"+essay+"/answer", map[string]any{"response": "Heaviest at the bottom."}, nil)
		// Max passes the prerequisite and asks to join: approval pending
		j.env.Admin.Must(201, "POST", "/api/v1/sessions/"+j.prereqSess+"/enrollments", map[string]any{"user_id": j.otherID}, &pre)
		j.other.Must(200, "POST", "/api/v1/enrollments/"+pre.ID+"/start", nil, nil)
		j.other.Must(200, "POST", "/api/v1/enrollments/"+pre.ID+"/activities/"+j.prereq.Modules[0].Activities[0].ID+"/view", nil, nil)
		j.other.Must(201, "POST", "/api/v1/sessions/"+j.mainSess+"/enrollments", map[string]any{}, &wait)

		c := newWebClient(t, j.env.Server.URL)
		c.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
		p := c.get("/trainings/" + j.main.ID + "/results")
		for _, want := range []string{
			`<a href="/certificates/` + j.cert + `/learners/` + j.learnerID + `">Lee<span class="visually-hidden">: history</span></a>`,
			`<a class="small" href="/grading?training=` + j.main.ID + `">Score the answers`,
			`<a class="small" href="/approvals">Approve or refuse`,
			`href="/trainings/` + j.main.ID + `/results.csv" download>`,
			`<p class="table-position" id="results-position">2 learners</p>`,
		} {
			if !strings.Contains(p.Body, html.EscapeString(want)) && !strings.Contains(p.Body, want) {
				t.Errorf("results page: no %s", want)
			}
		}
		// the prerequisite completed today: its completion date shows
		p = c.get("/trainings/" + j.prereq.ID + "/results")
		if !strings.Contains(p.Body, "<td>2026-01-31</td>") {
			t.Errorf("the prerequisite's results show no completion date")
		}
		dl := c.get("/trainings/" + j.main.ID + "/results.csv?status=awaiting_scoring")
		table := readCSV(t, []byte(dl.Body))
		if dl.Status != 200 || !strings.HasPrefix(dl.Header.Get("Content-Disposition"), `attachment; filename=results-forklift-2026-01-31.csv`) ||
			len(table) != 2 || table[0][0] != "Learner name" || table[1][0] != "Lee" || table[1][3] != "Awaiting scoring" {
			t.Errorf("download: %d %s %q", dl.Status, dl.Header.Get("Content-Disposition"), table)
		}
		if all := readCSV(t, []byte(c.get("/trainings/"+j.prereq.ID+"/results.csv").Body)); len(all) != 3 || all[1][10] != "2026-01-31" {
			t.Errorf("the prerequisite's download: %q, want Lee and Max completed on 2026-01-31", all)
		}
	})
}
