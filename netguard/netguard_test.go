package netguard_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"skillpath/netguard"
)

// names is a fixed DNS for the tests: what each name resolves to.
type names map[string][]string

func (n names) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	list, ok := n[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, s := range list {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

var dns = names{
	"lrs.example.com":      {"93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"},
	"rebind.example.com":   {"93.184.215.14", "10.1.2.3"},
	"metadata.example.com": {"169.254.169.254"},
	"ula.example.com":      {"fd12:3456:789a::1"},
	"mapped.example.com":   {"::ffff:192.168.1.1"},
	"cgnat.example.com":    {"100.64.0.7"},
}

// TestCheckHost is the table of SPEC §4's address rule: what an endpoint's
// host may be when it is saved, by default and with --lrs-allow-private.
func TestCheckHost(t *testing.T) {
	cases := []struct {
		host                 string
		refused              string // part of the error by default, "" when allowed
		refusedEvenIfAllowed bool
	}{
		{"lrs.example.com", "", false},
		{"LRS.Example.COM.", "", false},
		{"not-in-dns.example.com", "", false}, // checked again at connect time
		{"93.184.215.14", "", false},
		{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", "", false},
		{"127.0.0.1", "loopback", false},
		{"127.8.9.10", "loopback", false},
		{"::1", "loopback", false},
		{"localhost", "loopback", false},
		{"LocalHost.", "loopback", false},
		{"lrs.localhost", "loopback", false},
		{"0.0.0.0", "unspecified", false},
		{"::", "unspecified", false},
		{"10.0.0.5", "private", false},
		{"172.16.0.1", "private", false},
		{"172.31.255.255", "private", false},
		{"192.168.1.1", "private", false},
		{"100.64.0.1", "carrier-grade NAT", false},
		{"192.0.0.1", "IETF protocol assignment", false},
		{"192.0.2.10", "documentation", false},
		{"198.18.0.1", "benchmarking", false},
		{"198.19.255.254", "benchmarking", false},
		{"198.51.100.7", "documentation", false},
		{"203.0.113.9", "documentation", false},
		{"192.88.99.1", "6to4 relay", false},
		{"2001:db8::1", "documentation", false},
		{"100::1", "discard-only", false},
		{"169.254.169.254", "link-local", false},
		{"fe80::1", "link-local", false},
		{"fe80::1%eth0", "link-local", false},
		{"fd00::1", "private", false},
		{"fc00::1", "private", false},
		{"::ffff:127.0.0.1", "loopback", false},
		{"::ffff:10.0.0.1", "private", false},
		{"::127.0.0.1", "loopback", false},
		{"64:ff9b::a00:1", "private", false},
		{"2002:c0a8:101::1", "private", false},
		{"224.0.0.1", "multicast", false},
		{"ff02::1", "multicast", false},
		{"rebind.example.com", "resolves to 10.1.2.3", false},
		{"metadata.example.com", "link-local", false},
		{"ula.example.com", "private", false},
		{"mapped.example.com", "resolves to 192.168.1.1", false},
		{"cgnat.example.com", "carrier-grade NAT", false},
		// Forms that resolvers read as IPv4 differently: refused always.
		{"2130706433", "four decimal numbers", true},
		{"0177.0.0.1", "four decimal numbers", true},
		{"0x7f000001", "four decimal numbers", true},
		{"0x7f.0.0.1", "four decimal numbers", true},
		{"127.1", "four decimal numbers", true},
		{"10.1", "four decimal numbers", true},
	}
	ctx := context.Background()
	for _, tc := range cases {
		t.Run(tc.host, func(t *testing.T) {
			err := netguard.Guard{Resolver: dns}.CheckHost(ctx, tc.host)
			switch {
			case tc.refused == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.refused != "" && (err == nil || !strings.Contains(err.Error(), tc.refused)):
				t.Errorf("error %v, want one saying %q", err, tc.refused)
			}
			if tc.refused != "" && !tc.refusedEvenIfAllowed && !errors.Is(err, netguard.ErrForbidden) {
				t.Errorf("%v does not wrap ErrForbidden", err)
			}
			allowed := netguard.Guard{AllowPrivate: true, Resolver: dns}.CheckHost(ctx, tc.host)
			if tc.refusedEvenIfAllowed != (allowed != nil) {
				t.Errorf("with AllowPrivate: %v", allowed)
			}
		})
	}
}

// TestConnectTimeCheck: a connection to a private address is refused when
// it is made, whatever the name said when the endpoint was saved (DNS
// rebinding), and let through with AllowPrivate.
func TestConnectTimeCheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	_, port, _ := net.SplitHostPort(u.Host)
	for _, target := range []string{srv.URL, "http://localhost:" + port, "http://[::ffff:127.0.0.1]:" + port} {
		strict := &http.Client{Transport: netguard.Guard{}.Transport(time.Second), Timeout: 5 * time.Second}
		resp, err := strict.Get(target)
		if err == nil {
			resp.Body.Close()
			t.Errorf("GET %s went through the strict guard: %s", target, resp.Status)
		} else if !errors.Is(err, netguard.ErrForbidden) {
			t.Errorf("GET %s: %v, want ErrForbidden", target, err)
		}
	}
	allowing := &http.Client{Transport: netguard.Guard{AllowPrivate: true}.Transport(time.Second), Timeout: 5 * time.Second}
	resp, err := allowing.Get(srv.URL)
	if err != nil {
		t.Fatalf("with AllowPrivate: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("with AllowPrivate: %s", resp.Status)
	}
}

func TestControlPublicAddress(t *testing.T) {
	g := netguard.Guard{}
	for _, addr := range []string{"93.184.215.14:443", "[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:443"} {
		if err := g.Control("tcp", addr, nil); err != nil {
			t.Errorf("Control(%s): %v", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:80", "[::1]:80", "[fe80::1%eth0]:80", "169.254.169.254:80", "[::ffff:10.0.0.1]:443"} {
		if err := g.Control("tcp", addr, nil); !errors.Is(err, netguard.ErrForbidden) {
			t.Errorf("Control(%s): %v, want ErrForbidden", addr, err)
		}
	}
}
