package chat

import "github.com/fairline/fairline/internal/policy"

// DemoPolicySource is the Source of the embedded demo policy as `serve
// --demo` loads it: start-up output and the policy history name it.
const DemoPolicySource = "embedded demo policy (Scarfolk Council)"

// DemoPolicy parses the embedded demo policy (policy.DemoYAML): the
// notices of Scarfolk Council, the fictional council of the demo site, with
// DemoSource as the chatbot's only source. `serve --demo` runs under it when
// no policy file is given, so the chatbot, its notices and its contact
// routes all speak for the council whose pages it answers from.
func DemoPolicy() (*policy.Policy, error) {
	return policy.Parse(DemoPolicySource, policy.DemoYAML())
}

// DemoOtherCouncils are the topics the demo council leaves to another
// council: none, since Scarfolk is single-tier (unitary) and provides bins,
// council tax, housing and planning itself. Empty, not nil (nil means the
// Leicestershire districts, DefaultOtherCouncils).
func DemoOtherCouncils() []OtherCouncil { return []OtherCouncil{} }
