package server_test

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"skillpath/internal/apitest"
	"skillpath/internal/lrstest"
	"skillpath/internal/testdb"
	"skillpath/lrs"
	"skillpath/netguard"
	"skillpath/secret"
	"skillpath/server"
)

// fixedDNS resolves the test's names; any other name does not resolve.
type fixedDNS map[string]string

func (d fixedDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := d[host]; ok {
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// TestLRSEndpointAddress: by default an endpoint inside the server's own
// network — loopback, link-local, private, or a name resolving there — is
// refused with 400 naming endpoint, and nothing is saved (SPEC §4);
// --lrs-allow-private lets it through.
func TestLRSEndpointAddress(t *testing.T) {
	dns := fixedDNS{"lrs.example.com": "93.184.215.14", "intranet.example.com": "10.20.30.40", "metadata.example.com": "169.254.169.254"}
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := apitest.Start(t, dialect, lrsNow, func(s *server.Server) { s.LRSGuard = netguard.Guard{Resolver: dns} })
		id, author := lrsTraining(t, e)
		path := "/api/v1/trainings/" + id + "/lrs"
		cases := []struct{ endpoint, says string }{
			{"http://127.0.0.1:8080/xapi", "loopback"},
			{"http://localhost/xapi", "loopback"},
			{"http://[::1]/xapi", "loopback"},
			{"http://[::ffff:127.0.0.1]/xapi", "loopback"},
			{"http://169.254.169.254/latest/meta-data", "link-local"},
			{"http://[fe80::1]/xapi", "link-local"},
			{"https://10.0.0.8/xapi", "private"},
			{"https://172.20.1.1/xapi", "private"},
			{"https://192.168.0.10/xapi", "private"},
			{"https://[fd00::8]/xapi", "private"},
			{"https://100.100.100.100/xapi", "carrier-grade NAT"},
			{"http://0.0.0.0/xapi", "unspecified"},
			{"https://intranet.example.com/xapi", "resolves to 10.20.30.40"},
			{"https://metadata.example.com/", "resolves to 169.254.169.254"},
			{"http://2130706433/xapi", "four decimal numbers"},
			{"http://0177.0.0.1/xapi", "four decimal numbers"},
			{"http://0x7f.1/xapi", "four decimal numbers"},
		}
		for _, tc := range cases {
			t.Run(tc.endpoint, func(t *testing.T) {
				r := author.Do("PUT", path, map[string]any{"endpoint": tc.endpoint, "verbs": []string{"started"}})
				if r.Status != 400 || r.Err().Field != "endpoint" || !strings.Contains(r.Err().Message, tc.says) {
					t.Fatalf("%d %s; want 400 naming endpoint, saying %q", r.Status, r.Body, tc.says)
				}
			})
		}
		e.Admin.Must(404, "GET", path, nil, nil) // nothing was saved
		author.Must(200, "PUT", path, map[string]any{"endpoint": "https://lrs.example.com/xapi", "verbs": []string{"started"}}, nil)
		author.Must(200, "PUT", path, map[string]any{"endpoint": "https://lrs-not-in-dns.example.com/xapi", "verbs": []string{"started"}}, nil)
	})
	t.Run("allowed by the operator", func(t *testing.T) {
		e := apitest.Start(t, "sqlite", lrsNow, func(s *server.Server) { s.LRSGuard = netguard.Guard{AllowPrivate: true, Resolver: dns} })
		id, author := lrsTraining(t, e)
		for _, endpoint := range []string{"http://127.0.0.1:8080/xapi", "http://localhost/xapi", "https://intranet.example.com/xapi", "https://[fd00::8]/xapi"} {
			author.Must(200, "PUT", "/api/v1/trainings/"+id+"/lrs", map[string]any{"endpoint": endpoint, "verbs": []string{}}, nil)
		}
		r := author.Do("PUT", "/api/v1/trainings/"+id+"/lrs", map[string]any{"endpoint": "http://2130706433/xapi", "verbs": []string{}})
		if r.Status != 400 || r.Err().Field != "endpoint" {
			t.Fatalf("an ambiguous address form: %d %s", r.Status, r.Body)
		}
	})
}

