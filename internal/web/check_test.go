package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/auth"
)

// The console's Promises page shows each promise with its notice sentence, result and detail;
// the public /transparency page the same promises with figures only: never a detail, which
// names configuration.
func TestPromisePages(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("ig@example.gov.uk", auth.InformationGovernance)
	rec := s.addRecording("p1", "trading-standards")
	// The recording's audio is lost: the promise "no recording without its audio" is broken.
	if err := s.app.Blobs.Delete(context.Background(), rec.BlobKey); err != nil {
		t.Fatal(err)
	}

	code, body, _ := s.get(s.client(), "/transparency")
	if code != http.StatusOK {
		t.Fatalf("/transparency: %d", code)
	}
	for _, want := range []string{"Are we keeping our privacy promises?", "No recording without its audio", "Broken",
		"Not checked yet", "we will hold it for no longer than 12 months", "Promises broken: <strong>1</strong>"} {
		if !strings.Contains(body, want) {
			t.Errorf("/transparency lacks %q", want)
		}
	}
	for _, never := range []string{"audio is missing", "Microsoft, but no integration", rec.ID} {
		if strings.Contains(body, never) {
			t.Errorf("/transparency shows %q", never)
		}
	}

	ig := s.signIn("ig@example.gov.uk")
	code, body, _ = s.get(ig, "/console/promises")
	if code != http.StatusOK {
		t.Fatalf("/console/promises: %d", code)
	}
	for _, want := range []string{"1 recordings whose audio is missing from the blob store",
		"the Website Chatbot notice names Microsoft, but no integration sends it data", `id="promise-row-without-blob"`} {
		if !strings.Contains(body, want) {
			t.Errorf("/console/promises lacks %q", want)
		}
	}
}
