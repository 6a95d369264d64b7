package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// The SQL of post-call surveys (internal/surveys; schema and retention in
// migrations/*/0015_surveys.sql).

// States of a survey request. Only SurveyDue and SurveySending rows may hold
// a number; the other states are final and every change into one blanks it.
const (
	SurveyDue       = "due"
	SurveySending   = "sending"
	SurveySent      = "sent"
	SurveyFailed    = "failed"    // Notify refused it for good (an invalid number)
	SurveyExpired   = "expired"   // not sent by its expiry
	SurveyCancelled = "cancelled" // the area no longer sends surveys
)

// SurveyRequest is a row of the survey outbox.
type SurveyRequest struct {
	Reference      string
	ServiceArea    string
	DueAt          time.Time
	ExpiresAt      time.Time
	State          string
	NumberCT       string // the sealed number; empty once destroyed
	NumberBIdx     string // the number's blind index (hex); empty with NumberCT
	Attempts       int
	ClaimedBy      string
	ClaimedUntil   time.Time
	DeliveryStatus string
	FinishedAt     time.Time
}

const surveyRequestColumns = `reference, service_area, due_at, expires_at, state, number_ct, attempts, claimed_by,
	claimed_until, delivery_status, finished_at, number_bidx`

// destroyNumber is the SET clause that destroys a request's number and its
// blind index together: every change to a final state uses it.
const destroyNumber = `number_ct = '', number_bidx = ''`

func scanSurveyRequest(s scanner) (SurveyRequest, error) {
	var r SurveyRequest
	var due, exp, until, fin int64
	err := s.Scan(&r.Reference, &r.ServiceArea, &due, &exp, &r.State, &r.NumberCT, &r.Attempts, &r.ClaimedBy,
		&until, &r.DeliveryStatus, &fin, &r.NumberBIdx)
	r.DueAt, r.ExpiresAt, r.ClaimedUntil, r.FinishedAt = fromMicros(due), fromMicros(exp), fromMicros(until), fromMicros(fin)
	return r, err
}

