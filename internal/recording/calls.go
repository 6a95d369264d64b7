package recording

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/crypt"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/store"
)

// CallEventKeyRetention is how long a call event's idempotency key hash is kept (call_events):
// retries come within minutes, and a survey request it could start expires within a week.
const CallEventKeyRetention = 7 * 24 * time.Hour

// RecordCall takes a call reported without a recording (a telephony platform that records
// only some calls still reports every call, so its callers can be asked for feedback). Nothing
// of the call is kept but the hash of its idempotency key; the CallHook is told about it in the
// same transaction, as for a recording, and seals the number there if a survey is due. A
// repeated key is a no-op: created is false.
func (s *Service) RecordCall(ctx context.Context, actor, idemKey string, meta Metadata) (created bool, err error) {
	if !token(idemKey, 200) {
		return false, fail.Field("idempotency_key", "Idempotency-Key: is required: a unique key per call, up to 200 printable characters")
	}
	now := s.now()
	if err := meta.validateCall(s.policy(), now); err != nil {
		return false, err
	}
	var e164 string
	if meta.OtherParty != "" {
		e164, _ = crypt.NormalizePhone(meta.OtherParty)
	}
	sum := sha256.Sum256([]byte(idemKey))
	err = s.db.Tx(ctx, func(q *store.Q) error {
		if err := q.CreateCallEvent(ctx, hex.EncodeToString(sum[:]), now); err != nil {
			return err
		}
		if err := s.callStored(ctx, q, meta.ServiceArea, e164, meta.StartedAt.Add(durationOf(meta))); err != nil {
			return err
		}
		_, err := s.audit.Append(ctx, q, audit.Entry{Actor: actor, Action: "call.event", Purpose: "service_improvement",
			Outcome: audit.Success})
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		return false, nil
	}
	return err == nil, err
}

// sweepCallEvents deletes call event keys past CallEventKeyRetention.
func (s *Service) sweepCallEvents(ctx context.Context) error {
	_, err := s.db.Q().DeleteCallEvents(ctx, s.now().Add(-CallEventKeyRetention))
	return err
}
