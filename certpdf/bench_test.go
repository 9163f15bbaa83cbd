package certpdf_test

import (
	"io"
	"testing"
	"time"

	"skillpath/certpdf"
)

func BenchmarkWriteLatin(b *testing.B) {
	f := fonts(b)
	doc := certpdf.Document{Paper: certpdf.A4, Created: time.Now(), Certificates: []certpdf.Certificate{{Platform: "Acme Academy", Learner: "Ada Lovelace", Title: "Forklift licence", Path: "Forklift safety", Delivered: "2026-03-01", Expires: "2027-03-01", URL: verifyURL}}}
	for b.Loop() {
		if err := certpdf.Write(io.Discard, doc, f); err != nil {
			b.Fatal(err)
		}
	}
}
