package recording

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/fairline/fairline/internal/audio"
	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/blob"
	"github.com/fairline/fairline/internal/crypt"
	"github.com/fairline/fairline/internal/store"
)

// Training copies. When a call's service area sets a training retention
// (service_areas[].retention.training), a clip added to a training playlist
// gets its own copy of its segment of the audio: encrypted under its own
// data key, wrapped like a recording's, in the same blob store under
// training/, streamed from the decrypted recording into the encrypting
// writer so no plaintext touches disk. The copy lives from when the clip
// was chosen until the training period ends, even after the recording
// itself is destroyed, and then the sweep destroys it (row and key in one
// transaction, then the blob). Erasure destroys it with its recording; a
// rights request finds it by the number's fingerprint once the recording is
// gone (EraseTrainingCopies); restriction marks it (store.RestrictClipCopies).
// Only WAV (PCM, G.711) is cut: MP3 and Opus segments would need a decoder,
// so their clips stay pointers into the recording and go with it.

// TrainingPrefix is where training copies live in the blob store.
const TrainingPrefix = "training/"

func trainingAD(blobKey string) []byte { return []byte("fairline-training:" + blobKey) }

// TrainingCopy makes clip's own copy of recording r's segment [start, end)
// (end 0: to the end) when r's area keeps training copies, returning the
// copy's fields (blob, wrapped key, media type, expiry, number fingerprint)
// to store with the clip; ok false when the area keeps none or the format
// cannot be cut. The caller stores them in a transaction and calls
// DiscardTrainingCopy if that fails (SweepOrphans would remove it anyway).
func (s *Service) TrainingCopy(ctx context.Context, r store.Recording, start, end time.Duration) (c store.Clip, ok bool, err error) {
	ret, ok := s.policy().TrainingRetention(System, r.ServiceArea)
	if !ok {
		return c, false, nil
	}
	pb, err := s.decrypt(ctx, r)
	if err != nil {
		return c, false, err
	}
	defer pb.Close()
	head, err := bufio.NewReaderSize(pb, audio.SniffLen).Peek(audio.SniffLen)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return c, false, fmt.Errorf("recording %s: read header: %w", r.ID, err)
	}
	layout, err := audio.ParseWAVLayout(head)
	if errors.Is(err, audio.ErrUnsupported) {
		return c, false, nil
	}
	from, to := layout.Span(start, end, pb.Size)
	header, err := layout.Header(to - from)
	if err != nil {
		return c, false, err
	}
	if _, err := pb.Seek(from, io.SeekStart); err != nil {
		return c, false, err
	}
	id := newID()
	key := TrainingPrefix + id[:2] + "/" + id
	dataKey, err := crypt.NewDataKey()
	if err != nil {
		return c, false, err
	}
	defer clear(dataKey)
	_, err = blob.PutWriting(ctx, s.blobs, key, func(w io.Writer) error {
		enc, err := crypt.NewEncryptWriter(w, dataKey, trainingAD(key))
		if err != nil {
			return err
		}
		if _, err = enc.Write(header); err == nil {
			_, err = io.CopyN(enc, pb, to-from)
		}
		if cerr := enc.Close(); err == nil {
			err = cerr
		}
		return err
	})
	if err != nil {
		s.removeBlob(key)
		return c, false, fmt.Errorf("recording %s: training copy: %w", r.ID, err)
	}
	wrapped, err := s.keys.Wrap(ctx, dataKey)
	if err != nil {
		s.removeBlob(key)
		return c, false, fmt.Errorf("wrap training copy key: %w", err)
	}
	return store.Clip{CopyBlobKey: key, CopyWrappedKey: wrapped.String(), CopyMediaType: r.MediaType,
		CopyExpiresAt: ret.ExpiresAt(s.now()), NumberBIdx: r.NumberBIdx}, true, nil
}

// DiscardTrainingCopy removes a copy whose clip was never stored.
func (s *Service) DiscardTrainingCopy(key string) { s.removeBlob(key) }

// OpenTrainingCopy decrypts clip c's own copy. The caller has checked who
// may hear it and audits the access.
func (s *Service) OpenTrainingCopy(ctx context.Context, c store.Clip) (*Playback, error) {
	wk, err := crypt.ParseWrappedKey(c.CopyWrappedKey)
	if err != nil {
		return nil, fmt.Errorf("clip %d: %w", c.ID, err)
	}
	key, err := s.keys.Unwrap(ctx, wk)
	if err != nil {
		return nil, fmt.Errorf("clip %d: unwrap key: %w", c.ID, err)
	}
	defer clear(key)
	obj, err := s.blobs.Open(ctx, c.CopyBlobKey)
	if err != nil {
		return nil, fmt.Errorf("clip %d: open blob: %w", c.ID, err)
	}
	dec, err := crypt.NewDecryptReaderAt(obj, obj.Size(), key, trainingAD(c.CopyBlobKey))
	if err != nil {
		obj.Close()
		return nil, fmt.Errorf("clip %d: %w", c.ID, err)
	}
	return &Playback{ReadSeeker: dec.ReadSeeker(), Size: dec.Size(), MediaType: c.CopyMediaType, ModTime: c.AddedAt, closer: obj}, nil
}

