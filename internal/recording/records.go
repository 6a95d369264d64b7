package recording

import (
	"context"

	"github.com/fairline/fairline/internal/store"
)

// The records callers above the store read through this package: the pages
// see recording's names, and only this package speaks to the store about
// recordings, holds and disclosures.
type (
	// Recording is a stored call recording's row (metadata, never audio).
	Recording = store.Recording
	// Filter selects recordings for Search.
	Filter = store.RecordingFilter
	// Hold is a legal hold on a recording.
	Hold = store.LegalHold
	// Disclosure is an entry in the disclosure register.
	Disclosure = store.Disclosure
)

// Holds lists the legal holds of the recording id, active first. The
// caller has checked that its user may see them (information governance).
func (s *Service) Holds(ctx context.Context, id string) ([]Hold, error) {
	return s.db.Q().LegalHolds(ctx, id)
}

// Disclosures is the disclosure register, newest first, at most limit
// entries.
func (s *Service) Disclosures(ctx context.Context, limit int) ([]Disclosure, error) {
	return s.db.Q().Disclosures(ctx, limit)
}
