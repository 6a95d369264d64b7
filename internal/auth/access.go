package auth

import (
	"context"
	"slices"
)

type ctxKey struct{}

// NewContext returns ctx carrying the signed-in principal.
func NewContext(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal in ctx, or nil when signed out.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}

// Rule says who may use a route. The zero Rule is undeclared, and route
// tables refuse to start with one: deny by default.
type Rule struct {
	public   bool
	anyStaff bool
	roles    []Role
}

var (
	// Public lets anyone in, signed in or not.
	Public = Rule{public: true}
	// AnyStaff lets any signed-in staff member in (not API token clients).
	AnyStaff = Rule{anyStaff: true}
)

// OnlyRoles lets in staff holding one of rs.
func OnlyRoles(rs ...Role) Rule { return Rule{roles: rs} }

// Declared reports whether the rule was set at all.
func (r Rule) Declared() bool { return r.public || r.anyStaff || len(r.roles) > 0 }

// Roles lists the roles a role rule lets in, in the order of Roles (none
// for Public and AnyStaff).
func (r Rule) Roles() []Role {
	var out []Role
	for _, role := range Roles {
		if slices.Contains(r.roles, role) {
			out = append(out, role)
		}
	}
	return out
}

// IsPublic reports whether signed-out visitors are let in.
func (r Rule) IsPublic() bool { return r.public }

// Allows reports whether p (nil when signed out) may use the route.
func (r Rule) Allows(p *Principal) bool {
	switch {
	case r.public:
		return true
	case p == nil:
		return false
	case r.anyStaff:
		return p.Role != Integration
	}
	return slices.Contains(r.roles, p.Role)
}
