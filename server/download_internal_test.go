package server

import (
	"mime"
	"testing"
)

func TestAttachmentDisposition(t *testing.T) {
	for _, c := range []struct{ name, want, parsed string }{
		{"path-certificates-2026-11-22.csv", `attachment; filename="path-certificates-2026-11-22.csv"`, "path-certificates-2026-11-22.csv"},
		{"Forklift Licence - learners - 2026-11-22.csv", `attachment; filename="Forklift Licence - learners - 2026-11-22.csv"`, "Forklift Licence - learners - 2026-11-22.csv"},
		{"Sécurité / incendie.csv", `attachment; filename="S_curit_ - incendie.csv"; filename*=UTF-8''S%C3%A9curit%C3%A9%20-%20incendie.csv`, "Sécurité - incendie.csv"},
		{"A \"quoted\"\r\nname.csv", `attachment; filename="A 'quoted'name.csv"; filename*=UTF-8''A%20%22quoted%22name.csv`, `A "quoted"name.csv`},
	} {
		got := attachmentDisposition(c.name)
		if got != c.want {
			t.Errorf("attachmentDisposition(%q) = %s, want %s", c.name, got, c.want)
		}
		// What a client reads: filename* wins when present (RFC 6266 §4.3).
		if _, params, err := mime.ParseMediaType(got); err != nil || params["filename"] != c.parsed {
			t.Errorf("%s parses as %q (%v), want %q", got, params["filename"], err, c.parsed)
		}
	}
}
