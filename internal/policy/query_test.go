package policy

import (
	"errors"
	"strings"
	"testing"
)

func TestRetentionQuery(t *testing.T) {
	p := Default()
	cases := []struct {
		system, kind, area string
		want               Retention
		errPart            string // empty: no error
		noRetention        bool   // errors.Is(err, ErrNoRetention)
	}{
		{"call-recording", "recording", "adult-social-care", Retention{Months: 9}, "", false},
		{"call-recording", "recording", "first-contact-plus", Retention{Months: 3}, "", false},
		{"call-recording", "recording", "children-and-family-services", Retention{Months: 12}, "", false},
		{"call-recording", "survey_phone_number", "", Retention{UntilEvent: EventSurveyRequestSent}, "", false},
		// A kind without an override falls back to its default in any area.
		{"call-recording", "survey_phone_number", "trading-standards", Retention{UntilEvent: EventSurveyRequestSent}, "", false},
		{"chatbot", "chat_transcript", "", Retention{Months: 12}, "", false},
		{"call-recording", "recording", "", Retention{}, "depends on the service area", true},
		{"call-recording", "survey_response", "", Retention{}, "survey_response", true},
		{"nope", "recording", "", Retention{}, `unknown system "nope"`, false},
		{"call-recording", "video", "", Retention{}, `no data kind "video"`, false},
		{"call-recording", "recording", "libraries", Retention{}, `no service area "libraries"`, false},
		{"chatbot", "chat_transcript", "adult-social-care", Retention{Months: 12}, "", false},
		{"chatbot", "chat_transcript", "housing", Retention{}, `no service area "housing"`, false},
	}
	for _, c := range cases {
		got, err := p.Retention(c.system, c.kind, c.area)
		switch {
		case c.errPart == "" && (err != nil || got != c.want):
			t.Errorf("Retention(%s, %s, %s) = %v, %v; want %v", c.system, c.kind, c.area, got, err, c.want)
		case c.errPart != "" && (err == nil || !strings.Contains(err.Error(), c.errPart)):
			t.Errorf("Retention(%s, %s, %s) error = %v, want one naming %q", c.system, c.kind, c.area, err, c.errPart)
		case c.errPart != "" && errors.Is(err, ErrNoRetention) != c.noRetention:
			t.Errorf("Retention(%s, %s, %s) error %v: errors.Is(ErrNoRetention) = %v", c.system, c.kind, c.area, err, !c.noRetention)
		}
	}
}

func TestRecipientAllowed(t *testing.T) {
	p := Default()
	cases := []struct {
		system, recipient string
		want              bool
	}{
		{"call-recording", "emergency-services", true},
		{"call-recording", "health-professionals", true},
		{"call-recording", "care-providers", true},
		{"call-recording", "police", false},
		{"call-recording", "Emergency Services", false}, // ids, not names
		{"call-recording", "", false},
		{"chatbot", "emergency-services", false},
		{"chatbot", "microsoft", false}, // a processor is not a disclosure recipient
		{"nope", "emergency-services", false},
	}
	for _, c := range cases {
		if got := p.RecipientAllowed(c.system, c.recipient); got != c.want {
			t.Errorf("RecipientAllowed(%s, %q) = %v, want %v", c.system, c.recipient, got, c.want)
		}
	}
}

func TestStorageLocationAllowed(t *testing.T) {
	p := Default()
	cases := []struct {
		system, location string
		want             bool
	}{
		{"call-recording", "UK", true},
		{"call-recording", "uk", true},
		{"call-recording", " GB ", true},
		{"call-recording", "gb", true},
		{"call-recording", "EU", false},
		{"call-recording", "US", false},
		{"call-recording", "IE", false},
		{"call-recording", "", false},
		{"call-recording", "eu-west-2", false},
		{"chatbot", "UK", true},
		{"chatbot", "US", false}, // Microsoft processes in the US but nothing is stored there
		{"nope", "UK", false},
	}
	for _, c := range cases {
		if got := p.StorageLocationAllowed(c.system, c.location); got != c.want {
			t.Errorf("StorageLocationAllowed(%s, %q) = %v, want %v", c.system, c.location, got, c.want)
		}
	}
}

func TestTransferAllowed(t *testing.T) {
	p := Default()
	cases := []struct {
		system, location string
		want             bool
	}{
		{"chatbot", "UK", true},
		{"chatbot", "EU", true},
		{"chatbot", "fr", true},
		{"chatbot", "US", true},
		{"chatbot", "IN", false},
		{"chatbot", "NO", false}, // EEA but not EU
		{"call-recording", "UK", true},
		{"call-recording", "EU", false},
		{"nope", "UK", false},
	}
	for _, c := range cases {
		if got := p.TransferAllowed(c.system, c.location); got != c.want {
			t.Errorf("TransferAllowed(%s, %q) = %v, want %v", c.system, c.location, got, c.want)
		}
	}
}

