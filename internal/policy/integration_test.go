package policy

import (
	"errors"
	"strings"
	"testing"
)

// withBucketProcessor is the default policy with a processor that stores call recordings in
// the UK (AWS London) and one that only passes them on, in the UK and Ireland.
func withBucketProcessor(t *testing.T) *Policy {
	t.Helper()
	doc := strings.Replace(string(DefaultYAML()), `    processors:
      # GOV.UK Notify sends`, `    processors:
      - id: aws
        name: Amazon Web Services
        role: store the recordings
        receives: Recordings of calls
        stores: true
        countries: [UK]
      - id: relay
        name: Relay Ltd
        role: pass recordings on
        receives: Recordings of calls
        countries: [UK, IE]
      # GOV.UK Notify sends`, 1)
	doc = strings.Replace(doc, "    storage:\n      locations: [UK]\n    drop_folder:", "    storage:\n      locations: [UK]\n    international_transfers:\n      countries: [IE]\n      safeguard: adequacy\n    drop_folder:", 1)
	p, err := Parse("test.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckIntegration(t *testing.T) {
	p := withBucketProcessor(t)
	s3 := func(proc, loc, endpoint string, stores bool) Integration {
		return Integration{Name: "S3 object storage", System: "call-recording", Processor: proc, ProcessorField: "s3-processor",
			Location: loc, LocationField: "s3-region", Stores: stores, Endpoint: endpoint}
	}
	tests := []struct {
		name    string
		in      Integration
		problem string // "" when allowed
		field   string // the policy field the error names
		says    []string
	}{
		{"declared, in its countries", s3("aws", "UK", "", true), "", "", nil},
		{"GB is the UK", s3("aws", "GB", "", true), "", "", nil},
		{"passes on only, in a second country", s3("relay", "IE", "", false), "", "", nil},
		{"council's own server with an endpoint", s3(SelfOperated, "UK", "https://s3.council.example", true), "", "", nil},
		{"council's own needs an endpoint", s3(SelfOperated, "UK", "", true), ProblemUndeclared, "systems[1].processors",
			[]string{"s3-processor", "explicit endpoint"}},
		{"no processor named", s3("", "UK", "", true), ProblemUndeclared, "systems[1].processors",
			[]string{"s3-processor", "no processor is named", "systems[1].processors"}},
		{"processor of another system", s3("microsoft", "UK", "", true), ProblemUndeclared, "systems[1].processors",
			[]string{`processor "microsoft" is not declared in systems[1].processors`, "declared: aws, relay"}},
		{"outside its countries", s3("aws", "IE", "", true), ProblemCountries, "systems[1].processors[0].countries",
			[]string{"IE (s3-region) is outside Amazon Web Services's countries", "systems[1].processors[0].countries: UK"}},
		{"undeclared location", s3("aws", "", "", true), ProblemCountries, "systems[1].processors[0].countries",
			[]string{"an undeclared location"}},
		{"stores with a processor that does not", s3("relay", "UK", "", true), ProblemStores, "systems[1].processors[1].stores",
			[]string{"does not store the information", "systems[1].processors[1].stores"}},
		{"unknown system", Integration{Name: "x", System: "nope", Processor: "aws", ProcessorField: "x-processor"}, ProblemUndeclared, "systems",
			[]string{`no system "nope"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := p.CheckIntegration(tc.in)
			if tc.problem == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ie *IntegrationError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want an IntegrationError", err)
			}
			if ie.Problem != tc.problem || ie.PolicyField != tc.field {
				t.Errorf("problem %q field %q, want %q %q", ie.Problem, ie.PolicyField, tc.problem, tc.field)
			}
			if !strings.HasPrefix(err.Error(), tc.in.ProcessorField+": ") {
				t.Errorf("%q does not start with the setting", err)
			}
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("%q does not say %q", err, s)
				}
			}
		})
	}
}
