package server_test

import (
	"html"
	"net/url"
	"strings"
	"testing"

	"skillpath/internal/testdb"
	"skillpath/internal/testorg"
)

// Who needs action on a certificate's page (SPEC §3, issue 18): the quick
// filter lists the learners expiring within 30 days, says how many, and
// its download is exactly that list; the columns sort and reverse, the
// filter panel and the pages keep the table's filters and order; a
// refused value is told next to its field in the user's words.
func TestWebCertificateWhoNeedsAction(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newStatsAPI(t, dialect)
		admin := a.web(t, testorg.Admin)
		forklift := "/certificates/" + a.cert(testorg.Forklift)

		p := admin.get(forklift)
		quick := `<a href="` + html.EscapeString(forklift+"?latest_status=expiring_soon&sort=expires_at#learners-heading") + `">Expiring within 30 days</a>`
		if p.Status != 200 || !strings.Contains(p.Body, quick) || !strings.Contains(p.Body, `<p class="table-position" id="learners-position">7 learners</p>`) {
			t.Fatalf("GET %s: %d, no quick filter %s or no total:\n%s", forklift, p.Status, quick, p.Body)
		}
		p = admin.get(forklift + "?latest_status=expiring_soon&sort=expires_at")
		download := html.EscapeString(forklift + "/learners.csv?latest_status=expiring_soon&sort=expires_at")
		for _, want := range []string{`>1 learner</p>`, "Bruno Baker", `href="` + download + `"`,
			`name="latest_status" value="expiring_soon" checked`, `aria-current="true">Expiring within 30 days</a>`,
			`<th scope="col" aria-sort="ascending"><a href="` + html.EscapeString(forklift+"?latest_status=expiring_soon&sort=-expires_at#learners-heading") + `">Expiration date`,
			// the panel keeps the table's filters and order
			`<input type="hidden" name="latest_status" value="expiring_soon">`, `<input type="hidden" name="sort" value="expires_at">`,
		} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("expiring soon: no %s", want)
			}
		}
		if strings.Contains(p.Body, "Alice Archer") || strings.Contains(p.Body, "Hill, Jr.") {
			t.Error("expiring soon lists learners who are not")
		}
		table := readCSV(t, []byte(admin.get(html.UnescapeString(download)).Body))
		if len(table) != 2 || table[1][0] != "Bruno Baker" {
			t.Errorf("the download of the expiring learners: %q, want Bruno alone", table)
		}

		// a group admin's own learners: Bea coaches Warehouse South
		bea := a.web(t, "Bea")
		p = bea.get(forklift + "?latest_status=expired&latest_status=expiring_soon")
		if p.Status != 200 || !strings.Contains(p.Body, "Hill, Jr.") || strings.Contains(p.Body, "Bruno Baker") {
			t.Errorf("Bea's expired or expiring learners: %d, want Hugo only", p.Status)
		}

		// sorted by latest status, descending: not obtained first
		p = admin.get(forklift + "?sort=-latest_status")
		if gina, hugo := strings.Index(p.Body, "Gina Gray"), strings.Index(p.Body, "Hill, Jr."); gina < 0 || hugo < gina {
			t.Errorf("sort=-latest_status: Gina at %d, Hugo at %d, want the not obtained first", gina, hugo)
		}

		// pages of a sorted, filtered table keep both, and land on the table
		p = admin.get(forklift + "?user_status=all&sort=email&latest_status=valid,not_obtained")
		if !strings.Contains(p.Body, ">6 learners</p>") {
			t.Errorf("valid or not obtained, deleted included: want 6 learners")
		}

		for _, tc := range []struct{ query, field, message string }{
			{"latest_status=soon", "latest_status", "The latest status: &#34;soon&#34; is not one of"},
			{"expires_from=2026-12-02&expires_to=2026-12-01", "expires_to", "“Expires to” is before “Expires from”."},
			{"expires_from=someday", "expires_from", "“Expires from”: &#34;someday&#34; is not a date"},
		} {
			p := admin.get(forklift + "?" + tc.query)
			if p.Status != 400 || !strings.Contains(p.Body, `<p class="field-error" id="`+tc.field+`-error">`+tc.message) || strings.Contains(p.Body, "<tbody>") {
				t.Errorf("GET ?%s: %d, want 400 with %q next to #%s", tc.query, p.Status, tc.message, tc.field)
			}
			if strings.Contains(p.Body, tc.field+":") {
				t.Errorf("GET ?%s: the message names the parameter %s", tc.query, tc.field)
			}
		}

		// the list sorts by its columns; numbers most first, the download in the same order
		p = admin.get("/certificates?sort=-expired_learners")
		if !strings.Contains(p.Body, `<th scope="col" class="num" aria-sort="descending"><a href="`+html.EscapeString("/certificates?sort=expired_learners#list-heading")+`">Expired`) ||
			!strings.Contains(p.Body, `href="`+html.EscapeString("/certificates.csv?sort=-expired_learners")+`"`) ||
			!strings.Contains(p.Body, `<a href="`+html.EscapeString("/certificates?sort=-certified_learners#list-heading")+`">Certified learners`) {
			t.Errorf("the list's headings or download do not follow sort=-expired_learners")
		}
		if p := admin.get("/certificates?sort=grade"); p.Status != 400 || !strings.Contains(p.Body, "The order: &#34;grade&#34; is not one of") {
			t.Errorf("the list with sort=grade: %d, want 400 in words", p.Status)
		}

		// the custom field offers its values, and a value typed in any case finds them
		p = admin.get("/certificates")
		if !strings.Contains(p.Body, `<option value="Driver" label="job"></option>`) || !strings.Contains(p.Body, `list="field-values"`) {
			t.Errorf("the custom field does not offer its values")
		}
		if p := admin.get("/certificates?field_key=job&field_value=+driver+"); p.Status != 303 || p.Header.Get("Location") != "/certificates?field.job=Driver" {
			t.Errorf("a value typed in lower case: %d to %s, want field.job=Driver", p.Status, p.Header.Get("Location"))
		}
		if p := admin.get("/certificates?field_key=job&field_value=Astronaut"); p.Status != 303 || p.Header.Get("Location") != "/certificates?"+(url.Values{"field.job": {"Astronaut"}}).Encode() {
			t.Errorf("a value no one has: %d to %s, want it kept as typed", p.Status, p.Header.Get("Location"))
		}
	})
}