// TestLRSPasswordBoundToEndpoint: an author who moves the endpoint to a
// host of their own without giving the password cannot get the customer's
// password sent there: the stored password is dropped (SPEC §4).
func TestLRSPasswordBoundToEndpoint(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := apitest.Start(t, dialect, lrsNow, func(s *server.Server) { s.Store.Secrets = secret.DerivedKey("api tests") })
		customer, own := lrstest.Start(t), lrstest.Start(t)
		const password = "customer-Pa55word"
		customer.RequireAuth("lap", password)
		id, author := lrsTraining(t, e)
		path := "/api/v1/trainings/" + id + "/lrs"
		var v lrsView
		e.Admin.Must(200, "PUT", path, map[string]any{"endpoint": customer.URL, "login": "lap", "password": password, "verbs": []string{"started"}}, nil)
		e.Admin.Must(200, "POST", "/api/v1/trainings/"+id+"/publish", nil, nil)

		// A trailing slash is the same endpoint: the password stays.
		author.Must(200, "PUT", path, map[string]any{"endpoint": customer.URL + "/", "login": "lap", "verbs": []string{"started"}}, &v)
		if !v.PasswordSet {
			t.Fatalf("adding a trailing slash dropped the password: %+v", v)
		}
		// Another endpoint without the password: dropped, login kept.
		author.Must(200, "PUT", path, map[string]any{"endpoint": own.URL, "login": "lap", "verbs": []string{"started"}}, &v)
		if v.PasswordSet || v.Login != "lap" || v.Live == nil || !v.Live.PasswordSet {
			t.Fatalf("moving the endpoint: %+v", v)
		}
		// Moving it back does not bring the password back.
		author.Must(200, "PUT", path, map[string]any{"endpoint": customer.URL, "login": "lap", "verbs": []string{"started"}}, &v)
		if v.PasswordSet {
			t.Fatalf("moving the endpoint back restored the password: %+v", v)
		}
		author.Must(200, "PUT", path, map[string]any{"endpoint": own.URL, "login": "lap", "verbs": []string{"started"}}, &v)
		author.Must(200, "POST", "/api/v1/trainings/"+id+"/publish", nil, nil)

		var sess, u, enr ids
		e.Admin.Must(201, "POST", "/api/v1/trainings/"+id+"/sessions", map[string]any{"name": "S", "starts_at": "2026-01-01T00:00:00Z"}, &sess)
		e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "lee@example.com", "name": "Lee"}, &u)
		e.Admin.Must(201, "POST", "/api/v1/sessions/"+sess.ID+"/enrollments", map[string]any{"user_id": u.ID}, &enr)
		e.As(idOf(t, u.ID)).Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/start", nil, nil)
		deliverAll(t, e, own, 1)
		for _, req := range own.Requests() {
			if req.Password != "" {
				t.Fatalf("the author's LRS received the password %q", req.Password)
			}
		}

		// Given again with the new endpoint, the password is kept.
		e.Admin.Must(200, "PUT", path, map[string]any{"endpoint": customer.URL + "/statements", "login": "lap", "password": password, "verbs": []string{"started"}}, &v)
		if !v.PasswordSet {
			t.Fatalf("a password given with the endpoint: %+v", v)
		}
	})
}

// deliverAll runs delivery rounds until the LRS holds n statements.
func deliverAll(t *testing.T, e *apitest.Env, stand *lrstest.LRS, n int) {
	t.Helper()
	w := &lrs.Worker{Store: e.Store, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}
	for deadline := time.Now().Add(10 * time.Second); len(stand.Stored()) < n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the LRS holds %d statements, want %d; requests %+v", len(stand.Stored()), n, stand.Requests())
		}
		if _, err := w.DeliverOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}
