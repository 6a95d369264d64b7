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
