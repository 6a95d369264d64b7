package cli

import (
	"strings"
	"testing"
)

// Sizes that used to panic inside the benches are refused as usage errors.
func TestBenchRefusesBadSizes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "ingest", "--size-mb", "0"}, "--size-mb, --rounds, --uploads and --clients must be positive"},
		{[]string{"bench", "ingest", "--uploads", "0"}, "--size-mb, --rounds, --uploads and --clients must be positive"},
		{[]string{"bench", "ingest", "--clients", "-1"}, "--size-mb, --rounds, --uploads and --clients must be positive"},
		{[]string{"bench", "sweep", "--recordings", "0"}, "--recordings must be positive"},
		{[]string{"bench", "sweep", "--expired", "0"}, "--expired a percentage above 0 and at most 100"},
		{[]string{"bench", "sweep", "--expired", "101"}, "--expired a percentage above 0 and at most 100"},
		{[]string{"bench", "sweep", "--expired", "NaN"}, "--expired a percentage above 0 and at most 100"},
		{[]string{"bench", "chat-load", "extra"}, "takes its job as JSON on standard input"},
	} {
		t.Run(strings.Join(tc.args[1:], " "), func(t *testing.T) {
			r := run(t, nil, "", tc.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("code %d, stderr %q; want 2 and %q", r.code, r.stderr, tc.want)
			}
		})
	}
	// bench chat's load generator names what its job lacks.
	if r := run(t, nil, `{"url":"http://127.0.0.1:1"}`, "bench", "chat-load"); r.code != 2 || !strings.Contains(r.stderr, "the job needs url, questions") {
		t.Errorf("incomplete job: %+v", r)
	}
}
