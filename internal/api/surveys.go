package api

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// notifyCallback takes GOV.UK Notify's delivery receipts for survey texts. Notify
// authenticates with the bearer token set in its callback settings. A receipt also carries the
// recipient's number: only its reference and status are decoded (readCallback), so the number
// is never held in a value, stored, logged or echoed in an error.
func (s *Server) notifyCallback(w http.ResponseWriter, r *http.Request) error {
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || !s.Surveys.CallbackAuthorized(bearer) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="notify-callback"`)
		return Errorf(http.StatusUnauthorized, "unauthorized", "a delivery receipt must carry the callback's bearer token")
	}
	ref, status, err := readCallback(http.MaxBytesReader(w, r.Body, 16<<10))
	if err != nil {
		return Errorf(http.StatusBadRequest, "bad_callback", "the body is not a Notify delivery receipt")
	}
	if err := s.Surveys.Delivered(r.Context(), ref, status); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// readCallback decodes the reference and status of a Notify delivery receipt and nothing
// else. (The Notify client's notify.ReadCallback replaces it at merge.)
func readCallback(body io.Reader) (reference, status string, err error) {
	var cb struct {
		Reference string `json:"reference"`
		Status    string `json:"status"`
	}
	if err := json.NewDecoder(body).Decode(&cb); err != nil {
		return "", "", err
	}
	if cb.Reference == "" || cb.Status == "" {
		return "", "", io.ErrUnexpectedEOF
	}
	return cb.Reference, cb.Status, nil
}
