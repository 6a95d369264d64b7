// Package clientaddr finds the address of the client behind a request: the
// peer of the connection, unless the peer is a reverse proxy the operator
// trusts (the trusted-proxies setting), in which case the address the
// proxies recorded in X-Forwarded-For or Forwarded (RFC 7239).
//
// The headers are read right to left, the order proxies append to them:
// each trusted address is skipped and the first untrusted one is the client.
// Whatever a client writes into the headers itself sits further left and is
// never reached while the proxies in between are trusted ones, so a client
// cannot choose its own address. Nobody but a trusted peer is believed.
//
// The address is used for per-client rate limits only; it is not stored.
package clientaddr

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// Trusted is a set of networks whose reverse proxies are believed about
// the client address. The zero value (and nil) trusts nobody.
type Trusted struct {
	prefixes []netip.Prefix
}

// ParseTrusted reads a comma-separated list of CIDR networks (a single
// address means just that host), e.g. "10.0.0.0/8, 192.0.2.10". An entry
// that is neither gives an error naming it.
func ParseTrusted(list string) (*Trusted, error) {
	t := &Trusted{}
	for _, e := range strings.Split(list, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		var p netip.Prefix
		var err error
		if strings.Contains(e, "/") {
			p, err = netip.ParsePrefix(e)
		} else {
			var a netip.Addr
			a, err = netip.ParseAddr(e)
			if err == nil && a.Zone() != "" {
				err = fmt.Errorf("zone")
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if err != nil {
			return nil, fmt.Errorf("%q is not a network like 10.0.0.0/8 or an address like 192.0.2.10", e)
		}
		// 4-in-6 networks would never match: addresses are unmapped.
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		t.prefixes = append(t.prefixes, p.Masked())
	}
	return t, nil
}

// String lists the networks, for logs.
func (t *Trusted) String() string {
	if t == nil {
		return ""
	}
	s := make([]string, len(t.prefixes))
	for i, p := range t.prefixes {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

// Contains reports whether a is in a trusted network.
func (t *Trusted) Contains(a netip.Addr) bool {
	if t == nil || !a.IsValid() {
		return false
	}
	a = a.Unmap()
	for _, p := range t.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Client returns the client address of r: the peer, or, when the peer is
// trusted, the rightmost untrusted address of X-Forwarded-For (or, when the
// request has no X-Forwarded-For, of Forwarded's for= parameters). A
// malformed or unknown entry ends the walk at the last trusted address, the
// proxy that reported it. The result is invalid only when the peer address
// is unreadable.
//
// X-Forwarded-For wins over Forwarded because nearly every proxy appends to
// it; a proxy that sets only Forwarded must drop any X-Forwarded-For its
// clients send (documented in the README).
func (t *Trusted) Client(r *http.Request) netip.Addr {
	addr := peer(r.RemoteAddr)
	if !t.Contains(addr) {
		return addr
	}
	hops := r.Header.Values("X-Forwarded-For")
	parse := parseNode
	if len(hops) == 0 {
		hops = r.Header.Values("Forwarded")
		parse = parseForwardedElement
	}
	elems := splitList(hops)
	for i := len(elems) - 1; i >= 0; i-- {
		a, ok := parse(elems[i])
		if !ok {
			return addr
		}
		addr = a
		if !t.Contains(a) {
			return a
		}
	}
	// Every hop trusted: the leftmost is the client (an internal caller).
	return addr
}

// peer reads the connection's address ("ip:port", as net/http sets it).
func peer(remote string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().WithZone("").Unmap()
	}
	if a, err := netip.ParseAddr(remote); err == nil {
		return a.WithZone("").Unmap()
	}
	return netip.Addr{}
}

// splitList splits comma-separated header values, across header lines in
// order, dropping empty elements.
func splitList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, e := range strings.Split(v, ",") {
			if e = strings.TrimSpace(e); e != "" {
				out = append(out, e)
			}
		}
	}
	return out
}

// parseNode reads one address as proxies write it: "192.0.2.1",
// "192.0.2.1:4711", "2001:db8::1", "[2001:db8::1]" or "[2001:db8::1]:4711".
func parseNode(s string) (netip.Addr, bool) {
	if strings.HasPrefix(s, "[") {
		host, rest, ok := strings.Cut(s[1:], "]")
		if !ok || (rest != "" && !validPort(rest)) {
			return netip.Addr{}, false
		}
		s = host
	} else if i := strings.IndexByte(s, ':'); i >= 0 && strings.Count(s, ":") == 1 {
		if !validPort(s[i:]) {
			return netip.Addr{}, false
		}
		s = s[:i]
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// validPort checks ":1234".
func validPort(s string) bool {
	if len(s) < 2 || len(s) > 6 || s[0] != ':' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseForwardedElement reads the for= parameter of one Forwarded element,
// e.g. `for=192.0.2.60;proto=http;by=203.0.113.43` or
// `for="[2001:db8:cafe::17]:4711"`. "unknown", obfuscated identifiers and
// elements without for= are not addresses.
func parseForwardedElement(e string) (netip.Addr, bool) {
	for _, pair := range strings.Split(e, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "for") {
			continue
		}
		v = strings.TrimSpace(v)
		if strings.HasPrefix(v, `"`) {
			if len(v) < 2 || !strings.HasSuffix(v, `"`) || strings.Contains(v[1:len(v)-1], `"`) {
				return netip.Addr{}, false
			}
			v = v[1 : len(v)-1]
		}
		// RFC 7239 requires brackets around IPv6; a bare one is refused
		// rather than guessed at.
		if !strings.HasPrefix(v, "[") && strings.Count(v, ":") > 1 {
			return netip.Addr{}, false
		}
		return parseNode(v)
	}
	return netip.Addr{}, false
}

type ctxKey struct{}

// Handler stores each request's client address (Client) in its context for
// FromRequest, once, before next runs.
func (t *Trusted) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, t.Client(r))))
	})
}

// FromRequest returns the client address Handler stored, or the peer when
// no Handler ran (nobody trusted).
func FromRequest(r *http.Request) netip.Addr {
	if a, ok := r.Context().Value(ctxKey{}).(netip.Addr); ok {
		return a
	}
	return peer(r.RemoteAddr)
}
