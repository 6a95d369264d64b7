package recording

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/blob"
	"github.com/fairline/fairline/internal/crypt"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/store"
)

// SweepResult counts what a sweep did.
type SweepResult struct {
	Deleted  int // recordings destroyed because their period ended
	Finished int // earlier deletions whose blob removal had not completed
	Orphans  int // blobs with no recording (uploads that crashed before commit)
	// DropFolderFiles are files deleted from drop folders' failed/ after
	// the policy's drop_folder.failed_retention.
	DropFolderFiles int
	// TrainingCopies are clips' own copies destroyed because their
	// training retention ended.
	TrainingCopies int
	// RightsIdentifiers are closed rights cases whose identifiers the same
	// pass destroyed (app.Sweep fills it from internal/rights).
	RightsIdentifiers int
}

// SweepBatch is how many recordings one sweep transaction handles.
const SweepBatch = 500

// Sweep destroys every recording past its service area's retention period
// that is not under a legal hold, and finishes interrupted deletions. Its
// cost follows the number of expired recordings, not the number stored:
// each batch is one transaction that destroys the wrapped keys and writes
// one audit entry per recording, then the blobs go, a few at a time, then
// the rows. Then the drop folders' failed imports past their period go, and
// call event keys past CallEventKeyRetention.
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	res, err := s.sweepRecordings(ctx)
	if err != nil {
		return res, err
	}
	if res.TrainingCopies, err = s.sweepTrainingCopies(ctx); err != nil {
		return res, err
	}
	res.DropFolderFiles, err = s.SweepDropFolders(ctx)
	if err != nil {
		return res, err
	}
	return res, s.sweepCallEvents(ctx)
}

func (s *Service) sweepRecordings(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	for {
		tombs, err := s.db.Q().ShreddedRecordings(ctx, SweepBatch)
		if err != nil {
			return res, err
		}
		if err := s.finishDeletes(ctx, tombs); err != nil {
			return res, err
		}
		res.Finished += len(tombs)
		if len(tombs) < SweepBatch {
			break
		}
	}
	for {
		var batch []store.Recording
		var looked int
		err := s.db.Tx(ctx, func(q *store.Q) error {
			var err error
			if batch, looked, err = q.ClaimExpiredRecordings(ctx, s.now(), SweepBatch); err != nil || len(batch) == 0 {
				return err
			}
			ids := make([]string, len(batch))
			entries := make([]audit.Entry, len(batch))
			for i, r := range batch {
				ids[i] = r.ID
				entries[i] = deleteEntry("system", r.ID, "retention_expired")
			}
			if err := q.ShredRecordings(ctx, ids, s.now()); err != nil {
				return err
			}
			return s.audit.AppendMany(ctx, q, entries)
		})
		if err != nil {
			return res, err
		}
		s.deleted.WithLabelValues("retention_expired").Add(float64(len(batch)))
		if err := s.finishDeletes(ctx, batch); err != nil {
			return res, err
		}
		res.Deleted += len(batch)
		if looked < SweepBatch {
			return res, nil
		}
	}
}

// Destroy deletes one recording for reason (a token such as
// "retention_expired" or "erasure_request"): the wrapped key and sealed
// number go first, in a transaction with the audit entry, then the blob,
// then the row. Sweep and Destroy share shred and finishDeletes: there is
// one way recordings are deleted.
func (s *Service) Destroy(ctx context.Context, actor, id, reason string) error {
	_, err := s.destroy(ctx, actor, id, reason, func(_ *store.Q, rec store.Recording) (string, error) {
		if rec.OnHold {
			return "", fmt.Errorf("recording %s is under a legal hold", id)
		}
		return "", nil
	})
	return err
}