// CreateSurveyRequest adds a due request holding its sealed number.
func (q *Q) CreateSurveyRequest(ctx context.Context, r SurveyRequest) error {
	_, err := q.exec(ctx, `INSERT INTO survey_requests (reference, service_area, due_at, expires_at, state, number_ct, number_bidx)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, r.Reference, r.ServiceArea, toMicros(r.DueAt), toMicros(r.ExpiresAt), SurveyDue, r.NumberCT,
		r.NumberBIdx)
	if err != nil {
		return fmt.Errorf("store: create survey request: %w", err)
	}
	return nil
}

// SurveyRequest reads one request.
func (q *Q) SurveyRequest(ctx context.Context, ref string) (SurveyRequest, error) {
	return scanSurveyRequest(q.queryRow(ctx, `SELECT `+surveyRequestColumns+` FROM survey_requests WHERE reference = ?`, ref))
}

// AllSurveyRequests lists every request, oldest due first (tests and
// inspection; the sender uses SurveyRequestsToWork).
func (q *Q) AllSurveyRequests(ctx context.Context) ([]SurveyRequest, error) {
	rows, err := q.query(ctx, `SELECT `+surveyRequestColumns+` FROM survey_requests ORDER BY due_at, reference`)
	if err != nil {
		return nil, fmt.Errorf("store: survey requests: %w", err)
	}
	return collect(rows, scanSurveyRequest)
}

// SurveyRequestsToWork lists up to limit requests a sender should look at
// now: due ones whose time has come, and "sending" ones whose claim ran out
// (their sender died between asking Notify and recording the answer).
func (q *Q) SurveyRequestsToWork(ctx context.Context, now time.Time, limit int) ([]SurveyRequest, error) {
	rows, err := q.query(ctx, `SELECT `+surveyRequestColumns+` FROM survey_requests
		WHERE (state = ? AND due_at <= ?) OR (state = ? AND claimed_until <= ?)
		ORDER BY due_at LIMIT ?`, SurveyDue, toMicros(now), SurveySending, toMicros(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: survey requests to work: %w", err)
	}
	return collect(rows, scanSurveyRequest)
}

// ClaimSurveyRequest marks a request "sending" for worker until until,
// counting an attempt, only if it is still what r says it was (due and due
// by now, or sending with a lapsed claim): of several instances racing for
// one request exactly one gets true.
func (q *Q) ClaimSurveyRequest(ctx context.Context, r SurveyRequest, worker string, now, until time.Time) (bool, error) {
	res, err := q.exec(ctx, `UPDATE survey_requests SET state = ?, claimed_by = ?, claimed_until = ?, attempts = attempts + 1
		WHERE reference = ? AND ((state = ? AND due_at <= ?) OR (state = ? AND claimed_until <= ? AND claimed_by = ?))`,
		SurveySending, worker, toMicros(until), r.Reference, SurveyDue, toMicros(now), SurveySending, toMicros(now), r.ClaimedBy)
	if err != nil {
		return false, fmt.Errorf("store: claim survey request: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// FinishSurveyRequest moves a request worker holds to a final state and
// destroys its number in the same statement. ErrNotFound: the claim was
// lost to another worker, who now owns the outcome.
func (q *Q) FinishSurveyRequest(ctx context.Context, ref, worker, state string, at time.Time) error {
	if state == SurveyDue || state == SurveySending {
		return fmt.Errorf("store: %q is not a final survey request state", state)
	}
	res, err := q.exec(ctx, `UPDATE survey_requests SET state = ?, `+destroyNumber+`, claimed_by = '', claimed_until = 0, finished_at = ?
		WHERE reference = ? AND state = ? AND claimed_by = ?`, state, toMicros(at), ref, SurveySending, worker)
	if err != nil {
		return fmt.Errorf("store: finish survey request: %w", err)
	}
	return mustAffect(res)
}

// RetrySurveyRequest gives a request worker holds back to the queue, due
// again at dueAt.
func (q *Q) RetrySurveyRequest(ctx context.Context, ref, worker string, dueAt time.Time) error {
	res, err := q.exec(ctx, `UPDATE survey_requests SET state = ?, due_at = ?, claimed_by = '', claimed_until = 0
		WHERE reference = ? AND state = ? AND claimed_by = ?`, SurveyDue, toMicros(dueAt), ref, SurveySending, worker)
	if err != nil {
		return fmt.Errorf("store: retry survey request: %w", err)
	}
	return mustAffect(res)
}

// ExpireSurveyRequests ends every due request past its expiry, destroying
// its number, and returns how many. A "sending" one is left to the sender,
// which must first ask Notify whether it went.
func (q *Q) ExpireSurveyRequests(ctx context.Context, now time.Time) (int64, error) {
	res, err := q.exec(ctx, `UPDATE survey_requests SET state = ?, `+destroyNumber+`, finished_at = ?
		WHERE state = ? AND expires_at <= ?`, SurveyExpired, toMicros(now), SurveyDue, toMicros(now))
	if err != nil {
		return 0, fmt.Errorf("store: expire survey requests: %w", err)
	}
	return res.RowsAffected()
}

// CancelSurveyRequests ends the due requests of service areas that no
// longer send surveys, destroying their numbers.
func (q *Q) CancelSurveyRequests(ctx context.Context, keepAreas []string, now time.Time) (int64, error) {
	query, args := `UPDATE survey_requests SET state = ?, `+destroyNumber+`, finished_at = ? WHERE state = ?`,
		[]any{SurveyCancelled, toMicros(now), SurveyDue}
	if len(keepAreas) > 0 {
		query += ` AND service_area NOT IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(keepAreas)), ", ") + `)`
		for _, a := range keepAreas {
			args = append(args, a)
		}
	}
	res, err := q.exec(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("store: cancel survey requests: %w", err)
	}
	return res.RowsAffected()
}

// PendingSurveyRequestsOfNumber lists the requests still holding the
// number whose blind index is bidx (due or sending), soonest expiry first:
// what a subject-access search by number finds in the outbox.
func (q *Q) PendingSurveyRequestsOfNumber(ctx context.Context, bidx string) ([]SurveyRequest, error) {
	if bidx == "" {
		return nil, nil
	}
	rows, err := q.query(ctx, `SELECT `+surveyRequestColumns+` FROM survey_requests
		WHERE number_bidx = ? AND state IN (?, ?) ORDER BY expires_at, reference`, bidx, SurveyDue, SurveySending)
	if err != nil {
		return nil, fmt.Errorf("store: survey requests of a number: %w", err)
	}
	return collect(rows, scanSurveyRequest)
}

