package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/notify"
)

// The example key of Notify's REST API documentation (#authorisation-header).
const (
	docKey     = "my_test_key-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0"
	docService = "26785a09-ab16-4eb0-8407-a37497a57506"
	docSecret  = "3d844edf-8d35-48ac-975b-e847b4f122b0"
)

func TestParseAPIKey(t *testing.T) {
	cases := []struct {
		name, key, wantName, wantErr string
	}{
		{"Notify's example", docKey, "my_test_key", ""},
		{"name with hyphens", "live-key-2024-" + docService + "-" + docSecret, "live-key-2024", ""},
		{"surrounding space from a file", "  " + docKey + "\n", "my_test_key", ""},
		{"empty", "", "", "no API key"},
		{"secret only", docSecret, "", "too short"},
		{"no name", docService + "-" + docSecret, "", "too short"},
		{"joined with underscores", "k_" + docService + "_" + docSecret, "", "UUIDs joined by hyphens"},
		{"service id not a uuid", "k-" + strings.Replace(docService, "a", "z", 1) + "-" + docSecret, "", "service id (its second part) is not a UUID"},
		{"secret not a uuid", "k-" + docService + "-" + strings.Replace(docSecret, "d", "x", 1), "", "secret key (its last part) is not a UUID"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, err := notify.ParseAPIKey(c.key)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				// The key is a credential: no part of its secret may be echoed.
				for _, part := range strings.Split(docSecret, "-") {
					if strings.Contains(err.Error(), part) {
						t.Errorf("error %q repeats part of the secret", err)
					}
				}
				return
			}
			if err != nil || k.Name != c.wantName || k.ServiceID != docService || k.Secret() != docSecret {
				t.Fatalf("got %+v %v", k, err)
			}
			if strings.Contains(k.String(), docSecret) || strings.Contains(k.String(), "3d844edf") {
				t.Errorf("String() shows the secret: %s", k)
			}
		})
	}
}

// The token is the one an independent HS256 implementation (Python's hmac, base64) makes for
// Notify's documented example key and iat.
func TestTokenKnownVector(t *testing.T) {
	k, err := notify.ParseAPIKey(docKey)
	if err != nil {
		t.Fatal(err)
	}
	const want = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9." +
		"eyJpc3MiOiIyNjc4NWEwOS1hYjE2LTRlYjAtODQwNy1hMzc0OTdhNTc1MDYiLCJpYXQiOjE1Njg4MTg1Nzh9." +
		"YT_aQYNif0l3HaPwy62Cj9g0qsYzjnj1K5pLwkELiFw"
	if got := k.Token(time.Unix(1568818578, 0)); got != want {
		t.Errorf("token\n got %s\nwant %s", got, want)
	}
}

func TestScrubNumbers(t *testing.T) {
	cases := []struct{ in, want string }{
		{"phone_number 07700900123 is not valid", "phone_number [number removed] is not valid"},
		{"to +44 7700 900123.", "to [number removed]."},
		{"call (07700) 900-123 now", "call [number removed] now"},
		{"447700900123", "[number removed]"},
		{"Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"},
		// Inside an id the digits are not a number anyone wrote.
		{"sms_sender_id 8e222534-7f05-4972-86e3-17c5d9f894e2 does not exist", "sms_sender_id 8e222534-7f05-4972-86e3-17c5d9f894e2 does not exist"},
		{"six digits 123456 stay", "six digits 123456 stay"},
		{"", ""},
	}
	for _, c := range cases {
		if got := notify.ScrubNumbers(c.in); got != c.want {
			t.Errorf("ScrubNumbers(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestIsUUID(t *testing.T) {
	for s, want := range map[string]bool{
		docService: true, strings.ToUpper(docService): true, "": false, docService + "0": false,
		strings.Replace(docService, "-", "", 1) + "0": false, strings.Replace(docService, "a", "g", 1): false,
	} {
		if notify.IsUUID(s) != want {
			t.Errorf("IsUUID(%q) = %v", s, !want)
		}
	}
}

// FuzzScrubNumbers: a mobile number written with spaces between any two texts never survives,
// and scrubbing twice changes nothing more.
func FuzzScrubNumbers(f *testing.F) {
	f.Add("phone_number", "is not valid")
	f.Add("x", "5x")
	f.Add("(", ")")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, before, after string) {
		out := notify.ScrubNumbers(before + " 07700 900123 " + after)
		if strings.Contains(out, "07700 900123") {
			t.Fatalf("the number survived: %q", out)
		}
		if again := notify.ScrubNumbers(out); again != out {
			t.Fatalf("not idempotent: %q then %q", out, again)
		}
	})
}
