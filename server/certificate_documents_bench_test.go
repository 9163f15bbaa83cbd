package server_test

import (
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"skillpath/internal/testdb"
	"skillpath/server"
)

// BenchmarkCertificateDocuments measures SPEC §8 over HTTP on loopback,
// each against a floor measured in the same run. pdf_latin and
// pdf_japanese: a learner downloading their certificate's PDF (pdfs/s),
// against the same learner reading the same enrollment as JSON (GET
// /api/v1/enrollments/{id}). verify_page and verify_json: the public
// verification under a load of 8 concurrent clients (req/s), against GET
// /healthz under the same load. x_floor is how many times longer the
// measured request takes than its floor.
//
//	go test -run '^$' -bench BenchmarkCertificateDocuments ./server
func BenchmarkCertificateDocuments(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			o := newCertOrg(b, dialect, func(s *server.Server) {
				s.Certificates.VerifyLimit = server.RateLimit{Burst: 1 << 30, Every: time.Nanosecond} // the load comes from one address
			})
			if _, err := o.env.Store.CertificateDocuments(b.Context(), mustID(b, o.enrollments[latin])); err != nil {
				b.Fatal(err)
			}
			for _, name := range []string{latin, japanese} {
				label := map[string]string{latin: "pdf_latin", japanese: "pdf_japanese"}[name]
				b.Run(label, func(b *testing.B) {
					c, en := o.learners[name], o.enrollments[name]
					var pdf, floor time.Duration
					for b.Loop() {
						start := time.Now()
						c.Must(200, "GET", "/api/v1/enrollments/"+en, nil, nil)
						floor += time.Since(start)
						start = time.Now()
						o.pdf(b, c, name, "", 200)
						pdf += time.Since(start)
					}
					b.ReportMetric(float64(b.N)/pdf.Seconds(), "pdfs/s")
					b.ReportMetric(float64(b.N)/floor.Seconds(), "floor_req/s")
					b.ReportMetric(pdf.Seconds()/floor.Seconds(), "x_floor")
				})
			}
			code := o.code(b, latin)
			for label, path := range map[string]string{"verify_page": "/verify/" + code, "verify_json": "/api/v1/verify/" + code} {
				b.Run(label, func(b *testing.B) {
					const clients, perBatch = 8, 400
					hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
					defer hc.CloseIdleConnections()
					var target, floor time.Duration
					for b.Loop() {
						floor += load(b, hc, o.env.Server.URL+"/healthz", clients, perBatch)
						target += load(b, hc, o.env.Server.URL+path, clients, perBatch)
					}
					b.ReportMetric(float64(b.N*perBatch)/target.Seconds(), "req/s")
					b.ReportMetric(float64(b.N*perBatch)/floor.Seconds(), "floor_req/s")
					b.ReportMetric(target.Seconds()/floor.Seconds(), "x_floor")
				})
			}
		})
	}
}

// load sends n GETs of url from clients goroutines at once and returns how
// long they took; any answer but 200 fails the benchmark.
func load(b *testing.B, hc *http.Client, url string, clients, n int) time.Duration {
	jobs := make(chan struct{}, n)
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	var wg sync.WaitGroup
	var failed sync.Once
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for range jobs {
				resp, err := hc.Get(url)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						failed.Do(func() { b.Errorf("%s: status %d", url, resp.StatusCode) })
					}
				}
				if err != nil {
					failed.Do(func() { b.Error(err) })
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}
