package api

import (
	"net/http"
	"unicode/utf8"

	"github.com/fairline/fairline/internal/pii"
)

// MaxRedactBody is the largest request body POST /api/v1/redact accepts (1 MiB).
const MaxRedactBody = 1 << 20

type redactRequest struct {
	Text string `json:"text"`
}

type redactEntity struct {
	Type  pii.Type `json:"type"`
	Start int      `json:"start"`
	End   int      `json:"end"`
}

type redactResponse struct {
	Redacted string         `json:"redacted"`
	Entities []redactEntity `json:"entities"`
}

// redact removes personal data from staff text (comments, notes) with the detector of the
// policy in force: {"text": "..."} in, {"redacted": "...", "entities": [{"type", "start",
// "end"}]} out, start and end being byte offsets into the UTF-8 text. Neither the text nor
// what was found is logged.
func (s *Server) redact(w http.ResponseWriter, r *http.Request) error {
	var req redactRequest
	if err := decode(r, MaxRedactBody, &req); err != nil {
		return err
	}
	if !utf8.ValidString(req.Text) {
		return Errorf(http.StatusBadRequest, "bad_text", "text must be valid UTF-8")
	}
	red, ents := s.detectors.For(s.Policy()).Redact(req.Text)
	out := redactResponse{Redacted: red, Entities: make([]redactEntity, len(ents))}
	for i, e := range ents {
		out.Entities[i] = redactEntity{e.Type, e.Start, e.End}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
