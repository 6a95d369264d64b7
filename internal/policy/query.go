package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// System returns the system with the given id.
func (p *Policy) System(id string) (*System, bool) {
	for i := range p.Systems {
		if p.Systems[i].ID == id {
			return &p.Systems[i], true
		}
	}
	return nil, false
}

// ServiceArea returns a service area of a system.
func (p *Policy) ServiceArea(system, area string) (*ServiceArea, bool) {
	s, ok := p.System(system)
	if !ok {
		return nil, false
	}
	return s.ServiceArea(area)
}

// DataKind returns a data kind of a system.
func (p *Policy) DataKind(system, kind string) (*DataKind, bool) {
	s, ok := p.System(system)
	if !ok {
		return nil, false
	}
	return s.DataKind(kind)
}

// Retention is how long a system keeps a kind of data for a service area: the area's override
// if it has one, else the kind's default. serviceArea may be empty when the record has none.
// The error names an unknown system, data kind or service area; it wraps ErrNoRetention when the
// kind has no period (no personal data, or a per-area period and no area given).
func (p *Policy) Retention(system, dataKind, serviceArea string) (Retention, error) {
	s, ok := p.System(system)
	if !ok {
		return Retention{}, fmt.Errorf("policy: unknown system %q", system)
	}
	k, ok := s.DataKind(dataKind)
	if !ok {
		return Retention{}, fmt.Errorf("policy: system %q has no data kind %q", system, dataKind)
	}
	if serviceArea != "" {
		a, ok := s.ServiceArea(serviceArea)
		if !ok {
			return Retention{}, fmt.Errorf("policy: system %q has no service area %q", system, serviceArea)
		}
		if r, ok := a.Retention[dataKind]; ok {
			return r, nil
		}
	}
	if !k.Retention.IsZero() {
		return k.Retention, nil
	}
	if serviceArea == "" && s.RetentionVariesByArea(dataKind) {
		return Retention{}, fmt.Errorf("policy: %s %s: the period depends on the service area and none was given: %w", system, dataKind, ErrNoRetention)
	}
	return Retention{}, fmt.Errorf("policy: %s %s: %w", system, dataKind, ErrNoRetention)
}

// RecipientAllowed reports whether a system's personal data may be disclosed to the recipient
// (by recipient id, e.g. "emergency-services").
func (p *Policy) RecipientAllowed(system, recipient string) bool {
	s, ok := p.System(system)
	if !ok {
		return false
	}
	for _, r := range s.Recipients {
		if r.ID == recipient {
			return true
		}
	}
	return false
}

// StorageLocationAllowed reports whether a system's data may be stored at a location code
// ("UK", "eu", "FR"; case-insensitive, GB is UK, regions cover their members: see Countries).
func (p *Policy) StorageLocationAllowed(system, location string) bool {
	s, ok := p.System(system)
	if !ok {
		return false
	}
	return coveredByAny(s.Storage.Locations, location)
}

// TransferAllowed reports whether a system's data may go to a location at all: the UK, or a
// location covered by its international_transfers.
func (p *Policy) TransferAllowed(system, location string) bool {
	s, ok := p.System(system)
	if !ok {
		return false
	}
	return IsUK(location) || coveredByAny(s.InternationalTransfers.Countries, location)
}

// Processors returns a copy of a system's processors (nil for an unknown system).
func (p *Policy) Processors(system string) []Processor {
	s, ok := p.System(system)
	if !ok {
		return nil
	}
	return append([]Processor(nil), s.Processors...)
}

// Hash is the SHA-256 (hex) of the policy file's bytes exactly as parsed, so it equals
// `sha256sum FILE`. Record it in audit entries when the policy in force changes.
func (p *Policy) Hash() string {
	sum := sha256.Sum256(p.raw)
	return hex.EncodeToString(sum[:])
}

// Bytes returns a copy of the policy file's bytes exactly as parsed.
func (p *Policy) Bytes() []byte { return append([]byte(nil), p.raw...) }

// Text expands the placeholders in a piece of a system's notice text:
//
//	{retention:KIND}  the default retention of data kind KIND ("12 months")
//	{sources}         the names of the system's sources joined with "or"
//	{service_areas}   the names of the system's service areas joined with "and"
//
// Parse has already checked every placeholder in a valid policy.
func (p *Policy) Text(system, text string) (string, error) {
	s, ok := p.System(system)
	if !ok {
		return "", fmt.Errorf("policy: unknown system %q", system)
	}
	return s.expand(text)
}

