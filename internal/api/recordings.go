package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"time"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/recording"
)

// uploadRecording takes multipart/form-data with a "metadata" part (JSON,
// first) and an "audio" part (the file), streamed to storage without being
// held in memory. The Idempotency-Key header makes retries safe.
//
// The server's usual short read deadline would cut a large upload on a slow
// line, so this route sets its own from the body's size and a minimum rate
// (UploadLimits); a client slower than that gets a 408 naming the limit,
// and nothing is stored.
func (s *Server) uploadRecording(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	if !p.HasScope(auth.ScopeRecordingsWrite) {
		return Errorf(http.StatusForbidden, "forbidden", "this token may not upload recordings")
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return Errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send multipart/form-data with a metadata part then an audio part")
	}
	limit := s.Recordings.MaxSize() + 1<<20
	if r.ContentLength > limit {
		return s.tooLarge()
	}
	size := r.ContentLength
	if size < 0 {
		size = limit // chunked: allow for the largest upload
	}
	lim := s.UploadLimits.Effective()
	allowed := lim.For(size)
	deadline := time.Now().Add(allowed)
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(deadline); err != nil {
		return fmt.Errorf("upload: set read deadline: %w", err)
	}
	// The answer is written after the digest check and the commit.
	if err := rc.SetWriteDeadline(deadline.Add(time.Minute)); err != nil {
		return fmt.Errorf("upload: set write deadline: %w", err)
	}
	// A body read past the deadline fails with os.ErrDeadlineExceeded; the
	// server then cancels the request's context, so storage may report
	// that instead.
	timedOut := func(err error) error {
		if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.Canceled) && !time.Now().Before(deadline) {
			return Errorf(http.StatusRequestTimeout, "upload_timeout",
				"the upload took longer than the %s allowed for %d bytes (at least %d KB/s after the first %s); nothing was stored: retry on a faster connection",
				allowed.Round(time.Second), size, lim.MinRate>>10, lim.Base)
		}
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	mr, err := r.MultipartReader()
	if err != nil {
		return Errorf(http.StatusBadRequest, "bad_multipart", "the multipart body could not be read: %v", err)
	}
	part, err := mr.NextPart()
	if err != nil || part.FormName() != "metadata" {
		if te := timedOut(err); te != nil {
			return te
		}
		return Errorf(http.StatusBadRequest, "bad_multipart", "the first part must be named metadata and hold the JSON metadata")
	}
	var meta recording.Metadata
	dec := json.NewDecoder(io.LimitReader(part, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&meta); err != nil {
		if te := timedOut(err); te != nil {
			return te
		}
		return Errorf(http.StatusBadRequest, "bad_json", "metadata: %v", err)
	}
	part, err = mr.NextPart()
	if err != nil || part.FormName() != "audio" {
		if te := timedOut(err); te != nil {
			return te
		}
		return Errorf(http.StatusBadRequest, "bad_multipart", "the second part must be named audio and hold the recording")
	}
	got, err := s.Recordings.Ingest(r.Context(), p.Actor(), r.Header.Get("Idempotency-Key"), meta, part)
	if err != nil {
		if te := timedOut(err); te != nil {
			return te
		}
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			return s.tooLarge()
		}
		return err
	}
	status := http.StatusCreated
	if !got.Created {
		status = http.StatusOK
	}
	rec := got.Recording
	writeJSON(w, status, map[string]any{
		"id": rec.ID, "external_call_id": rec.ExternalID, "service_area": rec.ServiceArea, "format": rec.Format,
		"size": rec.Size, "sha256": rec.SHA256, "expires_at": rec.ExpiresAt.Format(time.RFC3339), "created": got.Created,
	})
	return nil
}

// tooLarge answers an upload over the limit, whether its Content-Length
// said so or its body ran past it.
func (s *Server) tooLarge() error {
	return recording.ErrTooLarge.With(fmt.Sprintf("%d MB", s.Recordings.MaxSize()>>20))
}
