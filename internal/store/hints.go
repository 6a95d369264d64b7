package store

import (
	"context"
	"fmt"
	"time"
)

// KBHint is one hint (migration 0012): questions like Question are
// answered from the knowledge-base page PageID. The page's address and
// title, and whether the chatbot may answer from it, come with it.
type KBHint struct {
	ID        int64
	Question  string // redacted
	PageID    int64
	PageURL   string
	PageTitle string
	// PageAnswerable: the page has content and is not excluded, so the
	// chatbot answers from it and the hint can send questions there.
	PageAnswerable bool
	CreatedBy      string
	CreatedAt      time.Time
	UpdatedBy      string
	UpdatedAt      time.Time
}

const kbHintSelect = `SELECT h.id, h.question, h.page_id, p.url, p.title,
	CASE WHEN p.excluded = 0 AND p.html <> '' THEN 1 ELSE 0 END,
	h.created_by, h.created_at, h.updated_by, h.updated_at
	FROM kb_hints h JOIN kb_pages p ON p.id = h.page_id`

func scanKBHint(s scanner) (KBHint, error) {
	var h KBHint
	var answerable int
	var created, updated int64
	if err := s.Scan(&h.ID, &h.Question, &h.PageID, &h.PageURL, &h.PageTitle, &answerable,
		&h.CreatedBy, &created, &h.UpdatedBy, &updated); err != nil {
		return KBHint{}, err
	}
	h.PageAnswerable = answerable != 0
	h.CreatedAt, h.UpdatedAt = fromMicros(created), fromMicros(updated)
	return h, nil
}

// AddKBHint stores a hint to the page at pageURL, made by actor at at, and
// returns it. ErrNotFound when the knowledge base has no such page,
// ErrConflict when the same question already goes to that page.
func (q *Q) AddKBHint(ctx context.Context, question, pageURL, actor string, at time.Time) (KBHint, error) {
	var id int64
	err := q.queryRow(ctx, `INSERT INTO kb_hints (question, page_id, created_by, created_at, updated_by, updated_at)
		SELECT ?, id, ?, ?, ?, ? FROM kb_pages WHERE url = ? RETURNING id`,
		question, actor, toMicros(at), actor, toMicros(at), pageURL).Scan(&id)
	if err != nil {
		return KBHint{}, fmt.Errorf("store: add hint: %w", mapErr(err))
	}
	return q.KBHint(ctx, id)
}

// KBHint returns one hint, or ErrNotFound.
func (q *Q) KBHint(ctx context.Context, id int64) (KBHint, error) {
	h, err := scanKBHint(q.queryRow(ctx, kbHintSelect+` WHERE h.id = ?`, id))
	if err != nil {
		return KBHint{}, fmt.Errorf("store: find hint: %w", mapErr(err))
	}
	return h, nil
}

// KBHints lists every hint, oldest first.
func (q *Q) KBHints(ctx context.Context) ([]KBHint, error) {
	rows, err := q.query(ctx, kbHintSelect+` ORDER BY h.created_at, h.id`)
	if err != nil {
		return nil, fmt.Errorf("store: list hints: %w", err)
	}
	return collect(rows, scanKBHint)
}

// SetKBHintPage sends hint id's questions to the page at pageURL instead.
// ErrNotFound when there is no such hint or page, ErrConflict when the
// same question already goes to that page.
func (q *Q) SetKBHintPage(ctx context.Context, id int64, pageURL, actor string, at time.Time) (KBHint, error) {
	var pageID int64
	if err := q.queryRow(ctx, `SELECT id FROM kb_pages WHERE url = ?`, pageURL).Scan(&pageID); err != nil {
		return KBHint{}, fmt.Errorf("store: find the hint's page: %w", mapErr(err))
	}
	res, err := q.exec(ctx, `UPDATE kb_hints SET page_id = ?, updated_by = ?, updated_at = ? WHERE id = ?`,
		pageID, actor, toMicros(at), id)
	if err != nil {
		return KBHint{}, fmt.Errorf("store: change hint %d: %w", id, err)
	}
	if err := mustAffect(res); err != nil {
		return KBHint{}, fmt.Errorf("store: change hint %d: %w", id, err)
	}
	return q.KBHint(ctx, id)
}

// DeleteKBHint removes a hint and returns what it was; ErrNotFound when
// there is none.
func (q *Q) DeleteKBHint(ctx context.Context, id int64) (KBHint, error) {
	h, err := q.KBHint(ctx, id)
	if err != nil {
		return KBHint{}, err
	}
	res, err := q.exec(ctx, `DELETE FROM kb_hints WHERE id = ?`, id)
	if err != nil {
		return KBHint{}, fmt.Errorf("store: delete hint %d: %w", id, err)
	}
	return h, mustAffect(res)
}
