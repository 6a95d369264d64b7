package policy

// RightsRequests is about the council's register of data-subject requests
// (internal/rights).
type RightsRequests struct {
	// IdentifierRetention is how long a closed case keeps the identifiers
	// the requester gave (telephone numbers, e-mail, conversation id, call
	// dates), so the council can answer a follow-up or a complaint to the
	// ICO about that answer; then they are destroyed and the register keeps
	// only the case's type, dates and outcome. A period, never an event.
	IdentifierRetention Retention `yaml:"identifier_retention"`
}

// DefaultRightsIdentifierRetention applies when a policy sets no
// rights_requests.identifier_retention: long enough for the requester to
// complain to the ICO about the answer, which the ICO expects within three
// months of the council's last response, with time to deal with it.
var DefaultRightsIdentifierRetention = Retention{Months: 6}

// RightsIdentifierRetention is how long a closed request keeps its
// identifiers.
func (p *Policy) RightsIdentifierRetention() Retention {
	if p.RightsRequests == nil || p.RightsRequests.IdentifierRetention.IsZero() {
		return DefaultRightsIdentifierRetention
	}
	return p.RightsRequests.IdentifierRetention
}

func (v *validator) rightsRequests() {
	if v.p.RightsRequests == nil || !v.d.has("rights_requests.identifier_retention") {
		return
	}
	const path = "rights_requests.identifier_retention"
	if v.p.RightsRequests.IdentifierRetention.IsEvent() {
		v.errf(path, "must be a period (months or days), not an event")
		return
	}
	v.retention(path, v.p.RightsRequests.IdentifierRetention)
}
