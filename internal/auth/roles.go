package auth

import (
	"fmt"
	"slices"
	"strings"
)

// Role is a staff role. Access is granted per route to a set of roles;
// anything not granted is denied.
type Role string

const (
	Agent                 Role = "agent"
	TeamLeader            Role = "team_leader"
	QualityAssessor       Role = "quality_assessor"
	InformationGovernance Role = "information_governance"
	Administrator         Role = "administrator"
	Auditor               Role = "auditor"
)

// Roles lists every role in display order.
var Roles = []Role{Agent, TeamLeader, QualityAssessor, InformationGovernance, Administrator, Auditor}

// Scoped reports whether the role sees only its assigned service areas.
func (r Role) Scoped() bool { return r == TeamLeader || r == QualityAssessor }

// Label is the role's name for people.
func (r Role) Label() string {
	switch r {
	case Agent:
		return "Agent"
	case TeamLeader:
		return "Team leader"
	case QualityAssessor:
		return "Quality assessor"
	case InformationGovernance:
		return "Information governance"
	case Administrator:
		return "Administrator"
	case Auditor:
		return "Auditor"
	}
	return string(r)
}

// ParseRole accepts a role id.
func ParseRole(s string) (Role, error) {
	r := Role(strings.TrimSpace(s))
	if slices.Contains(Roles, r) {
		return r, nil
	}
	names := make([]string, len(Roles))
	for i, r := range Roles {
		names[i] = string(r)
	}
	return "", fmt.Errorf("unknown role %q (roles: %s)", s, strings.Join(names, ", "))
}
