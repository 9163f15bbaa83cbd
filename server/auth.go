package server

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"skillpath"
)

// authenticate finds the caller from the request's bearer token. Returns
// EUNAUTHORIZED when there is none or it is not valid.
func (s *Server) authenticate(r *http.Request) (*skillpath.User, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, skillpath.Errorf(skillpath.EUNAUTHORIZED, "Authorization: Bearer TOKEN is required; get a token from POST /api/v1/tokens")
	}
	token := bearer(r)
	if token == "" {
		return nil, skillpath.Errorf(skillpath.EUNAUTHORIZED, "Authorization must be \"Bearer TOKEN\"")
	}
	return s.userByToken(r.Context(), token)
}

// requirePlatformAdmin returns EFORBIDDEN unless the caller is a platform admin.
func requirePlatformAdmin(caller *skillpath.User) error {
	if !caller.PlatformAdmin {
		return skillpath.Errorf(skillpath.EFORBIDDEN, "only platform admins may do this")
	}
	return nil
}

// pathID reads the id named name from the URL path. An id that is not a
// positive integer cannot exist, so it is answered 404 like an unknown one.
func pathID(r *http.Request, name, what string) (skillpath.ID, error) {
	v := r.PathValue(name)
	id, ok := skillpath.ParseID(v)
	if !ok {
		return 0, skillpath.Errorf(skillpath.ENOTFOUND, "%s %q not found", what, v)
	}
	return id, nil
}

// adminPathID lets platform admins in and reads the path's {id}, an id of
// what (for the 404's message). Returns EFORBIDDEN for others and
// ENOTFOUND for a bad id.
func adminPathID(r *http.Request, caller *skillpath.User, what string) (skillpath.ID, error) {
	if err := requirePlatformAdmin(caller); err != nil {
		return 0, err
	}
	return pathID(r, "id", what)
}

// bearer is the request's API token ("" without one): the credentials of
// an Authorization header of the Bearer scheme, whose name is
// case-insensitive (RFC 9110 §11.1, RFC 6750 §2.1).
func bearer(r *http.Request) string {
	scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimLeft(token, " ")
}

// clientAddress is the address sign-ins are throttled by (issue 11): the
// connection's peer, or, when TrustProxy is set, the last address of
// X-Forwarded-For — the one our own proxy saw connecting, which a client
// cannot forge (the addresses before it can be). An IPv6 address stands
// for its /64 network: one host is usually given a whole /64.
func (s *Server) clientAddress(r *http.Request) string {
	addr := r.RemoteAddr
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	if s.TrustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			list := strings.Split(xff[len(xff)-1], ",")
			if last := strings.TrimSpace(list[len(list)-1]); last != "" {
				addr = last
			}
		}
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
