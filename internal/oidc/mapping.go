package oidc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"

	"gopkg.in/yaml.v3"
)

// Mapping turns the groups or app roles in an ID token into a Fairline role
// and service areas. It is configuration (oidc-mapping, a YAML file), so
// the council's IT team manages access in Entra and Fairline follows.
//
//	claim: groups              # or roles (Entra app roles)
//	rules:
//	  - value: 6f1c...-group-object-id
//	    role: team_leader
//	    service_areas: [Adult Social Care]
//
// The first rule whose value the token carries decides the role, so list
// the most trusted roles first; service areas are gathered from every
// matching rule of that role (a team leader of two areas is in two groups).
type Mapping struct {
	Claim string `yaml:"claim"`
	Rules []Rule `yaml:"rules"`
}

// Rule maps one group id or app-role value to access.
type Rule struct {
	Value        string   `yaml:"value"`
	Role         string   `yaml:"role"`
	ServiceAreas []string `yaml:"service_areas"`
}

// LoadMapping reads and checks a mapping file.
func LoadMapping(path string) (Mapping, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Mapping{}, fmt.Errorf("oidc mapping: %w", err)
	}
	return ParseMapping(data)
}

// ParseMapping decodes a mapping; unknown keys are errors, so a misspelt
// key does not silently grant nothing.
func ParseMapping(data []byte) (Mapping, error) {
	var m Mapping
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return Mapping{}, fmt.Errorf("oidc mapping: %w", err)
	}
	if m.Claim == "" {
		m.Claim = "groups"
	}
	if m.Claim != "groups" && m.Claim != "roles" {
		return Mapping{}, fmt.Errorf("oidc mapping: claim %q must be groups or roles", m.Claim)
	}
	if len(m.Rules) == 0 {
		return Mapping{}, errors.New("oidc mapping: no rules: nobody could sign in")
	}
	for i, r := range m.Rules {
		if r.Value == "" || r.Role == "" {
			return Mapping{}, fmt.Errorf("oidc mapping: rules[%d]: value and role are required", i)
		}
	}
	return m, nil
}

// Resolve returns the role and service areas for the values of the
// mapping's claim; ok is false when no rule matches.
func (m Mapping) Resolve(values []string) (role string, areas []string, ok bool) {
	for _, r := range m.Rules {
		if !slices.Contains(values, r.Value) {
			continue
		}
		if !ok {
			role, ok = r.Role, true
		}
		if r.Role == role {
			for _, a := range r.ServiceAreas {
				if !slices.Contains(areas, a) {
					areas = append(areas, a)
				}
			}
		}
	}
	slices.Sort(areas)
	return role, areas, ok
}