func TestLocations(t *testing.T) {
	covers := []struct {
		allowed, location string
		want              bool
	}{
		{"UK", "GB", true},
		{"GB", "uk", true},
		{"EU", "FR", true},
		{"EU", "IE", true},
		{"EU", "NO", false},
		{"EU", "GB", false},
		{"EEA", "NO", true},
		{"EEA", "EU", true},
		{"EEA", "DE", true},
		{"EU", "EEA", false},
		{"FR", "EU", false},
		{"US", "US", true},
		{"XX", "XX", false},
	}
	for _, c := range covers {
		if got := LocationCovers(c.allowed, c.location); got != c.want {
			t.Errorf("LocationCovers(%s, %s) = %v, want %v", c.allowed, c.location, got, c.want)
		}
	}
	names := map[string]string{"UK": "the UK", "gb": "the UK", "EU": "the EU", "US": "the US", "FR": "France", "EEA": "the European Economic Area (EEA)", "XX": "XX"}
	for code, want := range names {
		if got := LocationName(code); got != want {
			t.Errorf("LocationName(%s) = %q, want %q", code, got, want)
		}
	}
	codes := LocationCodes()
	if len(codes) != 249+3 {
		t.Errorf("%d location codes, want 249 ISO codes + UK, EU, EEA", len(codes))
	}
	for _, c := range euMembers {
		if _, ok := isoCountries[c]; !ok {
			t.Errorf("EU member %s is not an ISO code", c)
		}
	}
	if len(euMembers) != 27 {
		t.Errorf("%d EU members", len(euMembers))
	}
}

func TestLookups(t *testing.T) {
	p := Default()
	if a, ok := p.ServiceArea("call-recording", "first-contact-plus"); !ok || a.Name != "First Contact Plus" {
		t.Errorf("ServiceArea = %v, %v", a, ok)
	}
	for _, c := range [][2]string{{"call-recording", "nope"}, {"nope", "first-contact-plus"}, {"chatbot", "housing"}} {
		if _, ok := p.ServiceArea(c[0], c[1]); ok {
			t.Errorf("ServiceArea(%s, %s) found", c[0], c[1])
		}
	}
	if k, ok := p.DataKind("chatbot", "chat_transcript"); !ok || !k.PersonalData {
		t.Errorf("DataKind = %v, %v", k, ok)
	}
	if _, ok := p.DataKind("nope", "chat_transcript"); ok {
		t.Error("DataKind of unknown system found")
	}
	s, _ := p.System("call-recording")
	if pu, ok := s.Purpose("training"); !ok || pu.Name != "Training purposes" {
		t.Errorf("Purpose = %v, %v", pu, ok)
	}
	if !s.HasSpecialCategoryData() || !s.RetentionVariesByArea("recording") || s.RetentionVariesByArea("survey_phone_number") {
		t.Error("call recording: special category data, per-area recordings expected")
	}
	procs := p.Processors("chatbot")
	procs[0].Stores = true
	procs[0].Countries = nil
	if p.Processors("chatbot")[0].Stores {
		t.Error("Processors must return a copy")
	}
	if p.Processors("nope") != nil {
		t.Error("Processors of unknown system")
	}
}

func TestText(t *testing.T) {
	p := Default()
	cases := []struct {
		system, in, want, errPart string
	}{
		{"chatbot", "kept for {retention:chat_transcript}.", "kept for 12 months.", ""},
		{"chatbot", "from {sources}", "from our website or startaconversation.co.uk", ""},
		{"call-recording", "numbers kept {retention:survey_phone_number}", "numbers kept until the survey request is sent", ""},
		{"chatbot", "no placeholders", "no placeholders", ""},
		{"call-recording", "from {sources}", "", "no sources"},
		{"call-recording", "for {service_areas}.", "for Adult Social Care, Environment and Transport, Children and Family Services, Trading Standards and First Contact Plus.", ""},
		{"call-recording", "{retention:recording}", "", "no default retention"},
		{"chatbot", "{colour}", "", "unknown placeholder {colour}"},
		{"chatbot", "open {brace", "", "unclosed placeholder"},
		{"nope", "x", "", "unknown system"},
	}
	for _, c := range cases {
		got, err := p.Text(c.system, c.in)
		if c.errPart == "" && (err != nil || got != c.want) {
			t.Errorf("Text(%s, %q) = %q, %v; want %q", c.system, c.in, got, err, c.want)
		}
		if c.errPart != "" && (err == nil || !strings.Contains(err.Error(), c.errPart)) {
			t.Errorf("Text(%s, %q) error = %v, want %q", c.system, c.in, err, c.errPart)
		}
	}
	if JoinAnd([]string{"a"}) != "a" || JoinAnd([]string{"a", "b", "c"}) != "a, b and c" || JoinOr([]string{"a", "b"}) != "a or b" || JoinOr(nil) != "" {
		t.Error("JoinAnd/JoinOr")
	}
}
