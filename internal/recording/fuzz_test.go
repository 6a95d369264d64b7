package recording

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// reasonVocabulary is every text a reason may hold besides values: a value
// that is part of it (say "number") cannot be told apart from our words.
var reasonVocabulary = strings.ToLower(strings.Join(append(sidecarFields(),
	"sidecar s.json is not valid json (the problem is at byte) is empty or cut short is not valid metadata json: must be text a number",
	"started_at must be a time in rfc 3339, like 2026-11-23t09:30:00z it has a field that is not part of the metadata (the fields are , )",
	"calls.csv cannot read the header row: header lacks the column (needs line must be rfc 3339, like duration_seconds must be a number",
	"record on parse error on wrong number of fields bare \" in non-quoted-field extraneous or missing \" in quoted-field column",
	"sha256 channels a int time.time float64", CDRFile, strings.Join(cdrColumns, ", ")), " "))

// leaked reports a value of at least five characters that msg repeats.
func leaked(msg string, values []string) string {
	low := strings.ToLower(msg)
	for _, v := range values {
		v = strings.ToLower(strings.TrimSpace(v))
		if len(v) >= 5 && strings.Contains(low, v) && !strings.Contains(reasonVocabulary, v) && !strings.Contains("sidecar s.json", v) {
			return v
		}
	}
	return ""
}

// FuzzParseSidecar: whatever a sidecar holds, parsing it either succeeds
// or fails with a message that repeats none of its strings or numbers.
func FuzzParseSidecar(f *testing.F) {
	for _, s := range []string{
		`{"external_call_id":"A","direction":"inbound","service_area":"parks","agent_id":"a1","started_at":"2026-11-23T09:30:00Z","duration_seconds":8}`,
		`{"started_at":"07700 900789 Jane Smith"}`,
		`{"duration_seconds":"Jane Smith"}`,
		`{"Jane Smith":"07700 900789"}`,
		`{"other_party_number": 07700 900789}`,
		`{"channels": 1e400}`,
		`{"started_at": 17}`,
		`[1,2,3]`,
		``,
		`{"external_call_id": {"nested": "Jane Smith"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := parseSidecar("s.json", data)
		if err == nil {
			return
		}
		if _, ok := err.(failure); !ok {
			t.Fatalf("error of type %T: %v", err, err)
		}
		if v := leaked(err.Error(), jsonValues(data)); v != "" {
			t.Fatalf("the reason %q repeats %q from the sidecar", err, v)
		}
	})
}

// jsonValues lists the strings, keys and number literals in data, as far
// as it is JSON, and its whitespace-separated words besides.
func jsonValues(data []byte) []string {
	out := strings.Fields(string(data))
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch v := tok.(type) {
		case string:
			out = append(out, v)
		case json.Number:
			out = append(out, string(v))
		}
	}
	return out
}

// FuzzParseCDR: a calls.csv either parses, giving each row its file, or
// fails with a message that repeats none of its cells.
func FuzzParseCDR(f *testing.F) {
	header := "file,external_call_id,direction,service_area,agent_id,other_party_number,started_at,duration_seconds\n"
	for _, s := range []string{
		header + "a.wav,A,inbound,parks,a1,07700 900789,2026-11-23T09:30:00Z,8\n",
		header + "a.wav,A,inbound,parks,a1,07700 900789,Jane Smith,8\n",
		header + "a.wav,A,inbound,parks,a1,07700 900789,2026-11-23T09:30:00Z,Jane Smith\n",
		header + "a.wav,\"Jane \"Smith\",inbound\n",
		header + "a.wav,A\n",
		"file,Jane Smith\n",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		files := map[string]bool{}
		_, err := parseCDR(strings.NewReader(data), func(_ int, file string, rec []string, m Metadata) {
			files[file] = true
			if m.StartedAt.IsZero() {
				t.Fatalf("row for %q parsed without a start time", file)
			}
		})
		if err == nil {
			return
		}
		var cells []string
		for _, line := range strings.Split(data, "\n") {
			cells = append(cells, strings.Split(line, ",")...)
			cells = append(cells, strings.Fields(line)...)
		}
		if v := leaked(err.Error(), cells); v != "" {
			t.Fatalf("the error %q repeats %q from calls.csv", err, v)
		}
	})
}
