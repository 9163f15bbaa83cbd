package server_test

import (
	"net/http"
	"strings"
	"testing"

	"skillpath/internal/testdb"
)

// TestContentBodies (issue 18): a content activity's Markdown body and
// link are stored through POST and PUT /api/v1/trainings, answered by GET,
// refused with the field named when they break a rule, and shown to the
// learner rendered without any script; an attachment is stored with the
// type its bytes have and served only to the training's people, with that
// type and nosniff.
func TestContentBodies(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newWebOrg(t, dialect)
		admin := o.env.Admin
		base := "/api/v1/trainings/" + o.training.ID

		// An attachment: the type comes from the bytes, not the request.
		var att struct {
			ID, URL, ContentType string `json:"-"`
		}
		var up map[string]any
		admin.Must(201, "POST", base+"/attachments?name=lever.png", pngBytes, &up)
		att.ID, att.URL, att.ContentType = up["id"].(string), up["url"].(string), up["content_type"].(string)
		if att.ContentType != "image/png" || att.URL != "/trainings/"+o.training.ID+"/attachments/"+att.ID || up["size"].(float64) != float64(len(pngBytes)) {
			t.Errorf("upload answered %v", up)
		}
		for _, c := range []struct {
			name   string
			body   any
			status int
			field  string
		}{
			{"html is refused", []byte("<html><script>alert(1)</script></html>"), 400, "body"},
			{"svg is refused", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>`), 400, "body"},
			{"empty", []byte{}, 400, "body"},
			{"too large", append([]byte("%PDF-1.4\n"), make([]byte, 5<<20)...), 413, ""},
		} {
			r := admin.Do("POST", base+"/attachments", c.body)
			if r.Status != c.status || !strings.Contains(string(r.Body), c.field) {
				t.Errorf("%s: %d %s, want %d naming %q", c.name, r.Status, r.Body, c.status, c.field)
			}
		}
		admin.Must(404, "POST", "/api/v1/trainings/999999/attachments", pngBytes, nil)

		// The body and link, through PUT.
		tr := (&journey{env: o.env}).tree(t, o.training.ID)
		body := "## Before you drive\n\nCheck the **forks**.\n\n![The lever](" + att.URL + ")\n\n<script>alert('x')</script>\n\n[Evil](javascript:alert(1))"
		put := func(url, body string) map[string]any {
			m := map[string]any{"title": tr.Title, "certificate_ids": tr.CertificateIDs, "instructor_ids": tr.InstructorIDs, "modules": []any{}}
			for _, mod := range tr.Modules {
				acts := []any{}
				for _, a := range mod.Activities {
					act := map[string]any{"id": a.ID, "title": a.Title, "kind": a.Kind, "manual_scoring": a.ManualScoring}
					if a.Kind != "content" {
						act["points"] = a.Points
					}
					if len(a.Choices) > 0 {
						act["choices"], act["correct"] = a.Choices, a.Correct
					}
					if a.ID == o.intro {
						act["body"], act["url"] = body, url
					}
					acts = append(acts, act)
				}
				m["modules"] = append(m["modules"].([]any), map[string]any{"id": mod.ID, "title": mod.Title, "min_score": mod.MinScore, "max_attempts": mod.MaxAttempts, "activities": acts})
			}
			return m
		}
		for _, c := range []struct{ name, url, body, field string }{
			{"a javascript url", "javascript:alert(1)", "", "modules[0].activities[0].url"},
			{"a relative url", "/videos/1", "", "modules[0].activities[0].url"},
			{"a body too long", "", strings.Repeat("a", 64<<10+1), "modules[0].activities[0].body"},
		} {
			r := admin.Do("PUT", base, put(c.url, c.body))
			if r.Status != 400 || !strings.Contains(string(r.Body), c.field) {
				t.Errorf("%s: %d %s, want 400 naming %s", c.name, r.Status, r.Body, c.field)
			}
		}
		// A question takes no body.
		bad := put("", "")
		bad["modules"].([]any)[0].(map[string]any)["activities"].([]any)[1].(map[string]any)["body"] = "text"
		if r := admin.Do("PUT", base, bad); r.Status != 400 || !strings.Contains(string(r.Body), "activities[1].body") {
			t.Errorf("a question with a body: %d %s", r.Status, r.Body)
		}
		admin.Must(200, "PUT", base, put("https://video.example.org/forks", body), nil)
		var got struct {
			Modules []struct {
				Activities []struct{ Body, URL string }
			}
		}
		admin.Must(200, "GET", base, nil, &got)
		if a := got.Modules[0].Activities[0]; a.Body != body || a.URL != "https://video.example.org/forks" {
			t.Errorf("GET answers body %q url %q", a.Body, a.URL)
		}

		// The learner reads it rendered, without the script or the link.
		enrollment := o.enroll(t)
		learner := o.client(t)
		learner.mustSignIn(learnerEmail, learnerPassword)
		p := learner.get("/learn/enrollments/" + enrollment)
		for _, want := range []string{"<h2>Before you drive</h2>", "<strong>forks</strong>", `<img src="` + att.URL + `" alt="The lever"`, `href="https://video.example.org/forks"`, "video.example.org"} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("the player lacks %q", want)
			}
		}
		for _, deny := range []string{"alert(", "javascript:"} {
			if strings.Contains(p.Body, deny) {
				t.Errorf("the player holds %q", deny)
			}
		}

		// The attachment: the learner and the instructor see it; a learner
		// of no enrollment in the training does not, nor does anyone for
		// another training's path.
		a := learner.get(att.URL)
		if a.Status != 200 || a.Header.Get("Content-Type") != "image/png" || a.Header.Get("X-Content-Type-Options") != "nosniff" || a.Body != string(pngBytes) {
			t.Errorf("the learner's image: %d %q %q", a.Status, a.Header.Get("Content-Type"), a.Header.Get("X-Content-Type-Options"))
		}
		instructor := o.client(t)
		instructor.mustSignIn(instructorEmail, instructorPassword)
		if a := instructor.get(att.URL); a.Status != 200 {
			t.Errorf("the instructor's image: %d", a.Status)
		}
		admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "out@example.com", "name": "Out", "password": "out-password-1"}, nil)
		outsider := o.client(t)
		outsider.mustSignIn("out@example.com", "out-password-1")
		if a := outsider.get(att.URL); a.Status != http.StatusNotFound || strings.Contains(a.Body, "PNG") {
			t.Errorf("a stranger's image: %d, want 404", a.Status)
		}
		if a := learner.get("/trainings/999999/attachments/" + att.ID); a.Status != http.StatusNotFound {
			t.Errorf("the attachment under another training: %d, want 404", a.Status)
		}
	})
}
