package certpdf_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"skillpath/certpdf"
	"skillpath/internal/pdftest"
)

func fonts(t testing.TB) *certpdf.Fonts {
	t.Helper()
	f, err := certpdf.LoadFonts("")
	if err != nil {
		t.Fatalf("%v (.ci/run installs the font packages)", err)
	}
	return f
}

const verifyURL = "https://learn.example.com/verify/0123456789abcdef0123456789abcdef"

// TestWrite: every line of a certificate reads back from the PDF, in
// Latin, Greek and Japanese; the QR code reads as the verification URL;
// the paper is A4 or Letter, landscape.
func TestWrite(t *testing.T) {
	f := fonts(t)
	cases := []struct {
		name     string
		paper    certpdf.Paper
		cert     certpdf.Certificate
		want     []string
		pageSize string
	}{
		{"Greek on A4", certpdf.A4,
			certpdf.Certificate{Platform: "Acme Academy", Learner: "Αλέξανδρος Παπαδόπουλος", Title: "Forklift licence", Path: "Forklift safety",
				Delivered: "2026-03-01", Expires: "2027-03-01", URL: verifyURL},
			[]string{"Acme Academy", "Αλέξανδρος Παπαδόπουλος", "Forklift licence", "Forklift safety", "Delivered on 2026-03-01", "Expires on 2027-03-01", verifyURL},
			"841.89 x 595.28 pts (A4)"},
		{"Japanese on Letter, never expiring", certpdf.Letter,
			certpdf.Certificate{Platform: "Acme", Learner: "山田 花子", Title: "安全講習 Level 2", Path: "Safety",
				Delivered: "2026-03-01", URL: verifyURL},
			[]string{"山田 花子", "安全講習 Level 2", "Delivered on 2026-03-01", "Does not expire", verifyURL},
			"792 x 612 pts (letter)"},
		{"characters beyond 16 bits (emoji, rare ideographs) in every field", certpdf.A4,
			certpdf.Certificate{Platform: "Acme 🎓 Academy", Learner: "Ann 😀 𠀋", Title: "Data Protection 🔒", Path: "Privacy 🔐",
				Delivered: "2026-03-01", URL: verifyURL},
			[]string{"Acme", "Academy", "Ann", "Data Protection", "Privacy", verifyURL},
			"(A4)"},
		{"a very long title wraps", certpdf.A4,
			certpdf.Certificate{Platform: "Acme", Learner: "Ada", Title: strings.Repeat("Confined spaces ", 14) + "end", Path: "Work at height",
				Delivered: "2026-03-01", URL: verifyURL},
			[]string{"Confined spaces", "end", "Ada"},
			"(A4)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			doc := certpdf.Document{Paper: c.paper, Created: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), Certificates: []certpdf.Certificate{c.cert}}
			if err := certpdf.Write(&buf, doc, f); err != nil {
				t.Fatal(err)
			}
			text := strings.Join(strings.Fields(pdftest.Text(t, buf.Bytes())), " ")
			for _, w := range c.want {
				if !strings.Contains(text, strings.Join(strings.Fields(w), " ")) {
					t.Errorf("the PDF's text lacks %q:\n%s", w, text)
				}
			}
			if info := pdftest.Info(t, buf.Bytes()); !strings.Contains(info, c.pageSize) {
				t.Errorf("page size: want %q in\n%s", c.pageSize, info)
			}
			if got := pdftest.QR(t, buf.Bytes()); got != verifyURL {
				t.Errorf("QR code reads %q, want %q", got, verifyURL)
			}
		})
	}
}

func TestParsePaper(t *testing.T) {
	for in, want := range map[string]certpdf.Paper{"a4": certpdf.A4, "A4": certpdf.A4, "letter": certpdf.Letter, " Letter ": certpdf.Letter} {
		if got, err := certpdf.ParsePaper(in); err != nil || got != want {
			t.Errorf("ParsePaper(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "a3", "legal"} {
		if _, err := certpdf.ParsePaper(in); err == nil || !strings.Contains(err.Error(), "a4 or letter") {
			t.Errorf("ParsePaper(%q) = %v, want an error naming a4 and letter", in, err)
		}
	}
}