// CancelSurveyRequestsOfNumber cancels every pending request for the number
// whose blind index is bidx, destroying the number in the same statement,
// and returns how many (an erasure, restriction or objection). A request
// "sending" is cancelled too: its sender's FinishSurveyRequest then finds
// nothing to finish; a text Notify had already accepted may still arrive.
func (q *Q) CancelSurveyRequestsOfNumber(ctx context.Context, bidx string, now time.Time) (int64, error) {
	if bidx == "" {
		return 0, nil
	}
	res, err := q.exec(ctx, `UPDATE survey_requests SET state = ?, `+destroyNumber+`, claimed_by = '', claimed_until = 0, finished_at = ?
		WHERE number_bidx = ? AND state IN (?, ?)`, SurveyCancelled, toMicros(now), bidx, SurveyDue, SurveySending)
	if err != nil {
		return 0, fmt.Errorf("store: cancel survey requests of a number: %w", err)
	}
	return res.RowsAffected()
}

// DeleteFinishedSurveyRequests deletes requests that finished before
// before (they hold no number, only their outcome) and returns how many.
func (q *Q) DeleteFinishedSurveyRequests(ctx context.Context, before time.Time) (int64, error) {
	res, err := q.exec(ctx, `DELETE FROM survey_requests WHERE finished_at > 0 AND finished_at <= ?`, toMicros(before))
	if err != nil {
		return 0, fmt.Errorf("store: delete finished survey requests: %w", err)
	}
	return res.RowsAffected()
}

// SetSurveyDeliveryStatus keeps Notify's delivery status for a request
// (from a callback); ErrNotFound for an unknown reference.
func (q *Q) SetSurveyDeliveryStatus(ctx context.Context, ref, status string) error {
	res, err := q.exec(ctx, `UPDATE survey_requests SET delivery_status = ? WHERE reference = ?`, status, ref)
	if err != nil {
		return fmt.Errorf("store: survey delivery status: %w", err)
	}
	return mustAffect(res)
}

// CountFinishedSurveyRequestsWithNumber counts requests in a final state
// that still hold a number: the promise is that there are none.
func (q *Q) CountFinishedSurveyRequestsWithNumber(ctx context.Context) (int64, error) {
	var n int64
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM survey_requests WHERE state NOT IN (?, ?) AND (number_ct <> '' OR number_bidx <> '')`,
		SurveyDue, SurveySending).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count finished survey requests with a number: %w", err)
	}
	return n, nil
}

// CountSurveyRequestsPastExpiry counts unfinished requests that still hold
// a number more than grace after their expiry (the sender should have
// destroyed it).
func (q *Q) CountSurveyRequestsPastExpiry(ctx context.Context, now time.Time, grace time.Duration) (int64, error) {
	var n int64
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM survey_requests WHERE state IN (?, ?) AND number_ct <> '' AND expires_at <= ?`,
		SurveyDue, SurveySending, toMicros(now.Add(-grace))).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count survey requests past expiry: %w", err)
	}
	return n, nil
}

// SurveyToken is a sent link: only its hash, area and week.
type SurveyToken struct {
	Hash        string
	ServiceArea string
	Week        string
	ExpiresAt   time.Time
}

// CreateSurveyToken stores a link's hash.
func (q *Q) CreateSurveyToken(ctx context.Context, t SurveyToken) error {
	_, err := q.exec(ctx, `INSERT INTO survey_tokens (token_hash, service_area, week, expires_at) VALUES (?, ?, ?, ?)`,
		t.Hash, t.ServiceArea, t.Week, toMicros(t.ExpiresAt))
	if err != nil {
		return fmt.Errorf("store: create survey token: %w", err)
	}
	return nil
}

// SurveyToken reads a live (unexpired, unused) link; ErrNotFound otherwise.
func (q *Q) SurveyToken(ctx context.Context, hash string, now time.Time) (SurveyToken, error) {
	t := SurveyToken{Hash: hash}
	var exp int64
	err := q.queryRow(ctx, `SELECT service_area, week, expires_at FROM survey_tokens WHERE token_hash = ? AND expires_at > ?`,
		hash, toMicros(now)).Scan(&t.ServiceArea, &t.Week, &exp)
	t.ExpiresAt = fromMicros(exp)
	return t, err
}

// UseSurveyToken deletes a live link and returns it: of two uses, on any
// instances, one gets it and the other ErrNotFound.
func (q *Q) UseSurveyToken(ctx context.Context, hash string, now time.Time) (SurveyToken, error) {
	t := SurveyToken{Hash: hash}
	var exp int64
	err := q.queryRow(ctx, `DELETE FROM survey_tokens WHERE token_hash = ? AND expires_at > ?
		RETURNING service_area, week, expires_at`, hash, toMicros(now)).Scan(&t.ServiceArea, &t.Week, &exp)
	t.ExpiresAt = fromMicros(exp)
	return t, err
}

