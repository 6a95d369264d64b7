package policy

import (
	_ "embed"
	"fmt"
)

//go:embed default.yaml
var defaultYAML []byte

// DefaultName is the Source of the embedded default policy.
const DefaultName = "default.yaml"

// DefaultYAML returns a copy of the embedded default policy file.
func DefaultYAML() []byte { return append([]byte(nil), defaultYAML...) }

// Default parses the embedded default policy (Leicestershire County Council's Website Chatbot
// and Customer Service Centre call recording notices). Each call returns a new *Policy, so a
// caller may change it without affecting others. It panics only if the embedded file is
// invalid, which TestDefaultParses guards against.
func Default() *Policy {
	p, err := Parse(DefaultName, defaultYAML)
	if err != nil {
		panic(fmt.Sprintf("policy: embedded default policy is invalid:\n%v", err))
	}
	return p
}

//go:embed demo.yaml
var demoYAML []byte

// DemoName is the Source of the embedded demo policy.
const DemoName = "demo.yaml"

// DemoYAML returns a copy of the embedded demo policy file: the notices of
// Scarfolk Council, the fictional unitary council of the LocalGov Drupal
// demo site that `fairline serve --demo` answers from, with fictional
// contact points and the demo site as the chatbot's only source.
func DemoYAML() []byte { return append([]byte(nil), demoYAML...) }
