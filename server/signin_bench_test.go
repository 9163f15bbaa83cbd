package server_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"skillpath/internal/apitest"
	"skillpath/server"
)

// procStatusKB reads one field of /proc/self/status, in KiB.
func procStatusKB(tb testing.TB, field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		tb.Skipf("no /proc/self/status: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	tb.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// BenchmarkConcurrentSignIns sends 200 sign-ins at once with made-up emails
// from 200 addresses (behind a trusted proxy, so no throttle stops them
// before their password is checked), each of which costs an argon2id hash
// of 19 MiB. It reports the peak growth of the resident memory (must stay
// under 200 MB; without a bound on concurrent hashing it reached 3.1 GB) as
// a ratio to its floor — the memory of the hashes that may run at once,
// GOMAXPROCS × 19 MiB — and the slowest /healthz answer during the burst
// as a ratio to an idle one measured just before. Every sign-in must be
// answered 401 or 503 with Retry-After, and /healthz 200 throughout.
func BenchmarkConcurrentSignIns(b *testing.B) {
	e := apitest.Start(b, "sqlite", time.Time{}, func(s *server.Server) { s.TrustProxy = true })
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 300}}
	health := func() (time.Duration, error) {
		start := time.Now()
		resp, err := client.Get(e.Server.URL + "/healthz")
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return 0, fmt.Errorf("/healthz: %d", resp.StatusCode)
		}
		return time.Since(start), nil
	}
	var idle []time.Duration
	for range 21 {
		d, err := health()
		if err != nil {
			b.Fatal(err)
		}
		idle = append(idle, d)
	}
	slices.Sort(idle)
	idleHealth := idle[len(idle)/2]
	floorMB := float64(runtime.GOMAXPROCS(0)) * 19 * 1.048576

	// The resident memory before the first burst is the base: Go keeps
	// freed memory a while, so later bursts start higher; the peak is over
	// every burst.
	runtime.GC()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets VmHWM where allowed
	baseKB := procStatusKB(b, "VmRSS")
	var peakKB atomic.Int64
	peakKB.Store(baseKB)
	for i := 0; b.Loop(); i++ {
		stop := make(chan struct{})
		var watchers sync.WaitGroup
		var worstHealth atomic.Int64
		var healthErr atomic.Value
		watchers.Go(func() { // resident memory, sampled
			for {
				select {
				case <-stop:
					return
				case <-time.After(2 * time.Millisecond):
				}
				if kb := procStatusKB(b, "VmRSS"); kb > peakKB.Load() {
					peakKB.Store(kb)
				}
			}
		})
		watchers.Go(func() { // /healthz, throughout
			for {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
				d, err := health()
				if err != nil {
					healthErr.Store(err)
					return
				}
				if int64(d) > worstHealth.Load() {
					worstHealth.Store(int64(d))
				}
			}
		})
		var mu sync.Mutex
		statuses := map[int]int{}
		var signIns sync.WaitGroup
		start := time.Now()
		for j := range 200 {
			signIns.Go(func() {
				body := fmt.Sprintf(`{"email":"made-up-%d-%d@example.com","password":"some-password"}`, i, j)
				req, _ := http.NewRequest("POST", e.Server.URL+"/api/v1/tokens", bytes.NewReader([]byte(body)))
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", i%250, j/250, j%250))
				resp, err := client.Do(req)
				status := 0
				if err == nil {
					status = resp.StatusCode
					if status == 503 && resp.Header.Get("Retry-After") == "" {
						status = -503
					}
					resp.Body.Close()
				}
				mu.Lock()
				statuses[status]++
				mu.Unlock()
			})
		}
		signIns.Wait()
		burst := time.Since(start)
		close(stop)
		watchers.Wait()
		if hwm := procStatusKB(b, "VmHWM"); hwm > peakKB.Load() {
			peakKB.Store(hwm)
		}
		growthMB := float64(peakKB.Load()-baseKB) / 1024
		b.ReportMetric(growthMB, "rss-growth-MB")
		b.ReportMetric(growthMB/floorMB, "rss-growth/floor")
		b.ReportMetric(float64(worstHealth.Load())/float64(idleHealth), "healthz-worst/idle")
		b.Logf("200 sign-ins in %v: %v; peak RSS %.0f MB → +%.1f MB (floor %d cores × 19 MiB = %.1f MB, ratio %.2f; limit 200 MB); /healthz idle %v, worst during the burst %v (ratio %.1f)",
			burst.Round(time.Millisecond), statuses, float64(baseKB)/1024, growthMB, runtime.GOMAXPROCS(0), floorMB, growthMB/floorMB,
			idleHealth.Round(time.Microsecond), time.Duration(worstHealth.Load()).Round(time.Microsecond), float64(worstHealth.Load())/float64(idleHealth))
		if err, _ := healthErr.Load().(error); err != nil {
			b.Fatalf("/healthz failed during the burst: %v", err)
		}
		if statuses[401]+statuses[503] != 200 {
			b.Fatalf("answers %v: want only 401, or 503 with Retry-After", statuses)
		}
		if growthMB >= 200 {
			b.Fatalf("peak resident memory grew by %.0f MB, limit 200 MB", growthMB)
		}
	}
}
