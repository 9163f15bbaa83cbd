package server_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"testing"

	"github.com/klauspost/compress/zstd"

	"skillpath/internal/testdb"
	"skillpath/internal/testorg"
)

// Pages, JSON and CSV are compressed as the client's Accept-Encoding
// allows — zstd when offered, else gzip, nothing when neither is — and
// decompress to the very bytes of the plain answer. Bodies under 1 KiB
// go plain.
func TestCompressedResponses(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newStatsAPI(t, dialect)
		web := a.web(t, testorg.Admin)
		forklift := "/certificates/" + a.cert(testorg.Forklift)
		get := func(path, encoding string) (http.Header, []byte) {
			t.Helper()
			if path[1:4] == "api" {
				r := a.as(testorg.Admin).Get(path, "Accept-Encoding", encoding)
				if r.Status != 200 {
					t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
				}
				return r.Header, r.Body
			}
			p := web.do(http.MethodGet, path, nil, "Accept-Encoding", encoding)
			if p.Status != 200 {
				t.Fatalf("GET %s: %d", path, p.Status)
			}
			return p.Header, []byte(p.Body)
		}
		for _, path := range []string{"/certificates", forklift, "/api/v1/stats/certificates?user_status=all",
			"/api/v1/stats" + forklift + "/learners.csv", "/certificates.csv"} {
			_, plain := get(path, "identity")
			for _, tt := range []struct{ accept, want string }{
				{"gzip", "gzip"},
				{"zstd", "zstd"},
				{"gzip, deflate, br, zstd", "zstd"},
				{"identity", ""},
				{"", ""},
			} {
				h, body := get(path, tt.accept)
				if len(plain) < 1024 {
					tt.want = ""
				}
				if got := h.Get("Content-Encoding"); got != tt.want {
					t.Errorf("GET %s, Accept-Encoding %q: Content-Encoding %q, want %q", path, tt.accept, got, tt.want)
					continue
				}
				if tt.want != "" && len(body) >= len(plain) {
					t.Errorf("GET %s, %s: %d bytes, %d plain", path, tt.want, len(body), len(plain))
				}
				if got := decode(t, tt.want, body); !bytes.Equal(got, plain) {
					t.Errorf("GET %s, %s: decompresses to %d bytes that differ from the plain %d", path, tt.want, len(got), len(plain))
				}
				if v := h.Values("Vary"); tt.want != "" && !contains(v, "Accept-Encoding") {
					t.Errorf("GET %s, %s: Vary %q lacks Accept-Encoding", path, tt.want, v)
				}
			}
		}
	})
}

func contains(values []string, v string) bool {
	for _, x := range values {
		if x == v {
			return true
		}
	}
	return false
}

func decode(t *testing.T, encoding string, body []byte) []byte {
	t.Helper()
	var r io.Reader = bytes.NewReader(body)
	switch encoding {
	case "gzip":
		g, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = g
	case "zstd":
		z, err := zstd.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		defer z.Close()
		r = z
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
