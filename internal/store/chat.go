package store

import (
	"context"
	"fmt"
	"time"
)

// ChatTurn is one question to the website chatbot, stored after redaction.
type ChatTurn struct {
	ID           string
	Conversation string
	Question     string // redacted
	ServiceArea  string
	Answered     bool
	Handoff      string // "", "case_specific", "eligibility", "other_council", "not_found"
	SourceURL    string
	Helpful      int    // 0 no feedback, 1 helpful, -1 not helpful
	Comment      string // redacted
	ExpiresAt    time.Time
	CreatedAt    time.Time
}

// ChatDay is one row of the daily aggregate, or a change to add to it. Only
// the chat service uses it; its reports hand out the same fields as
// chat.DayStat.
type ChatDay struct {
	Day         time.Time // midnight UTC
	ServiceArea string
	Questions   int
	Answered    int
	Handoffs    int
	Helpful     int
	NotHelpful  int
}

// ChatUnanswered is one day's count of one normalised unanswered question.
type ChatUnanswered struct {
	Day       time.Time
	Norm      string // normalised tokens, the grouping key
	Example   string // a redacted example
	Count     int
	LastAt    time.Time
	ExpiresAt time.Time
}

// ChatPage is one day's count of answers taken from one page.
type ChatPage struct {
	Day   time.Time
	URL   string
	Title string
	Count int
}

const chatTurnColumns = `id, conversation, question, service_area, answered, handoff, source_url, helpful, comment, expires_at, created_at`