// sweepTrainingCopies destroys the training copies past their own expiry:
// each batch's rows (with the only wrapped keys) and audit entries in one
// transaction, then their blobs. It returns how many went.
func (s *Service) sweepTrainingCopies(ctx context.Context) (int, error) {
	n := 0
	for {
		var batch []store.Clip
		err := s.db.Tx(ctx, func(q *store.Q) error {
			var err error
			if batch, err = q.ExpiredClipCopies(ctx, s.now(), SweepBatch); err != nil || len(batch) == 0 {
				return err
			}
			return s.dropTrainingCopies(ctx, q, "system", "training_retention_expired", batch)
		})
		if err != nil {
			return n, err
		}
		if err := s.deleteCopyBlobs(ctx, batch); err != nil {
			return n, err
		}
		n += len(batch)
		if len(batch) < SweepBatch {
			return n, nil
		}
	}
}

// dropTrainingCopies deletes clips' rows (and so their keys) with one audit
// entry each, in q's transaction.
func (s *Service) dropTrainingCopies(ctx context.Context, q *store.Q, actor, reason string, clips []store.Clip) error {
	ids := make([]int64, len(clips))
	entries := make([]audit.Entry, len(clips))
	for i, c := range clips {
		ids[i] = c.ID
		entries[i] = copyDeleteEntry(actor, c, reason)
	}
	if err := q.DeleteClips(ctx, ids); err != nil {
		return err
	}
	return s.audit.AppendMany(ctx, q, entries)
}

func copyDeleteEntry(actor string, c store.Clip, reason string) audit.Entry {
	return audit.Entry{Actor: actor, Action: "training.copy_delete", Object: fmt.Sprintf("clip:%d", c.ID), Purpose: reason,
		Outcome: audit.Success}
}

// deleteCopyBlobs removes destroyed copies' blobs; a failure leaves them to
// SweepOrphans (their keys are already gone).
func (s *Service) deleteCopyBlobs(ctx context.Context, clips []store.Clip) error {
	keys := make([]string, len(clips))
	for i, c := range clips {
		keys[i] = c.CopyBlobKey
	}
	if len(keys) == 0 {
		return nil
	}
	return blob.DeleteMany(ctx, s.blobs, keys)
}

// EraseTrainingCopies destroys the training copies of calls with the
// number of fingerprint bidx (hex), for an erasure request that finds them
// after their recordings are gone. It returns how many went.
func (s *Service) EraseTrainingCopies(ctx context.Context, actor, bidx string) (int, error) {
	var clips []store.Clip
	err := s.db.Tx(ctx, func(q *store.Q) error {
		var err error
		if clips, err = q.ClipCopiesByNumber(ctx, bidx); err != nil || len(clips) == 0 {
			return err
		}
		return s.dropTrainingCopies(ctx, q, actor, "erasure_request", clips)
	})
	if err != nil {
		return 0, err
	}
	return len(clips), s.deleteCopyBlobs(ctx, clips)
}

// OverdueTrainingCopies counts training copies past their own expiry.
func (s *Service) OverdueTrainingCopies(ctx context.Context) (int64, error) {
	return s.db.Q().CountExpiredClipCopies(ctx, s.now())
}

// TrainingBlobsWithoutRow counts blobs under training/ older than grace
// that no clip owns: copies whose clip was never stored or whose blob
// removal did not finish.
func (s *Service) TrainingBlobsWithoutRow(ctx context.Context, grace time.Duration) (int, error) {
	n := 0
	err := s.orphans(ctx, TrainingPrefix, grace, func(string) { n++ })
	return n, err
}

// applyTrainingRetention recomputes the expiry of area's training copies
// from the policy in force: added + the area's training period, or, when
// the area no longer sets one, when they were added, so the next sweep
// destroys them (the notice no longer says they are kept). It returns how
// many changed.
func (s *Service) applyTrainingRetention(ctx context.Context, area string) (int, error) {
	clips, err := s.db.Q().ClipCopiesOfArea(ctx, area)
	if err != nil || len(clips) == 0 {
		return 0, err
	}
	ret, keeps := s.policy().TrainingRetention(System, area)
	n := 0
	err = s.db.Tx(ctx, func(q *store.Q) error {
		for _, c := range clips {
			exp := c.AddedAt
			if keeps {
				exp = ret.ExpiresAt(c.AddedAt)
			}
			if !exp.Equal(c.CopyExpiresAt) {
				if err := q.SetClipCopyExpiry(ctx, c.ID, exp); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
	return n, err
}

// rewrapTrainingCopies re-wraps area's training copy keys under the key
// provider's current KEK version (RewrapAll).
func (s *Service) rewrapTrainingCopies(ctx context.Context, area string) (int, error) {
	clips, err := s.db.Q().ClipCopiesOfArea(ctx, area)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range clips {
		wk, err := crypt.ParseWrappedKey(c.CopyWrappedKey)
		if err != nil {
			return n, fmt.Errorf("clip %d: %w", c.ID, err)
		}
		if !crypt.NeedsRewrap(s.keys, wk) {
			continue
		}
		nwk, err := crypt.Rewrap(ctx, s.keys, wk)
		if err != nil {
			return n, fmt.Errorf("clip %d: %w", c.ID, err)
		}
		if err := s.db.Q().RewrapClipKey(ctx, c.ID, c.CopyWrappedKey, nwk.String()); err != nil && !errors.Is(err, store.ErrNotFound) {
			return n, err
		}
		n++
	}
	return n, nil
}
