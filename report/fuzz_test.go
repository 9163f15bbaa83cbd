package report_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"skillpath"
	"skillpath/report"
)

// FuzzParseFilter reads arbitrary query strings as statistics filters: no
// panic; a refusal is EINVALID naming the parameter; an accepted filter
// holds within the limits — distinct, valid group ids, at most
// MaxFilterGroups of them, distinct non-empty values per field, days
// within the accepted range and in order.
func FuzzParseFilter(f *testing.F) {
	for _, seed := range []string{
		"",
		"registered_from=2026-03-29&registered_to=2026-03-29&group=3,1&group=3&field.region=North&field.region=South&user_status=deleted",
		"group=1,,2,%20,abc",
		"group=" + strings.Repeat("1,", 2000),
		"registered_from=0001-01-01&registered_to=9999-12-31",
		"registered_from=2026-03-02&registered_to=2026-03-01",
		"field.a%3Db=x&field.=y&field.k=&user_status=ghost",
		"group=9223372036854775807,9223372036854775808,-1,0,007",
	} {
		f.Add(seed)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		fl, err := report.ParseFilter(q, paris)
		if err != nil {
			var e *skillpath.Error
			if !errors.As(err, &e) || e.Code != skillpath.EINVALID || e.Field == "" || !strings.HasPrefix(e.Message, e.Field+": ") {
				t.Fatalf("refusal %#v does not name a parameter", err)
			}
			return
		}
		if len(fl.GroupIDs) > report.MaxFilterGroups {
			t.Fatalf("%d groups", len(fl.GroupIDs))
		}
		seen := map[skillpath.ID]bool{}
		for _, id := range fl.GroupIDs {
			if id <= 0 || seen[id] {
				t.Fatalf("group ids %v: not distinct positive ids", fl.GroupIDs)
			}
			seen[id] = true
		}
		if len(fl.Fields) > report.MaxFilterFields {
			t.Fatalf("%d fields", len(fl.Fields))
		}
		for k, values := range fl.Fields {
			if !skillpath.ValidFieldKey(k) || len(values) == 0 || len(values) > report.MaxFieldValues {
				t.Fatalf("field %q: %d values", k, len(values))
			}
			for i, v := range values {
				if v == "" || slices.Index(values, v) != i {
					t.Fatalf("field %q: values %q not distinct and non-empty", k, values)
				}
			}
		}
		for _, d := range []*time.Time{fl.RegisteredFrom, fl.RegisteredBefore} {
			if d != nil && (d.Before(skillpath.MinTime.AddDate(0, 0, -1)) || d.After(skillpath.MaxTime.AddDate(0, 0, 2))) {
				t.Fatalf("day %v out of range", d)
			}
		}
		if fl.RegisteredFrom != nil && fl.RegisteredBefore != nil && !fl.RegisteredBefore.After(*fl.RegisteredFrom) {
			t.Fatalf("days reversed: %v, %v", fl.RegisteredFrom, fl.RegisteredBefore)
		}
		switch fl.UserStatus {
		case report.UsersActive, report.UsersDeleted, report.UsersAll:
		default:
			t.Fatalf("user status %q", fl.UserStatus)
		}
	})
}

// FuzzCSVWriter writes rows of arbitrary text and reads the download back
// with encoding/csv: the same number of records and cells, each cell the
// text written (formula-guarded, line breaks as "\n"), and no cell that a
// spreadsheet would take for a formula.
func FuzzCSVWriter(f *testing.F) {
	for _, seed := range [][2]string{
		{"Forklift", "Warehouse"},
		{`Ann "The Hammer" Lee, Jr.`, "=HYPERLINK(\"http://x\")"},
		{"line\r\nbreak", "lone\rreturn"},
		{"\rstarts", "\tTab"},
		{"-2+3", "@cmd"},
		{"", "\n"},
		{"\"", ","},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) || strings.ContainsRune(a+b, 0) {
			return // the API refuses such text before it is stored
		}
		var buf bytes.Buffer
		w, err := report.NewWriter[report.CertificateRow](&buf, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		months := 12
		rows := []report.CertificateRow{{Title: a, OwnerGroup: b, ValidityMonths: &months}, {Title: b, OwnerGroup: a}}
		for _, r := range rows {
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		records, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
		if err != nil {
			t.Fatalf("the download does not parse: %v\n%q", err, buf.String())
		}
		if len(records) != 1+len(rows) {
			t.Fatalf("%d records, want %d: %q", len(records), 1+len(rows), buf.String())
		}
		if !slices.Equal(records[0], report.CertificateRow{}.Header()) {
			t.Fatalf("header %q", records[0])
		}
		for i, r := range rows {
			want := r.Cells(time.UTC)
			for j := range want {
				want[j] = strings.ReplaceAll(report.Neutralise(want[j]), "\r\n", "\n")
				want[j] = strings.ReplaceAll(want[j], "\r", "\n")
			}
			if !slices.Equal(records[i+1], want) {
				t.Fatalf("row %d read back as %q, want %q", i, records[i+1], want)
			}
			for _, c := range records[i+1] {
				if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
					t.Fatalf("cell %q would be read as a formula", c)
				}
			}
		}
	})
}