func scanChatTurn(s scanner) (ChatTurn, error) {
	var t ChatTurn
	var answered int
	var exp, at int64
	if err := s.Scan(&t.ID, &t.Conversation, &t.Question, &t.ServiceArea, &answered, &t.Handoff, &t.SourceURL,
		&t.Helpful, &t.Comment, &exp, &at); err != nil {
		return ChatTurn{}, err
	}
	t.Answered = answered != 0
	t.ExpiresAt, t.CreatedAt = fromMicros(exp), fromMicros(at)
	return t, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// InsertChatTurns stores turns, many rows to a statement: the chatbot's
// group commit writes a batch of turns at once.
func (q *Q) InsertChatTurns(ctx context.Context, ts ...ChatTurn) error {
	// 64 rows a statement: 704 parameters, far below either database's limit.
	err := q.insertMany(ctx, `INSERT INTO chat_turns (`+chatTurnColumns+`) VALUES `, 11, len(ts), 64, func(dst []any, i int) []any {
		t := ts[i]
		return append(dst, t.ID, t.Conversation, t.Question, t.ServiceArea, b2i(t.Answered), t.Handoff, t.SourceURL,
			t.Helpful, t.Comment, toMicros(t.ExpiresAt), toMicros(t.CreatedAt))
	})
	if err != nil {
		return fmt.Errorf("store: record %d chat turns: %w", len(ts), err)
	}
	return nil
}

// ChatTurn returns the turn id of conversation, or ErrNotFound.
func (q *Q) ChatTurn(ctx context.Context, conversation, id string) (ChatTurn, error) {
	t, err := scanChatTurn(q.queryRow(ctx, `SELECT `+chatTurnColumns+` FROM chat_turns WHERE id = ? AND conversation = ?`+q.forUpdate(),
		id, conversation))
	if err != nil {
		return ChatTurn{}, fmt.Errorf("store: find chat turn: %w", err)
	}
	return t, nil
}

// ChatConversationExists reports whether any stored turn belongs to conversation.
func (q *Q) ChatConversationExists(ctx context.Context, conversation string) (bool, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM chat_turns WHERE conversation = ? LIMIT 1) t`, conversation).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: find conversation: %w", err)
	}
	return n > 0, nil
}

// ChatTurns lists the turns of a conversation in order (tests, subject access).
func (q *Q) ChatTurns(ctx context.Context, conversation string) ([]ChatTurn, error) {
	rows, err := q.query(ctx, `SELECT `+chatTurnColumns+` FROM chat_turns WHERE conversation = ? ORDER BY created_at, id`, conversation)
	if err != nil {
		return nil, fmt.Errorf("store: list chat turns: %w", err)
	}
	defer rows.Close()
	var out []ChatTurn
	for rows.Next() {
		t, err := scanChatTurn(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, mapErr(rows.Err())
}

// EachChatTurnSince calls fn with every stored turn created at or after
// since, oldest first: the hints' effect is measured over them. fn must
// not use the database (on SQLite the rows hold the only connection of an
// in-memory database).
func (q *Q) EachChatTurnSince(ctx context.Context, since time.Time, fn func(ChatTurn) error) error {
	rows, err := q.query(ctx, `SELECT `+chatTurnColumns+` FROM chat_turns WHERE created_at >= ? ORDER BY created_at, id`, toMicros(since))
	if err != nil {
		return fmt.Errorf("store: read chat turns: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanChatTurn(rows)
		if err != nil {
			return mapErr(err)
		}
		if err := fn(t); err != nil {
			return err
		}
	}
	return mapErr(rows.Err())
}

// ChatNotHelpfulIn returns up to limit turns created with from <= at < to
// whose answer the resident rated not helpful, newest first.
func (q *Q) ChatNotHelpfulIn(ctx context.Context, from, to time.Time, limit int) ([]ChatTurn, error) {
	rows, err := q.query(ctx, `SELECT `+chatTurnColumns+` FROM chat_turns WHERE helpful = -1 AND created_at >= ? AND created_at < ?
		ORDER BY created_at DESC, id LIMIT ?`, toMicros(from), toMicros(to), limit)
	if err != nil {
		return nil, fmt.Errorf("store: read answers rated not helpful: %w", err)
	}
	return collect(rows, scanChatTurn)
}

// SetChatFeedback records the verdict and redacted comment on a turn.
func (q *Q) SetChatFeedback(ctx context.Context, id string, helpful int, comment string) error {
	res, err := q.exec(ctx, `UPDATE chat_turns SET helpful = ?, comment = ? WHERE id = ?`, helpful, comment, id)
	if err != nil {
		return fmt.Errorf("store: record chat feedback: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: record chat feedback: %w", ErrNotFound)
	}
	return nil
}

// AddChatDay adds d's counts (which may be negative) to the day's row for
// its service area, creating it.
func (q *Q) AddChatDay(ctx context.Context, d ChatDay) error {
	if _, err := q.exec(ctx, `INSERT INTO chat_daily (day, service_area, questions, answered, handoffs, helpful, not_helpful)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (day, service_area) DO UPDATE SET questions = chat_daily.questions + excluded.questions,
			answered = chat_daily.answered + excluded.answered, handoffs = chat_daily.handoffs + excluded.handoffs,
			helpful = chat_daily.helpful + excluded.helpful, not_helpful = chat_daily.not_helpful + excluded.not_helpful`,
		toMicros(d.Day), d.ServiceArea, d.Questions, d.Answered, d.Handoffs, d.Helpful, d.NotHelpful); err != nil {
		return fmt.Errorf("store: count chat day: %w", err)
	}
	return nil
}

// ChatDays returns the daily rows with from <= day < to, by day and area.
func (q *Q) ChatDays(ctx context.Context, from, to time.Time) ([]ChatDay, error) {
	rows, err := q.query(ctx, `SELECT day, service_area, questions, answered, handoffs, helpful, not_helpful FROM chat_daily
		WHERE day >= ? AND day < ? ORDER BY day, service_area`, toMicros(from), toMicros(to))
	if err != nil {
		return nil, fmt.Errorf("store: read chat days: %w", err)
	}
	defer rows.Close()
	var out []ChatDay
	for rows.Next() {
		var d ChatDay
		var day int64
		if err := rows.Scan(&day, &d.ServiceArea, &d.Questions, &d.Answered, &d.Handoffs, &d.Helpful, &d.NotHelpful); err != nil {
			return nil, mapErr(err)
		}
		d.Day = fromMicros(day)
		out = append(out, d)
	}
	return out, mapErr(rows.Err())
}

// AddChatUnanswered counts one unanswered question; the example and expiry
// become the latest ones.
func (q *Q) AddChatUnanswered(ctx context.Context, u ChatUnanswered) error {
	if _, err := q.exec(ctx, `INSERT INTO chat_unanswered (day, norm, example, count, last_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (day, norm) DO UPDATE SET count = chat_unanswered.count + excluded.count, example = excluded.example,
			last_at = excluded.last_at, expires_at = excluded.expires_at`,
		toMicros(u.Day), u.Norm, u.Example, u.Count, toMicros(u.LastAt), toMicros(u.ExpiresAt)); err != nil {
		return fmt.Errorf("store: count unanswered question: %w", err)
	}
	return nil
}

// ChatUnansweredIn returns the unanswered rows with from <= day < to.
func (q *Q) ChatUnansweredIn(ctx context.Context, from, to time.Time) ([]ChatUnanswered, error) {
	rows, err := q.query(ctx, `SELECT day, norm, example, count, last_at, expires_at FROM chat_unanswered
		WHERE day >= ? AND day < ? ORDER BY day, norm`, toMicros(from), toMicros(to))
	if err != nil {
		return nil, fmt.Errorf("store: read unanswered questions: %w", err)
	}
	defer rows.Close()
	var out []ChatUnanswered
	for rows.Next() {
		var u ChatUnanswered
		var day, last, exp int64
		if err := rows.Scan(&day, &u.Norm, &u.Example, &u.Count, &last, &exp); err != nil {
			return nil, mapErr(err)
		}
		u.Day, u.LastAt, u.ExpiresAt = fromMicros(day), fromMicros(last), fromMicros(exp)
		out = append(out, u)
	}
	return out, mapErr(rows.Err())
}

// AddChatPage counts an answer taken from a page.
func (q *Q) AddChatPage(ctx context.Context, p ChatPage) error {
	if _, err := q.exec(ctx, `INSERT INTO chat_pages (day, url, title, count) VALUES (?, ?, ?, ?)
		ON CONFLICT (day, url) DO UPDATE SET count = chat_pages.count + excluded.count, title = excluded.title`,
		toMicros(p.Day), p.URL, p.Title, p.Count); err != nil {
		return fmt.Errorf("store: count page use: %w", err)
	}
	return nil
}

// ChatPagesIn sums page use over from <= day < to, most used first.
func (q *Q) ChatPagesIn(ctx context.Context, from, to time.Time, limit int) ([]ChatPage, error) {
	rows, err := q.query(ctx, `SELECT url, MAX(title), SUM(count) AS n FROM chat_pages WHERE day >= ? AND day < ?
		GROUP BY url ORDER BY n DESC, url LIMIT ?`, toMicros(from), toMicros(to), limit)
	if err != nil {
		return nil, fmt.Errorf("store: read page use: %w", err)
	}
	defer rows.Close()
	var out []ChatPage
	for rows.Next() {
		var p ChatPage
		if err := rows.Scan(&p.URL, &p.Title, &p.Count); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, p)
	}
	return out, mapErr(rows.Err())
}

// DeleteExpiredChatTurns deletes up to limit turns whose expiry is at or
// before now, and returns how many went.
func (q *Q) DeleteExpiredChatTurns(ctx context.Context, now time.Time, limit int) (int64, error) {
	res, err := q.exec(ctx, `DELETE FROM chat_turns WHERE id IN (SELECT id FROM chat_turns WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`,
		toMicros(now), limit)
	if err != nil {
		return 0, fmt.Errorf("store: delete expired chat turns: %w", err)
	}
	return res.RowsAffected()
}

// DeleteExpiredChatUnanswered deletes the unanswered examples whose expiry
// is at or before now.
func (q *Q) DeleteExpiredChatUnanswered(ctx context.Context, now time.Time) (int64, error) {
	res, err := q.exec(ctx, `DELETE FROM chat_unanswered WHERE expires_at <= ?`, toMicros(now))
	if err != nil {
		return 0, fmt.Errorf("store: delete expired unanswered questions: %w", err)
	}
	return res.RowsAffected()
}

// EarliestChatExpiry is when the first stored chat turn falls due for
// deletion (zero when none is stored): a check that it is not long past
// shows the retention sweep is running.
func (q *Q) EarliestChatExpiry(ctx context.Context) (time.Time, error) {
	var us int64
	if err := q.queryRow(ctx, `SELECT COALESCE(MIN(expires_at), 0) FROM chat_turns`).Scan(&us); err != nil {
		return time.Time{}, fmt.Errorf("store: earliest chat expiry: %w", mapErr(err))
	}
	return fromMicros(us), nil
}

// ChatOverdue counts the chat turns and unanswered examples whose expiry is
// at or before now: what the sweep should already have deleted.
func (q *Q) ChatOverdue(ctx context.Context, now time.Time) (turns, unanswered int64, err error) {
	if err := q.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM chat_turns WHERE expires_at <= ?),
		(SELECT COUNT(*) FROM chat_unanswered WHERE expires_at <= ?)`, toMicros(now), toMicros(now)).Scan(&turns, &unanswered); err != nil {
		return 0, 0, fmt.Errorf("store: count overdue chat records: %w", mapErr(err))
	}
	return turns, unanswered, nil
}

// Kinds of stored chat text (ChatTexts).
const (
	ChatTextQuestion   = "question"
	ChatTextComment    = "feedback"
	ChatTextUnanswered = "unanswered"
	ChatTextHint       = "hint"
)

// ChatTexts calls fn with every piece of free text the chatbot keeps: each
// turn's question and feedback comment, each unanswered example and each
// staff hint's question, with its kind. Rows are read in pages by key, so fn may use the database.
func (q *Q) ChatTexts(ctx context.Context, fn func(kind, text string) error) error {
	const page = 1000
	for after := ""; ; {
		rows, err := q.query(ctx, `SELECT id, question, comment FROM chat_turns WHERE id > ? ORDER BY id LIMIT ?`, after, page)
		if err != nil {
			return fmt.Errorf("store: read chat text: %w", err)
		}
		type turn struct{ id, question, comment string }
		var ts []turn
		for rows.Next() {
			var t turn
			if err := rows.Scan(&t.id, &t.question, &t.comment); err != nil {
				rows.Close()
				return mapErr(err)
			}
			ts = append(ts, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return mapErr(err)
		}
		for _, t := range ts {
			if err := fn(ChatTextQuestion, t.question); err != nil {
				return err
			}
			if t.comment != "" {
				if err := fn(ChatTextComment, t.comment); err != nil {
					return err
				}
			}
		}
		if len(ts) < page {
			break
		}
		after = ts[len(ts)-1].id
	}
	// Unanswered examples are one per question and day: few enough to read at once.
	us, err := q.ChatUnansweredIn(ctx, time.Unix(0, 0), time.Unix(1<<40, 0))
	if err != nil {
		return err
	}
	for _, u := range us {
		if err := fn(ChatTextUnanswered, u.Example); err != nil {
			return err
		}
	}
	// Staff's hints keep a (redacted) resident's question too; few, read at once.
	hs, err := q.KBHints(ctx)
	if err != nil {
		return err
	}
	for _, h := range hs {
		if err := fn(ChatTextHint, h.Question); err != nil {
			return err
		}
	}
	return nil
}
