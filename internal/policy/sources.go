package policy

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"gopkg.in/yaml.v3"
)

// A system's sources (systems[].sources) are the websites its answers may come from. The notice
// names them through {sources}, and the knowledge base refuses pages from any other host, so the
// notice and what is crawled cannot drift apart.
//
// Host matching: only the host of a source's url counts (scheme, port and path are ignored). A
// page's host matches a source when it is the same host (case-insensitive, a trailing dot
// ignored) or a subdomain of it: a source https://leicestershire.gov.uk covers
// www.leicestershire.gov.uk and news.leicestershire.gov.uk, while a source
// https://www.leicestershire.gov.uk covers neither leicestershire.gov.uk nor
// news.leicestershire.gov.uk. Whoever controls a domain controls its subdomains; a sibling is
// another site. An IP address matches only itself.

// SourcesField is the policy field that lists a system's sources, in the form error messages use
// (systems[chatbot].sources).
func SourcesField(system string) string { return "systems[" + system + "].sources" }

// SourceError says a page's host is not one of a system's sources.
type SourceError struct {
	System string
	Host   string
	// Sources are the hosts the system declares (none when it declares no sources or the
	// policy has no such system).
	Sources []string
	// NoSystem is set when the policy has no such system at all.
	NoSystem bool
}

func (e *SourceError) Error() string {
	field := SourcesField(e.System)
	switch {
	case e.NoSystem:
		return fmt.Sprintf("host %s is not a declared source: the policy has no %q system (%s)", e.Host, e.System, field)
	case len(e.Sources) == 0:
		return fmt.Sprintf("host %s is not a declared source: the policy's %s lists no sites", e.Host, field)
	}
	return fmt.Sprintf("host %s is not one of the sources the policy declares in %s (%s); add it there first, so the notice names it",
		e.Host, field, strings.Join(e.Sources, ", "))
}

// SourceHosts returns the hosts of the system's sources, in the order listed.
func (s *System) SourceHosts() []string {
	out := make([]string, 0, len(s.Sources))
	for _, src := range s.Sources {
		if h := hostOf(src.URL); h != "" {
			out = append(out, h)
		}
	}
	return out
}

// CheckSource returns nil when the host of pageURL (an absolute http or https address) is one of
// the system's sources, else a *SourceError naming the policy field.
func (p *Policy) CheckSource(system, pageURL string) error {
	host := hostOf(pageURL)
	if host == "" {
		return fmt.Errorf("%q has no host to check against %s", pageURL, SourcesField(system))
	}
	s, ok := p.System(system)
	if !ok {
		return &SourceError{System: system, Host: host, NoSystem: true}
	}
	hosts := s.SourceHosts()
	for _, h := range hosts {
		if HostMatches(h, host) {
			return nil
		}
	}
	return &SourceError{System: system, Host: host, Sources: hosts}
}

// HostMatches reports whether host is the declared source host or a subdomain of it (see the
// package comment on sources). Both are compared in lower case without a trailing dot or port.
func HostMatches(declared, host string) bool {
	d, h := normHost(declared), normHost(host)
	if d == "" || h == "" {
		return false
	}
	if h == d {
		return true
	}
	if net.ParseIP(d) != nil || net.ParseIP(h) != nil {
		return false
	}
	return strings.HasSuffix(h, "."+d)
}

// hostOf is the normalised host of an absolute URL, or "".
func hostOf(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	return normHost(u.Hostname())
}

func normHost(h string) string {
	if hh, _, err := net.SplitHostPort(h); err == nil {
		h = hh
	}
	h = strings.TrimPrefix(strings.TrimSuffix(h, "]"), "[")
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
}

// WithSources returns the policy with srcs added to the sources of the system, as a new policy
// file named name: the YAML is edited and parsed again, so the result's bytes, Hash and notices
// all include the added sources (nothing about the policy in force is hidden). A source whose
// host the system already covers is not added again.
func (p *Policy) WithSources(name, system string, srcs ...Source) (*Policy, error) {
	s, ok := p.System(system)
	if !ok {
		return nil, fmt.Errorf("policy: no system %q to add sources to", system)
	}
	var add []Source
	for _, src := range srcs {
		covered := false
		for _, h := range s.SourceHosts() {
			covered = covered || HostMatches(h, hostOf(src.URL))
		}
		if !covered {
			add = append(add, src)
		}
	}
	if len(add) == 0 {
		return Parse(name, p.raw)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(p.raw, &doc); err != nil || len(doc.Content) == 0 {
		return nil, fmt.Errorf("policy: re-reading %s: %v", p.Source, err)
	}
	sys := findSystem(mapValue(doc.Content[0], "systems"), system)
	if sys == nil {
		return nil, fmt.Errorf("policy: no system %q to add sources to", system)
	}
	list := mapValue(sys, "sources")
	if list == nil || list.Kind != yaml.SequenceNode {
		list = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		setMapValue(sys, "sources", list)
	}
	for _, src := range add {
		list.Content = append(list.Content, &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
			scalar("name"), scalar(src.Name), scalar("url"), scalar(src.URL),
		}})
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("policy: writing %s: %w", name, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("policy: writing %s: %w", name, err)
	}
	return Parse(name, buf.Bytes())
}

func scalar(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }

// mapValue returns the value of key in a mapping node, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func setMapValue(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, scalar(key), v)
}

func findSystem(systems *yaml.Node, id string) *yaml.Node {
	if systems == nil || systems.Kind != yaml.SequenceNode {
		return nil
	}
	for _, s := range systems.Content {
		if v := mapValue(s, "id"); v != nil && strings.TrimSpace(v.Value) == id {
			return s
		}
	}
	return nil
}

// errSourcesUnnamed is reported when a system lists sources its notice never names.
var errSourcesUnnamed = errors.New("the notice must name the sources answers come from: use {sources} in the system's prose (for example in why)")