// DeleteExpiredSurveyTokens deletes links past their expiry.
func (q *Q) DeleteExpiredSurveyTokens(ctx context.Context, now time.Time) (int64, error) {
	res, err := q.exec(ctx, `DELETE FROM survey_tokens WHERE expires_at <= ?`, toMicros(now))
	if err != nil {
		return 0, fmt.Errorf("store: delete expired survey tokens: %w", err)
	}
	return res.RowsAffected()
}

// SurveyResponse is one answered survey.
type SurveyResponse struct {
	ID           string
	ServiceArea  string
	Week         string
	Satisfaction int    // 1 (very dissatisfied) to 5 (very satisfied); 0 not answered
	Resolved     string // "yes", "no" or "" (not answered)
	Comment      string // after the redactor
}

// CreateSurveyResponse stores a response.
func (q *Q) CreateSurveyResponse(ctx context.Context, r SurveyResponse) error {
	_, err := q.exec(ctx, `INSERT INTO survey_responses (id, service_area, week, satisfaction, resolved, comment)
		VALUES (?, ?, ?, ?, ?, ?)`, r.ID, r.ServiceArea, r.Week, r.Satisfaction, r.Resolved, r.Comment)
	if err != nil {
		return fmt.Errorf("store: create survey response: %w", err)
	}
	return nil
}

// SurveyWeek is the responses of one service area in one ISO week.
type SurveyWeek struct {
	ServiceArea  string
	Week         string
	Responses    int
	Satisfaction [6]int // count by answer; [0] not answered
	ResolvedYes  int
	ResolvedNo   int
}

// SurveyWeeks counts responses by service area and week, oldest week first;
// areas, when non-nil, limits them (an empty non-nil slice matches none).
func (q *Q) SurveyWeeks(ctx context.Context, areas []string) ([]SurveyWeek, error) {
	where, args := "1 = 1", []any{}
	if areas != nil {
		if len(areas) == 0 {
			return nil, nil
		}
		where = "service_area IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(areas)), ", ") + ")"
		for _, a := range areas {
			args = append(args, a)
		}
	}
	rows, err := q.query(ctx, `SELECT service_area, week, COUNT(*),
		SUM(CASE WHEN satisfaction = 0 THEN 1 ELSE 0 END), SUM(CASE WHEN satisfaction = 1 THEN 1 ELSE 0 END),
		SUM(CASE WHEN satisfaction = 2 THEN 1 ELSE 0 END), SUM(CASE WHEN satisfaction = 3 THEN 1 ELSE 0 END),
		SUM(CASE WHEN satisfaction = 4 THEN 1 ELSE 0 END), SUM(CASE WHEN satisfaction = 5 THEN 1 ELSE 0 END),
		SUM(CASE WHEN resolved = 'yes' THEN 1 ELSE 0 END), SUM(CASE WHEN resolved = 'no' THEN 1 ELSE 0 END)
		FROM survey_responses WHERE `+where+` GROUP BY service_area, week ORDER BY week, service_area`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: survey weeks: %w", err)
	}
	return collect(rows, func(s scanner) (SurveyWeek, error) {
		var w SurveyWeek
		err := s.Scan(&w.ServiceArea, &w.Week, &w.Responses, &w.Satisfaction[0], &w.Satisfaction[1], &w.Satisfaction[2],
			&w.Satisfaction[3], &w.Satisfaction[4], &w.Satisfaction[5], &w.ResolvedYes, &w.ResolvedNo)
		return w, err
	})
}

// CreateCallEvent records a call event's idempotency key hash; ErrConflict
// when it was recorded before.
func (q *Q) CreateCallEvent(ctx context.Context, keyHash string, at time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO call_events (key_hash, created_at) VALUES (?, ?)`, keyHash, toMicros(at))
	if err != nil {
		return fmt.Errorf("store: create call event: %w", err)
	}
	return nil
}

// DeleteCallEvents deletes the call event keys recorded before before.
func (q *Q) DeleteCallEvents(ctx context.Context, before time.Time) (int64, error) {
	res, err := q.exec(ctx, `DELETE FROM call_events WHERE created_at < ?`, toMicros(before))
	if err != nil {
		return 0, fmt.Errorf("store: delete call events: %w", err)
	}
	return res.RowsAffected()
}
