package report_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"skillpath/report"
	"skillpath/status"
)

func TestNeutralise(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"=SUM(A1:A9)", "'=SUM(A1:A9)"},
		{"+33 1 23 45 67 89", "'+33 1 23 45 67 89"},
		{"-2+3", "'-2+3"},
		{"@cmd", "'@cmd"},
		{"\tTab", "'\tTab"},
		{"\rReturn", "'\rReturn"},
		{"Plain", "Plain"},
		{"a=b", "a=b"},
		{"", ""},
		{"'quoted", "'quoted"},
	} {
		if got := report.Neutralise(tt.in); got != tt.want {
			t.Errorf("Neutralise(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWriter(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	delivered := time.Date(2026, 6, 30, 22, 30, 0, 0, time.UTC) // 1 July in Paris
	var b bytes.Buffer
	w, err := report.NewWriter[report.LearnerRow](&b, paris)
	if err != nil {
		t.Fatal(err)
	}
	rows := []report.LearnerRow{
		{Name: `Ann "The Hammer" Lee, Jr.`, Email: "ann@example.com", LatestStatus: status.CertificationExpiringSoon, DeliveredAt: &delivered},
		{Name: "=HYPERLINK(\"http://x\")", Email: "-x@example.com", LatestStatus: status.CertificationNotObtained},
		{Name: "Zoé Ünal\nsecond line", Email: "z@example.com", LatestStatus: status.CertificationExpired},
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "Learner name,Learner email,Latest status,Delivery date,Expiration date\r\n" +
		`"Ann ""The Hammer"" Lee, Jr.",ann@example.com,Expiring soon,2026-07-01,` + "\r\n" +
		`"'=HYPERLINK(""http://x"")",'-x@example.com,Not obtained,,` + "\r\n" +
		"\"Zoé Ünal\r\nsecond line\",z@example.com,Expired,,\r\n" // line breaks in a cell are CRLF too
	if b.String() != want {
		t.Errorf("CSV:\n%q\nwant\n%q", b.String(), want)
	}
}

// A table with no rows is its header; every table's header is SPEC's.
func TestWriterHeaders(t *testing.T) {
	for _, tt := range []struct {
		write func(*bytes.Buffer) error
		want  string
	}{
		{empty[report.CertificateRow], "Title,Owner group,Validity period (months),Certified learners,Enrolled learners,Associated paths,Expiring soon learners,Expired learners\r\n"},
		{empty[report.HistoryRow], "Certification status,Delivery date,Expiration date,Path name,Path session,Path status,Automatic re-enrollment\r\n"},
		{empty[report.PathRow], "Path name\r\n"},
	} {
		var b bytes.Buffer
		if err := tt.write(&b); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("header %q, want %q", b.String(), tt.want)
		}
	}
}

func empty[R report.Row](b *bytes.Buffer) error {
	w, err := report.NewWriter[R](b, time.UTC)
	if err != nil {
		return err
	}
	return w.Flush()
}

func TestHistoryAndCertificateCells(t *testing.T) {
	d := time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC)
	h := report.HistoryRow{CertificationStatus: status.CertificationValid, DeliveredAt: &d, PathName: "P", SessionName: "S",
		PathStatus: status.TrainingStarted, AutoReenrolled: true}
	if got := strings.Join(h.Cells(time.UTC), "|"); got != "Valid|2026-01-31||P|S|In progress|yes" {
		t.Errorf("history cells %q", got)
	}
	months := 12
	c := report.CertificateRow{Title: "T", OwnerGroup: "G", ValidityMonths: &months, CertifiedLearners: 3, EnrolledLearners: 4, AssociatedPaths: 2,
		ExpiringSoonLearners: 1, ExpiredLearners: 0}
	if got := strings.Join(c.Cells(time.UTC), "|"); got != "T|G|12|3|4|2|1|0" {
		t.Errorf("certificate cells %q", got)
	}
	c.ValidityMonths = nil
	if got := c.Cells(time.UTC)[2]; got != "" {
		t.Errorf("no validity: %q", got)
	}
}

// countingWriter counts the writes that reach it.
type countingWriter struct{ writes, bytes int }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes++
	c.bytes += len(p)
	return len(p), nil
}

// Rows go out as they come: the writer keeps a small buffer, not the
// table, so a download of any size streams in constant memory.
func TestWriterStreams(t *testing.T) {
	var out countingWriter
	w, err := report.NewWriter[report.PathRow](&out, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	row := report.PathRow{PathName: strings.Repeat("x", 100)}
	for range 1000 {
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if out.writes < 10 || out.bytes < 90_000 {
		t.Errorf("after 1000 rows of 100 bytes, %d bytes in %d writes reached the output before Flush", out.bytes, out.writes)
	}
}
