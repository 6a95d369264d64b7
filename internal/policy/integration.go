package policy

import (
	"fmt"
	"strings"
)

// Integration is one outbound connection that sends a system's personal data out of Fairline
// (an S3 bucket today; an e-mail or SMS provider, an identity provider or a language service
// later). Each is configured against a processor the policy declares, so the notice's "Who will
// we share this with?" names everyone data goes to, and nothing goes where the notice does not
// say. Start-up refuses an integration CheckIntegration rejects; `fairline check` reports it.
type Integration struct {
	// Name is what the integration is, for messages ("S3 object storage").
	Name string
	// System is the id of the system whose data it receives ("call-recording").
	System string
	// Processor is the id of the processor in the system's processors, or SelfOperated.
	Processor string
	// ProcessorField is the setting that names the processor ("s3-processor").
	ProcessorField string
	// Location is the location code of where the integration processes the data ("UK", "IE").
	Location string
	// LocationField is the setting the location comes from ("s3-region").
	LocationField string
	// Stores is true when the integration keeps the data (a bucket), not only passes it on.
	Stores bool
	// Endpoint says which service it connects to, for reports ("https://s3.eu-west-2.amazonaws.com");
	// never credentials.
	Endpoint string
}

// SelfOperated names, as an integration's processor, a service the council runs itself (an
// S3-compatible server on its own premises): no processor receives the data, so the notice
// need not name one. Only a service with an explicit endpoint may be self-operated.
const SelfOperated = "council"

// Why an integration is refused (IntegrationError.Problem).
const (
	// ProblemUndeclared: no processor named, or one the system does not declare.
	ProblemUndeclared = "undeclared"
	// ProblemCountries: the integration's location is outside the processor's countries.
	ProblemCountries = "countries"
	// ProblemStores: the integration keeps data, but the processor is declared as not storing it.
	ProblemStores = "stores"
)

// IntegrationError says why an integration does not match the policy. Its message names the
// setting to change and the policy field it was checked against.
type IntegrationError struct {
	Integration Integration
	Problem     string // one of the Problem constants
	// PolicyField is the YAML path of the policy value checked ("systems[1].processors").
	PolicyField string
	msg         string
}

func (e *IntegrationError) Error() string { return e.msg }

// CheckIntegration refuses an integration whose processor the system does not declare, whose
// location is outside the processor's countries, or which stores data with a processor the
// notice says does not store it.
func (p *Policy) CheckIntegration(in Integration) error {
	fail := func(problem, field, format string, args ...any) error {
		return &IntegrationError{Integration: in, Problem: problem, PolicyField: field,
			msg: in.ProcessorField + ": " + in.Name + ": " + fmt.Sprintf(format, args...)}
	}
	// Staff data has no notice of its own: its processors are a list at the top of the policy.
	sys, field := &System{ID: StaffSystem, Processors: p.StaffProcessors}, "staff_processors"
	if in.System != StaffSystem {
		sysIdx := -1
		for i := range p.Systems {
			if p.Systems[i].ID == in.System {
				sysIdx = i
			}
		}
		if sysIdx < 0 {
			return fail(ProblemUndeclared, "systems", "the policy has no system %q whose data it would receive", in.System)
		}
		sys, field = &p.Systems[sysIdx], fmt.Sprintf("systems[%d].processors", sysIdx)
	}
	if in.Processor == SelfOperated {
		// The council's own server is a store of its own, checked against storage.locations
		// by the storage-location check; only an explicit endpoint can be the council's own.
		if in.Endpoint == "" {
			return fail(ProblemUndeclared, field, "%q means a server the council runs itself, which needs an explicit endpoint; name the processor that runs this service, declared in %s", SelfOperated, field)
		}
		return nil
	}
	if in.Processor == "" {
		return fail(ProblemUndeclared, field, "no processor is named; set it to the id of the processor in %s (%s data) that runs this service, or %q for a server the council runs itself",
			field, sys.ID, SelfOperated)
	}
	for i, pr := range sys.Processors {
		if pr.ID != in.Processor {
			continue
		}
		pfield := fmt.Sprintf("%s[%d]", field, i)
		if in.Stores && !pr.Stores {
			return fail(ProblemStores, pfield+".stores", "it stores %s data, but the policy declares that %s does not store the information (%s.stores)", sys.ID, pr.Name, pfield)
		}
		if !coveredByAny(pr.Countries, in.Location) {
			where := in.Location
			if where == "" {
				where = "an undeclared location"
			}
			return fail(ProblemCountries, pfield+".countries", "%s (%s) is outside %s's countries in the policy (%s.countries: %s)",
				where, in.LocationField, pr.Name, pfield, strings.Join(pr.Countries, ", "))
		}
		return nil
	}
	var ids []string
	for _, pr := range sys.Processors {
		ids = append(ids, pr.ID)
	}
	declared := "none"
	if len(ids) > 0 {
		declared = strings.Join(ids, ", ")
	}
	return fail(ProblemUndeclared, field, "processor %q is not declared in %s (%s data; declared: %s)", in.Processor, field, sys.ID, declared)
}

// StaffSystem is the Integration.System of integrations that receive staff data only; they are
// checked against the policy's staff_processors.
const StaffSystem = "staff"
