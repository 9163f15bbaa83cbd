package server_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
	"skillpath/internal/testorg"
	"skillpath/report"
)

// TestBrowserCertificates: an admin filters the certificate list — user
// status and a group with the mouse, a custom field with the keyboard —
// sees the URL carry the filters with the API's names and the numbers
// change, downloads the list and finds the API's CSV byte for byte, opens
// the certified learners, a certificate with its chart, and a learner's
// history, downloading each.
func TestBrowserCertificates(t *testing.T) {
	testdb.Each(t, browserCertificates)
}

func browserCertificates(t *testing.T, dialect string) {
	a := newStatsAPI(t, dialect)
	admin := newPerson(t, a.env.Server.URL)
	forklift := a.org.Certificates[testorg.Forklift].ID.String()
	operations := a.org.Groups["Operations"].ID.String()
	row := "#certificate-" + forklift

	admin.open("/certificates")
	admin.signIn(apitest.AdminEmail, apitest.AdminPassword)
	admin.at("/certificates")
	admin.see("h1", "Certificates")
	admin.see(`header nav a[aria-current="page"]`, "Certificates")
	admin.numbers(row, a.want(""))

	admin.do(chromedp.SetValue(chromedp.ID("user_status"), "all"),
		chromedp.Click(chromedp.CSS("#groups summary")),
		chromedp.Click(chromedp.CSS(`input[name=group][value="`+operations+`"]`)))
	admin.click(".filters button[type=submit]")
	query := "group=" + operations + "&user_status=all"
	admin.at("/certificates?" + query)
	admin.see("#groups summary", "Groups: Operations")
	admin.numbers(row, a.want(query))
	admin.downloadIs(a.env.Admin, "/certificates.csv?"+query)

	// a custom field, with the keyboard only
	admin.do(chromedp.Focus(chromedp.ID("field_key")), chromedp.KeyEvent("r"), // the select's option "region"
		chromedp.Focus(chromedp.ID("field_value")), chromedp.KeyEvent("South"),
		chromedp.Focus(chromedp.CSS(".filters button[type=submit]")))
	admin.press(kb.Enter)
	query = "field.region=South&" + query
	admin.at("/certificates?" + query)
	admin.see("#fields", "region is South")
	admin.numbers(row, a.want(query))
	admin.downloadIs(a.env.Admin, "/certificates.csv?"+query)

	admin.click(row + " a.certified")
	admin.at("/certificates/" + forklift + "/certified?" + query)
	admin.see("h1", "Certified learners: Forklift Licence")
	admin.see("table.learners", "Chloe Carter")
	admin.downloadIs(a.env.Admin, "/certificates/"+forklift+"/certified.csv?"+query)

	admin.click(".crumbs a:nth-of-type(2)")
	admin.at("/certificates/" + forklift + "?" + query)
	admin.see("h1", "Forklift Licence")
	admin.see("#certificate-facts", "12 months")
	admin.see("section.chart h2", "Delivered and expiring per month")
	if n, err := chromedp.Run(admin.ctx, chromedp.Evaluate[int](`document.querySelectorAll("svg.chart-svg rect.bar-delivered, svg.chart-svg rect.bar-expiring").length`)); err != nil || n == 0 {
		t.Fatalf("the chart has %d bars (%v)", n, err)
	}
	admin.do(chromedp.Click(chromedp.CSS(".chart-numbers summary")))
	admin.see(".chart-numbers tr.current", "November 2026 (this month)")
	admin.downloadIs(a.env.Admin, "/certificates/"+forklift+"/learners.csv?"+query)

	admin.click(`table.learners a[href*="/learners/` + a.org.Users["Chloe"].ID.String() + `?"]`)
	admin.at("/certificates/" + forklift + "/learners/" + a.org.Users["Chloe"].ID.String() + "?" + query)
	admin.see("h1", "Chloe Carter: Forklift Licence")
	admin.see("table.history tbody tr:nth-child(2)", "Forklift Rolling")
	admin.see("table.history tbody tr:nth-child(2)", "Yes")
	admin.downloadIs(a.env.Admin, "/certificates/"+forklift+"/learners/"+a.org.Users["Chloe"].ID.String()+"/history.csv?"+query)
}

// want is the certificate list's expected numbers of Forklift under the
// filters of a query: "certified enrolled".
func (a *statsAPI) want(query string) string {
	values, _ := url.ParseQuery(query)
	f, err := report.ParseFilter(values, testorg.Zone)
	if err != nil {
		panic(err)
	}
	for _, r := range a.org.Want(testorg.Admin, f) {
		if r.Title == testorg.Forklift {
			return fmt.Sprint(len(r.Certified), " ", len(r.Enrolled))
		}
	}
	return "not listed"
}

// numbers checks a row of the certificate list: its certified and enrolled
// learners.
func (p *person) numbers(row, want string) {
	p.t.Helper()
	certified := strings.Fields(p.text(row + " a.certified"))[0]
	if got := certified + " " + p.text(row+" td.enrolled"); got != want {
		p.t.Fatalf("%s counts %s, want %s", row, got, want)
	}
}

// press types a key and waits for the page it loads.
func (p *person) press(key string) {
	p.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.WaitEvent(cdppage.LoadEventFired, nil, chromedp.KeyEvent(key))); err != nil {
		p.t.Fatalf("press %q: %v", key, err)
	}
}

// downloadIs fetches the page's "Download list as .csv" as the browser
// does (with its cookie) and compares it byte for byte, after its
// byte-order mark, with the API's answer to apiPath (under /api/v1/stats) for a token of the same user.
func (p *person) downloadIs(api *apitest.Client, path string) {
	p.t.Helper()
	href, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.querySelector("a[download]").getAttribute("href")`))
	if err != nil {
		p.t.Fatal(err)
	}
	if got, _ := url.QueryUnescape(href); got != path {
		p.t.Fatalf("the download link is %s, want %s", got, path)
	}
	js := `fetch(document.querySelector("a[download]").href).then(r => r.arrayBuffer()).then(b => {
		let s = ""; for (const c of new Uint8Array(b)) s += String.fromCharCode(c); return btoa(s); })`
	encoded, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatal(err)
	}
	got, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		p.t.Fatal(err)
	}
	want := api.Get("/api/v1/stats" + href)
	// The page's download is the API's CSV after a byte-order mark for Excel.
	if want.Status != 200 || len(got) == 0 || !bytes.Equal(got, append([]byte("\xef\xbb\xbf"), want.Body...)) {
		p.t.Fatalf("the download of %s differs from the API's (%d):\n%q\nwant\n%q", href, want.Status, got, want.Body)
	}
}
