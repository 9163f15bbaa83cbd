// Package netguard keeps the server from calling, on an author's behalf,
// addresses inside its own network (SPEC §4: LRS endpoints on loopback,
// link-local and private addresses are refused unless the operator allows
// them). It checks an endpoint's host when the endpoint is saved, and every
// connection when it is made, so a name that resolved to a public address
// when saved and to a private one later (DNS rebinding) is still refused.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// Guard decides which addresses may be called. The zero Guard refuses
// private addresses and resolves names with the system resolver.
type Guard struct {
	// AllowPrivate lets every address through (--lrs-allow-private): for
	// an LRS inside the operator's own network, and for tests on loopback.
	AllowPrivate bool
	// Resolver looks names up when an endpoint is saved; nil uses
	// net.DefaultResolver. Tests give a fixed table.
	Resolver Resolver
}

// Resolver looks up a host name's addresses, as *net.Resolver does.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// ErrForbidden is the error of a refused address, wrapped with the
// address and the reason.
var ErrForbidden = errors.New("address not allowed")

// lookupTimeout bounds the name lookup of CheckHost: a name that does not
// resolve in time is let through to the check made at connect time.
const lookupTimeout = 3 * time.Second

// CheckHost checks the host of an endpoint URL (as url.URL.Hostname gives
// it: a name, an IPv4 address or an IPv6 address without brackets) before
// it is saved. An address literal must be written canonically (four
// decimal numbers for IPv4: 2130706433, 0177.0.0.1 or 127.1 are refused
// whatever AllowPrivate says, since resolvers read them differently); then,
// unless AllowPrivate, a private address, the name localhost and a name
// that resolves to a private address are refused. A name that does not
// resolve now is accepted: connections are checked again by Control.
// Returns an error wrapping ErrForbidden, or describing the bad form.
func (g Guard) CheckHost(ctx context.Context, host string) error {
	name := strings.TrimSuffix(strings.ToLower(host), ".")
	if addr, err := netip.ParseAddr(name); err == nil {
		return g.check(addr, host)
	}
	if numericHost(name) {
		return fmt.Errorf("%q is not a host name nor an IP address written as four decimal numbers (such as 192.0.2.10)", host)
	}
	if g.AllowPrivate {
		return nil
	}
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return fmt.Errorf("%s: %w: %q names this server (loopback)", host, ErrForbidden, host)
	}
	var r Resolver = net.DefaultResolver
	if g.Resolver != nil {
		r = g.Resolver
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	addrs, err := r.LookupNetIP(ctx, "ip", name)
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if reason := Reason(a); reason != "" {
			return fmt.Errorf("%s resolves to %s: %w: %s", host, a.Unmap(), ErrForbidden, reason)
		}
	}
	return nil
}

func (g Guard) check(addr netip.Addr, host string) error {
	if g.AllowPrivate {
		return nil
	}
	if reason := Reason(addr); reason != "" {
		return fmt.Errorf("%s: %w: %s", host, ErrForbidden, reason)
	}
	return nil
}

// numericHost reports whether a host that is not an IP address would still
// be read as an IPv4 address by some resolver or URL parser: its last label
// is a number (decimal, octal or 0x-hex), as in 2130706433 or 127.1.
func numericHost(name string) bool {
	last := name[strings.LastIndexByte(name, '.')+1:]
	if last == "" {
		return false
	}
	if strings.HasPrefix(last, "0x") {
		last = last[2:]
		return strings.Trim(last, "0123456789abcdef") == ""
	}
	return strings.Trim(last, "0123456789") == ""
}

// Control is a net.Dialer Control function: it refuses, before connecting,
// an address that CheckHost would refuse. It sees the address actually
// dialled, after every lookup, so a name re-pointed to a private address
// after it was saved (DNS rebinding) is still refused.
func (g Guard) Control(network, address string, _ syscall.RawConn) error {
	if g.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("netguard: %s %q: %w", network, address, err)
	}
	if reason := Reason(ap.Addr()); reason != "" {
		return fmt.Errorf("connect to %s: %w: %s (set --lrs-allow-private to allow it)", ap.Addr().Unmap(), ErrForbidden, reason)
	}
	return nil
}

// Dialer returns a dialer that refuses what Control refuses, giving up a
// connection attempt after connectTimeout.
func (g Guard) Dialer(connectTimeout time.Duration) *net.Dialer {
	return &net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second, Control: g.Control}
}

// Transport returns an HTTP transport that dials through Dialer and uses no
// proxy: a proxy would make the connection, out of the guard's sight.
func (g Guard) Transport(connectTimeout time.Duration) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DialContext = g.Dialer(connectTimeout).DialContext
	return t
}

// forbidden are the ranges no LRS endpoint may be in by default, with the
// reason shown to the author.
var forbidden = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "an unspecified address (this host)"},
	{netip.MustParsePrefix("10.0.0.0/8"), "a private address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a shared address (carrier-grade NAT)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "a loopback address"},
	{netip.MustParsePrefix("169.254.0.0/16"), "a link-local address"},
	{netip.MustParsePrefix("172.16.0.0/12"), "a private address"},
	{netip.MustParsePrefix("192.168.0.0/16"), "a private address"},
	// The rest of the IANA IPv4 special-purpose registry that is not
	// globally reachable (RFC 6890 and its updates).
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol assignment address"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address (TEST-NET-1)"},
	{netip.MustParsePrefix("192.88.99.0/24"), "a deprecated 6to4 relay address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address (TEST-NET-2)"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address (TEST-NET-3)"},
	{netip.MustParsePrefix("224.0.0.0/4"), "a multicast address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
	{netip.MustParsePrefix("::/128"), "an unspecified address (this host)"},
	{netip.MustParsePrefix("::1/128"), "a loopback address"},
	{netip.MustParsePrefix("fc00::/7"), "a private address (unique local)"},
	{netip.MustParsePrefix("fe80::/10"), "a link-local address"},
	{netip.MustParsePrefix("fec0::/10"), "a site-local address"},
	{netip.MustParsePrefix("ff00::/8"), "a multicast address"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "a local-use NAT64 address"},
	{netip.MustParsePrefix("100::/64"), "a discard-only address"},
	{netip.MustParsePrefix("2001:2::/48"), "a benchmarking address"},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address"},
}

// Reason tells why ip may not be called by default, or "" when it may. An
// IPv6 address that carries an IPv4 address (IPv4-mapped ::ffff:a.b.c.d,
// IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) is judged
// by the IPv4 address it reaches.
func Reason(ip netip.Addr) string {
	ip = ip.WithZone("")
	for _, f := range forbidden {
		if f.prefix.Contains(ip) {
			return f.reason
		}
	}
	if v4, ok := embeddedIPv4(ip); ok {
		return Reason(v4)
	}
	return ""
}

var (
	nat64  = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4 = netip.MustParsePrefix("2002::/16")
)

func embeddedIPv4(ip netip.Addr) (netip.Addr, bool) {
	if !ip.Is6() {
		return netip.Addr{}, false
	}
	b := ip.As16()
	switch {
	case ip.Is4In6():
		return ip.Unmap(), true
	case [12]byte(b[:12]) == [12]byte{}, nat64.Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:])), true
	case sixTo4.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}
