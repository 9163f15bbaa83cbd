package server_test

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"skillpath/internal/testdb"
	"skillpath/internal/testorg"
)

// excelRead decodes a CSV file the way Excel on Windows opens it with a
// double click: UTF-8 when it starts with the byte-order mark, otherwise
// the ANSI code page, Windows-1252 in western Europe and America.
func excelRead(b []byte) string {
	if rest, ok := bytes.CutPrefix(b, []byte("\xef\xbb\xbf")); ok && utf8.Valid(rest) {
		return string(rest)
	}
	var s strings.Builder
	for _, c := range b {
		if c >= 0x80 && c < 0xa0 {
			s.WriteRune(cp1252[c-0x80])
		} else {
			s.WriteRune(rune(c)) // Windows-1252 is Latin-1 elsewhere
		}
	}
	return s.String()
}

// cp1252 is Windows-1252 from 0x80 to 0x9F (U+FFFD where it has nothing).
var cp1252 = [32]rune{'€', '\ufffd', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\ufffd', 'Ž', '\ufffd',
	'\ufffd', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\ufffd', 'ž', 'Ÿ'}

// TestWebCSVOpensInExcel: a learner named Émilie reads as Émilie when an
// admin opens the page's download in Excel, while the API's CSV stays
// without a mark, as scripts expect — the very bytes Excel would show as
// "Ã‰milie" (issue 14's decision, docs/DECISIONS.md).
func TestWebCSVOpensInExcel(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newStatsAPI(t, dialect)
		chloe := a.org.Users["Chloe"].ID.String()
		a.env.Admin.Must(200, "PATCH", "/api/v1/users/"+chloe, map[string]any{"name": "Émilie Chloé"}, nil)
		path := "/certificates/" + a.cert(testorg.Forklift) + "/learners.csv?user_status=all"
		page := a.web(t, testorg.Admin).get(path)
		api := a.env.Admin.Get("/api/v1/stats" + path)
		if !strings.HasPrefix(page.Body, "\ufeff") || page.Body[len("\ufeff"):] != string(api.Body) {
			t.Fatalf("the page's download is not the API's CSV after a byte-order mark")
		}
		if bytes.HasPrefix(api.Body, []byte("\xef\xbb\xbf")) {
			t.Error("the API's CSV starts with a byte-order mark")
		}
		if got := excelRead([]byte(page.Body)); !strings.Contains(got, "Émilie Chloé") || strings.HasPrefix(got, "\ufeff") {
			t.Errorf("Excel reads the page's download as %q", got)
		}
		if got := excelRead(api.Body); !strings.Contains(got, "Ã‰milie ChloÃ©") {
			t.Errorf("Excel would read the API's CSV as %q: the test's reader is wrong", got)
		}
		if ct := page.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
	})
}