// ServiceArea returns one of the system's service areas.
func (s *System) ServiceArea(id string) (*ServiceArea, bool) {
	for i := range s.ServiceAreas {
		if s.ServiceAreas[i].ID == id {
			return &s.ServiceAreas[i], true
		}
	}
	return nil, false
}

// DataKind returns one of the system's data kinds.
func (s *System) DataKind(id string) (*DataKind, bool) {
	for i := range s.DataKinds {
		if s.DataKinds[i].ID == id {
			return &s.DataKinds[i], true
		}
	}
	return nil, false
}

// Purpose returns one of the system's purposes.
func (s *System) Purpose(id string) (*Purpose, bool) {
	for i := range s.Purposes {
		if s.Purposes[i].ID == id {
			return &s.Purposes[i], true
		}
	}
	return nil, false
}

// Article6 returns the system's Article 6(1) lawful bases.
func (s *System) Article6() []LawfulBasis { return s.lawfulBases(false) }

// Article9 returns the system's Article 9(2) conditions for special category data.
func (s *System) Article9() []LawfulBasis { return s.lawfulBases(true) }

func (s *System) lawfulBases(special bool) []LawfulBasis {
	var out []LawfulBasis
	for _, b := range s.LawfulBases {
		if b.SpecialCategory() == special {
			out = append(out, b)
		}
	}
	return out
}

// HasSpecialCategoryData reports whether any of the system's data categories is special category
// data (UK GDPR Article 9(1)).
func (s *System) HasSpecialCategoryData() bool {
	for _, c := range s.DataCategories {
		if c.SpecialCategory {
			return true
		}
	}
	return false
}

// RetentionVariesByArea reports whether any service area of the system overrides the retention
// of the data kind (the notice then lists the period per service area).
func (s *System) RetentionVariesByArea(kind string) bool {
	for _, a := range s.ServiceAreas {
		if _, ok := a.Retention[kind]; ok {
			return true
		}
	}
	return false
}

// AreaRetention returns the retention of a data kind in a service area: the override, else the
// kind's default.
func (s *System) AreaRetention(kind string, area *ServiceArea) Retention {
	if r, ok := area.Retention[kind]; ok {
		return r
	}
	if k, ok := s.DataKind(kind); ok {
		return k.Retention
	}
	return Retention{}
}

// SpecialCategory reports whether the basis is an Article 9(2) condition.
func (b LawfulBasis) SpecialCategory() bool { return strings.HasPrefix(b.Article, "9") }

// Ref is the full reference, "UK GDPR Article 6(1)(e)".
func (b LawfulBasis) Ref() string { return "UK GDPR Article " + b.Article }

// expand replaces {retention:KIND}, {sources} and {service_areas} in text.
func (s *System) expand(text string) (string, error) {
	var b strings.Builder
	for {
		i := strings.IndexByte(text, '{')
		if i < 0 {
			b.WriteString(text)
			return b.String(), nil
		}
		j := strings.IndexByte(text[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("unclosed placeholder %q", text[i:])
		}
		b.WriteString(text[:i])
		name := text[i+1 : i+j]
		text = text[i+j+1:]
		switch kind, isRetention := strings.CutPrefix(name, "retention:"); {
		case name == "sources":
			if len(s.Sources) == 0 {
				return "", fmt.Errorf("{sources} used but the system has no sources")
			}
			b.WriteString(JoinOr(names(s.Sources, func(x Source) string { return x.Name })))
		case name == "service_areas":
			if len(s.ServiceAreas) == 0 {
				return "", fmt.Errorf("{service_areas} used but the system has no service areas")
			}
			b.WriteString(JoinAnd(names(s.ServiceAreas, func(x ServiceArea) string { return x.Name })))
		case isRetention:
			k, ok := s.DataKind(kind)
			if !ok {
				return "", fmt.Errorf("{retention:%s}: no data kind %q in this system", kind, kind)
			}
			if k.Retention.IsZero() {
				return "", fmt.Errorf("{retention:%s}: data kind %q has no default retention", kind, kind)
			}
			b.WriteString(k.Retention.String())
		default:
			return "", fmt.Errorf("unknown placeholder {%s} (known: {retention:KIND}, {sources}, {service_areas})", name)
		}
	}
}

// names maps items to their display names.
func names[T any](items []T, name func(T) string) []string {
	out := make([]string, len(items))
	for i, x := range items {
		out[i] = name(x)
	}
	return out
}

// JoinOr joins items as "a, b or c".
func JoinOr(items []string) string { return join(items, " or ") }

// JoinAnd joins items as "a, b and c".
func JoinAnd(items []string) string { return join(items, " and ") }

func join(items []string, last string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + last + items[len(items)-1]
}