// destroy deletes recording id unless keep, asked in the deletion's
// transaction, gives a reason to keep it (returned, nothing deleted) or
// an error.
func (s *Service) destroy(ctx context.Context, actor, id, reason string,
	keep func(q *store.Q, rec store.Recording) (string, error)) (string, error) {
	var rec store.Recording
	var kept string
	var copies []store.Clip
	err := s.db.Tx(ctx, func(q *store.Q) error {
		var err error
		// The lock makes a hold, disclosure or exemption being placed now
		// either commit before keep reads them or find the recording gone.
		if rec, err = q.LockRecording(ctx, id); err != nil {
			return err
		}
		if kept, err = keep(q, rec); err != nil || kept != "" {
			return err
		}
		// Only the retention sweep leaves training copies to their own
		// period: a recording destroyed on purpose (erasure) takes them.
		if copies, err = q.DropClipCopiesOf(ctx, []string{id}); err != nil {
			return err
		}
		entries := make([]audit.Entry, len(copies))
		for i, c := range copies {
			entries[i] = copyDeleteEntry(actor, c, reason)
		}
		if err := s.audit.AppendMany(ctx, q, entries); err != nil {
			return err
		}
		return s.shred(ctx, q, actor, id, reason)
	})
	if err != nil || kept != "" {
		return kept, err
	}
	s.deleted.WithLabelValues(reason).Inc()
	if err := s.deleteCopyBlobs(ctx, copies); err != nil {
		return "", err
	}
	return "", s.finishDeletes(ctx, []store.Recording{rec})
}

func (s *Service) shred(ctx context.Context, q *store.Q, actor, id, reason string) error {
	if err := q.ShredRecording(ctx, id, s.now()); err != nil {
		return err
	}
	_, err := s.audit.Append(ctx, q, deleteEntry(actor, id, reason))
	return err
}

func deleteEntry(actor, id, reason string) audit.Entry {
	return audit.Entry{Actor: actor, Action: "recording.delete", Object: "recording:" + id, Purpose: reason, Outcome: audit.Success}
}

// finishDeletes removes the blobs of shredded recordings, in one batch, and
// then their rows.
func (s *Service) finishDeletes(ctx context.Context, rs []store.Recording) error {
	if len(rs) == 0 {
		return nil
	}
	ids, keys := make([]string, len(rs)), make([]string, len(rs))
	for i, r := range rs {
		ids[i], keys[i] = r.ID, r.BlobKey
	}
	if err := blob.DeleteMany(ctx, s.blobs, keys); err != nil {
		return err // the rows stay as tombstones; the next sweep retries
	}
	return s.db.Q().DeleteRecordingRows(ctx, ids)
}

// SweepOrphans deletes blobs under recordings/ and training/ that no row
// owns and that are older than grace (an upload or a training copy in
// flight has a blob before its row).
func (s *Service) SweepOrphans(ctx context.Context, grace time.Duration) (int, error) {
	var orphans []string
	for _, prefix := range []string{"recordings/", TrainingPrefix} {
		if err := s.orphans(ctx, prefix, grace, func(k string) { orphans = append(orphans, k) }); err != nil {
			return 0, err
		}
	}
	for _, k := range orphans {
		if err := s.blobs.Delete(ctx, k); err != nil {
			return 0, err
		}
	}
	return len(orphans), nil
}

// orphans calls found with each blob under prefix (recordings/ or
// training/) older than grace that no row owns.
func (s *Service) orphans(ctx context.Context, prefix string, grace time.Duration, found func(key string)) error {
	cutoff := s.now().Add(-grace)
	owns := s.db.Q().RecordingBlobKeyExists
	if prefix == TrainingPrefix {
		owns = s.db.Q().ClipCopyBlobExists
	}
	return s.blobs.List(ctx, prefix, func(info blob.Info) error {
		if info.ModTime.After(cutoff) {
			return nil
		}
		owned, err := owns(ctx, info.Key)
		if err == nil && !owned {
			found(info.Key)
		}
		return err
	})
}

// ApplyRetention recomputes the expiry of every live recording (and
// training copy) from the policy in force, so shortening (or lengthening) a period applies to
// recordings already stored, and removes sealed numbers from recordings of
// areas that no longer keep them (keep_sealed_number). Run after a policy
// change.
func (s *Service) ApplyRetention(ctx context.Context) (int, error) {
	pol := s.policy()
	sys, ok := pol.System(System)
	if !ok {
		return 0, errors.New("the policy has no call-recording system")
	}
	changed := 0
	for _, area := range sys.ServiceAreas {
		ret, err := pol.Retention(System, DataKind, area.ID)
		if err != nil {
			return changed, err
		}
		if !area.KeepSealedNumber {
			// The notice now says only the fingerprint is kept for this area: numbers
			// sealed under an earlier policy (or release) go too.
			n, err := s.db.Q().DropRecordingNumbers(ctx, area.ID)
			if err != nil {
				return changed, err
			}
			changed += int(n)
		}
		n, err := s.applyTrainingRetention(ctx, area.ID)
		if err != nil {
			return changed, err
		}
		changed += n
		after := ""
		for {
			batch, err := s.db.Q().RecordingsOfArea(ctx, area.ID, after, SweepBatch)
			if err != nil {
				return changed, err
			}
			err = s.db.Tx(ctx, func(q *store.Q) error {
				for _, r := range batch {
					if exp := ret.ExpiresAt(r.StartedAt); !exp.Equal(r.ExpiresAt) {
						if err := q.SetRecordingExpiry(ctx, r.ID, exp); err != nil {
							return err
						}
						changed++
					}
				}
				return nil
			})
			if err != nil {
				return changed, err
			}
			if len(batch) < SweepBatch {
				break
			}
			after = batch[len(batch)-1].ID
		}
	}
	return changed, nil
}

