package policy

import (
	"strings"
	"testing"
)

func TestRightsIdentifierRetention(t *testing.T) {
	const set = "rights_requests:\n  identifier_retention: {months: 6}\n"
	if !strings.Contains(string(DefaultYAML()), set) {
		t.Fatal("the embedded policy does not state the rights identifier retention")
	}
	for _, tc := range []struct {
		name, replace string
		want          Retention
		problem       string
	}{
		{"as embedded", set, Retention{Months: 6}, ""},
		{"days", "rights_requests:\n  identifier_retention: {days: 40}\n", Retention{Days: 40}, ""},
		{"left out: the default", "", DefaultRightsIdentifierRetention, ""},
		{"an event is refused", "rights_requests:\n  identifier_retention: {until_event: survey_request_sent}\n", Retention{},
			"rights_requests.identifier_retention: must be a period"},
		{"a typo'd length is refused", "rights_requests:\n  identifier_retention: {months: 600}\n", Retention{},
			"rights_requests.identifier_retention.months"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse("p.yaml", []byte(strings.Replace(string(DefaultYAML()), set, tc.replace, 1)))
			if tc.problem != "" {
				if err == nil || !strings.Contains(err.Error(), tc.problem) {
					t.Fatalf("err = %v, want a problem with %q", err, tc.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := p.RightsIdentifierRetention(); got != tc.want {
				t.Errorf("retention = %v, want %v", got, tc.want)
			}
		})
	}
}
