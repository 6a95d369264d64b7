package policy

import (
	"sync"

	"github.com/fairline/fairline/internal/pii"
)

// PIIConfig is what the personal-data detector needs from the policy: the organisation's
// references, and its own public contact points (the organisation's phones and addresses,
// the DPO's e-mail address, and the supervisory authority's phones and address), which are
// left alone. This is the only place the policy is turned into a pii.Config; pii itself knows
// nothing of policies.
func (p *Policy) PIIConfig() pii.Config {
	var cfg pii.Config
	o := &p.Organisation
	for _, r := range o.References {
		cfg.References = append(cfg.References, pii.Reference{ID: r.ID, Name: r.Name, Pattern: r.Pattern,
			Check: r.Check, Context: append([]string(nil), r.Context...)})
	}
	cfg.PublicPhones = append(cfg.PublicPhones, o.PublicContacts.Phones...)
	for _, ph := range o.SupervisoryAuthority.Phones {
		cfg.PublicPhones = append(cfg.PublicPhones, ph.Number)
	}
	cfg.PublicAddresses = append(cfg.PublicAddresses, o.PublicContacts.Addresses...)
	if o.Address != "" {
		cfg.PublicAddresses = append(cfg.PublicAddresses, o.Address)
	}
	if o.SupervisoryAuthority.Address != "" {
		cfg.PublicAddresses = append(cfg.PublicAddresses, o.SupervisoryAuthority.Address)
	}
	if o.DPO.Email != "" {
		cfg.PublicEmails = append(cfg.PublicEmails, o.DPO.Email)
	}
	return cfg
}

// DetectorCache holds the detector of the last policy it was asked about, so whoever serves
// the policy in force (chat.Service, api.Server) builds a detector once per policy rather
// than once per request. It is keyed on the policy pointer: a parsed policy never changes,
// and a reload makes a new one. The zero value is ready; it is safe for concurrent use.
type DetectorCache struct {
	mu sync.Mutex
	p  *Policy
	d  *pii.Detector
}

// For returns the detector of p, building it if p is not the policy of the last call.
func (c *DetectorCache) For(p *Policy) *pii.Detector {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.p != p || c.d == nil {
		c.p, c.d = p, pii.New(p.PIIConfig())
	}
	return c.d
}
