package crawl

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// The crawler fetches addresses that come from outside: a URL staff type, robots.txt, sitemaps,
// links, redirects. So that it cannot be pointed at the machine it runs on, the council's
// internal network or a cloud metadata service (server-side request forgery), every connection
// is checked when it is made, against the IP address actually being dialled after DNS
// resolution: a name that resolves, or later re-resolves, to a private address is refused too.
// Options.AllowPrivate lifts the check for intranet sites and tests.

// BlockedAddressError is a refused connection to a non-public address.
type BlockedAddressError struct {
	Addr netip.Addr
	// Kind says what the address is ("loopback", "private", "cloud metadata", ...).
	Kind string
}

func (e *BlockedAddressError) Error() string {
	return fmt.Sprintf("refused to connect to %s, a %s address: the crawler only connects to public addresses unless private addresses are allowed", e.Addr, e.Kind)
}

// blocked lists the ranges the crawler never connects to, with what they are. IPv4-mapped IPv6
// addresses are unmapped first, so ::ffff:127.0.0.1 is loopback too.
var blocked = []struct {
	prefix netip.Prefix
	kind   string
}{
	{netip.MustParsePrefix("169.254.169.254/32"), "cloud metadata"},
	{netip.MustParsePrefix("fd00:ec2::254/128"), "cloud metadata"},
	{netip.MustParsePrefix("0.0.0.0/8"), "\"this network\""},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT (shared)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved or broadcast"}, // 255.255.255.255 included
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
	{netip.MustParsePrefix("fc00::/7"), "unique-local (private)"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// nat64 is the well-known NAT64 prefix: its last 32 bits are an IPv4 address a gateway would
// connect to, so they are checked as one.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// CheckAddr returns nil when the crawler may connect to a, else a *BlockedAddressError.
func CheckAddr(a netip.Addr) error {
	if !a.IsValid() {
		return &BlockedAddressError{Addr: a, Kind: "invalid"}
	}
	a = a.WithZone("").Unmap()
	if a.Is6() && nat64.Contains(a) {
		b := a.As16()
		if err := CheckAddr(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})); err != nil {
			return &BlockedAddressError{Addr: a, Kind: "NAT64-mapped " + err.(*BlockedAddressError).Kind}
		}
	}
	for _, b := range blocked {
		if b.prefix.Contains(a) {
			return &BlockedAddressError{Addr: a, Kind: b.kind}
		}
	}
	return nil
}

// guard checks each connection's address (a net.Dialer Control function).
type guard struct {
	allowPrivate bool
	// exempt lets a test treat one listener as a public server; nil outside tests.
	exempt func(netip.AddrPort) bool
}

func (g *guard) control(_, address string, _ syscall.RawConn) error {
	if g.allowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("refused to connect to %q: not an IP address and port", address)
	}
	if g.exempt != nil && g.exempt(ap) {
		return nil
	}
	return CheckAddr(ap.Addr())
}

// transport is the crawler's HTTP transport: direct connections only (no proxy from the
// environment, as the address a proxy connects to could not be checked), each checked by g.
func (g *guard) transport() *http.Transport {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: g.control}
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// sameHostRedirect is the redirect policy for robots.txt and sitemaps: up to 5 redirects (RFC
// 9309), http or https only, and only on the crawled host (to https, to another path).
func sameHostRedirect(origin string) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("more than 5 redirects")
		}
		if s := req.URL.Scheme; s != "http" && s != "https" {
			return fmt.Errorf("refused a redirect to a %s: address", s)
		}
		if !strings.EqualFold(strings.TrimSuffix(req.URL.Hostname(), "."), origin) {
			return fmt.Errorf("refused a redirect to another host (%s): robots.txt and sitemaps are read from %s only", req.URL.Host, origin)
		}
		return nil
	}
}
