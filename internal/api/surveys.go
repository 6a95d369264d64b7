package api

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/notify"
	"github.com/fairline/fairline/internal/recording"
)

// notifyCallback takes GOV.UK Notify's delivery receipts for survey texts. Notify
// authenticates with the bearer token set in its callback settings. A receipt also carries the
// recipient's number: notify.ReadCallback never decodes it, so the number is never held in a
// value, stored, logged or echoed in an error.
func (s *Server) notifyCallback(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	cb, err := s.Surveys.ReadReceipt(r)
	switch {
	case errors.Is(err, notify.ErrCallbackUnauthorized):
		w.Header().Set("WWW-Authenticate", `Bearer realm="notify-callback"`)
		return Errorf(http.StatusUnauthorized, "unauthorized", "a delivery receipt must carry the callback's bearer token")
	case err != nil:
		return Errorf(http.StatusBadRequest, "bad_callback", "the body is not a Notify delivery receipt")
	}
	if err := s.Surveys.Delivered(r.Context(), cb.Reference, cb.Status); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// reportCall takes a call reported without its recording (JSON: the recording metadata's
// fields without sha256), so its caller can be sent the feedback survey. The Idempotency-Key
// header makes retries safe. Nothing of the call is stored but what the survey needs.
func (s *Server) reportCall(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	if !p.HasScope(auth.ScopeRecordingsWrite) {
		return Errorf(http.StatusForbidden, "forbidden", "this token may not report calls")
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return Errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the call as application/json")
	}
	var meta recording.Metadata
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&meta); err != nil {
		return Errorf(http.StatusBadRequest, "bad_json", "the call: %v", err)
	}
	if meta.SHA256 != "" {
		return fail.Field("sha256", "sha256: a call without a recording has no audio digest; upload recordings to /api/v1/recordings")
	}
	created, err := s.Recordings.RecordCall(r.Context(), p.Actor(), r.Header.Get("Idempotency-Key"), meta)
	if err != nil {
		return err
	}
	status := http.StatusAccepted
	if !created {
		status = http.StatusOK
	}
	writeJSON(w, status, map[string]any{"created": created})
	return nil
}