// PlaceHold suspends deletion of a recording until released.
func (s *Service) PlaceHold(ctx context.Context, actor, id, reason string, reviewAt time.Time) (int64, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 500 {
		return 0, fail.Field("reason", "give a reason of up to 500 characters (for example the case or claim reference)")
	}
	if !reviewAt.After(s.now()) {
		return 0, fail.Field("review_at", "the review date must be in the future")
	}
	var hid int64
	err := s.db.Tx(ctx, func(q *store.Q) error {
		// Locked against a deletion under way: see store.LockRecording.
		if _, err := q.LockRecording(ctx, id); err != nil {
			return err
		}
		var err error
		if hid, err = q.PlaceLegalHold(ctx, store.LegalHold{RecordingID: id, Reason: reason, ReviewAt: reviewAt,
			PlacedBy: actor, PlacedAt: s.now()}); err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, q, audit.Entry{Actor: actor, Action: "recording.hold", Object: "recording:" + id,
			Purpose: "legal_hold", Outcome: audit.Success})
		return err
	})
	return hid, err
}

// ReleaseHold ends a hold; the recording is then deleted by the next sweep
// if its period has ended.
func (s *Service) ReleaseHold(ctx context.Context, actor string, holdID int64, recordingID string) error {
	return s.db.Tx(ctx, func(q *store.Q) error {
		holds, err := q.LegalHolds(ctx, recordingID)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(holds, func(h store.LegalHold) bool { return h.ID == holdID }) {
			return store.ErrNotFound
		}
		if err := q.ReleaseLegalHold(ctx, holdID, actor, s.now()); err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, q, audit.Entry{Actor: actor, Action: "recording.release", Object: "recording:" + recordingID,
			Purpose: "legal_hold", Outcome: audit.Success})
		return err
	})
}

// RewrapAll re-wraps every live recording's (and training copy's) data key under the key
// provider's current KEK version, after a rotation. Audio is not
// re-encrypted: only the small wrapped keys change. It returns how many
// keys were re-wrapped.
func (s *Service) RewrapAll(ctx context.Context) (int, error) {
	n := 0
	for _, area := range s.areas() {
		copies, err := s.rewrapTrainingCopies(ctx, area)
		if err != nil {
			return n, err
		}
		n += copies
		after := ""
		for {
			batch, err := s.db.Q().RecordingsOfArea(ctx, area, after, SweepBatch)
			if err != nil {
				return n, err
			}
			for _, r := range batch {
				wk, err := crypt.ParseWrappedKey(r.WrappedKey)
				if err != nil {
					return n, fmt.Errorf("recording %s: %w", r.ID, err)
				}
				if !crypt.NeedsRewrap(s.keys, wk) {
					continue
				}
				nwk, err := crypt.Rewrap(ctx, s.keys, wk)
				if err != nil {
					return n, fmt.Errorf("recording %s: %w", r.ID, err)
				}
				if err := s.db.Q().RewrapRecordingKey(ctx, r.ID, r.WrappedKey, nwk.String()); err != nil && !errors.Is(err, store.ErrNotFound) {
					return n, err
				}
				n++
			}
			if len(batch) < SweepBatch {
				break
			}
			after = batch[len(batch)-1].ID
		}
	}
	return n, nil
}

// areas lists the service areas recordings may belong to.
func (s *Service) areas() []string {
	var out []string
	if sys, ok := s.policy().System(System); ok {
		for _, a := range sys.ServiceAreas {
			out = append(out, a.ID)
		}
	}
	return out
}
