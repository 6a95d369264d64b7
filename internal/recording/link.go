package recording

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/store"
)

// Single-use links: the one transfer mechanism behind a disclosure's
// collection and a rights package's download. A link's token is given out
// once and stored only as a hash; a transfer claims the link (one at a
// time, in the database, so several serve instances agree), and the link
// is spent only when the whole file was written (Complete), or given back
// after a transfer that failed (Abort) or ran out of time (its claim
// lapses).

// ErrLinkSpent is returned for a link that was used, expired or never
// existed (indistinguishably, on purpose).
var ErrLinkSpent = fail.New(fail.NotFound, "this download link has been used or has expired")

// ErrLinkBusy is returned while another download of the same link is in
// progress: the link is single-use, so only one transfer may hold it.
var ErrLinkBusy = fail.New(fail.Conflict, "this download link is being used by another download right now; if that download does not finish, the link works again")

// LeaseSlack is added to a transfer's time limit for the claim on its
// link, so the claim outlives the transfer (whose write deadline ends it)
// and a second transfer can never overlap the first.
const LeaseSlack = time.Minute

// NewLinkToken returns a fresh token with prefix and the hash stored for it.
func NewLinkToken(prefix string) (token, hash string, err error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", "", err
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(raw)
	return token, LinkHash(token), nil
}

// LinkHash is what the database keeps of a link's token.
func LinkHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewClaim is a fresh claim id for one transfer.
func NewClaim() string { return newID() }

// ClaimError turns a store claim's error into the link's: ErrLinkSpent for
// a spent, expired or unknown link, ErrLinkBusy while another transfer
// holds it.
func ClaimError(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return ErrLinkSpent
	case errors.Is(err, store.ErrConflict):
		return ErrLinkBusy
	}
	return err
}

// LinkClaim describes a link a transfer has claimed.
type LinkClaim struct {
	Table store.LinkTable
	ID    int64
	Claim string
	Name  string // "rights package 3", for errors and logs
	// Entry is the transfer's audit entry with an outcome.
	Entry func(outcome string) audit.Entry
	// OnComplete, if set, adds the caller's own records to Complete's
	// transaction.
	OnComplete func(ctx context.Context, q *store.Q) error
}

// Link is one transfer's hold on a single-use link it has claimed.
type Link struct {
	c     LinkClaim
	db    *store.DB
	audit *audit.Log
	log   *slog.Logger
	now   func() time.Time
}

// Hold returns the transfer's hold on a link it has claimed.
func (s *Service) Hold(c LinkClaim) *Link {
	return &Link{c: c, db: s.db, audit: s.audit, log: s.log, now: s.now}
}

// Complete spends the link after the whole file was written, and audits
// the transfer, in one transaction.
func (l *Link) Complete(ctx context.Context) error {
	err := l.db.Tx(ctx, func(q *store.Q) error {
		if err := q.SpendLink(ctx, l.c.Table, l.c.ID, l.c.Claim, l.now()); err != nil {
			return err
		}
		if l.c.OnComplete != nil {
			if err := l.c.OnComplete(ctx, q); err != nil {
				return err
			}
		}
		_, err := l.audit.Append(ctx, q, l.c.Entry(audit.Success))
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%s: the claim on the link lapsed before the transfer finished", l.c.Name)
	}
	return err
}

// Abort gives the link back after a transfer that did not finish (the
// recipient may have received part of the file, so the attempt is
// audited as a failure).
func (l *Link) Abort(ctx context.Context) error {
	return l.db.Tx(ctx, func(q *store.Q) error {
		if err := q.ReleaseLink(ctx, l.c.Table, l.c.ID, l.c.Claim); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		_, err := l.audit.Append(ctx, q, l.c.Entry(audit.Failure))
		return err
	})
}

// Release gives the link back, unaudited, when a transfer could not start
// after its claim (nothing was sent).
func (l *Link) Release(ctx context.Context) {
	if err := l.db.Q().ReleaseLink(ctx, l.c.Table, l.c.ID, l.c.Claim); err != nil && !errors.Is(err, store.ErrNotFound) {
		l.log.Warn("could not release a download link; it works again when its claim lapses", "link", l.c.Name, "err", err)
	}
}
