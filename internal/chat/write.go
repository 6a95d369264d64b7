package chat

import (
	"context"

	"github.com/fairline/fairline/internal/store"
)

// Turns are written by group commit: each Ask hands its turn to a writer
// goroutine and waits for the commit, and the writer stores every turn
// waiting at that moment in one transaction (the turn rows and all the
// aggregates they change together). One commit per batch instead of one per
// question is what keeps answers fast under load, on SQLite's single writer
// especially; nothing is acknowledged before it is committed.

// pendingTurn is a turn and what its aggregates need.
type pendingTurn struct {
	turn      store.ChatTurn
	norm      string // unanswered key, for not_found turns
	pageTitle string // the source page's title, for answered turns
}

type writeReq struct {
	t    pendingTurn
	done chan error
}

const maxBatch = 128

// store commits t, batched with whatever else is waiting.
func (s *Service) store(ctx context.Context, t pendingTurn) error {
	s.writerOnce.Do(func() { go s.writer() })
	req := writeReq{t: t, done: make(chan error, 1)}
	select {
	case s.writes <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	// done is buffered: the writer never blocks on a request that stopped
	// waiting (the turn may still commit; the resident got an error).
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writer runs for the life of the process; it holds no resources between
// batches beyond its goroutine.
func (s *Service) writer() {
	for first := range s.writes {
		batch := []writeReq{first}
	fill:
		for len(batch) < maxBatch {
			select {
			case r := <-s.writes:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		err := s.commit(batch)
		if err != nil && len(batch) > 1 {
			// One bad turn must not fail the others: retry one by one.
			for _, r := range batch {
				r.done <- s.commit([]writeReq{r})
			}
			continue
		}
		for _, r := range batch {
			r.done <- err
		}
	}
}

func (s *Service) commit(batch []writeReq) error {
	type dayKey struct {
		day  int64
		area string
	}
	days := map[dayKey]*store.ChatDay{}
	var dayOrder []dayKey
	return s.db.Tx(context.Background(), func(q *store.Q) error {
		clear(days)
		dayOrder = dayOrder[:0]
		for _, r := range batch {
			t := r.t.turn
			if err := q.InsertChatTurn(context.Background(), t); err != nil {
				return err
			}
			day := dayOf(t.CreatedAt)
			k := dayKey{day.UnixMicro(), t.ServiceArea}
			d := days[k]
			if d == nil {
				d = &store.ChatDay{Day: day, ServiceArea: t.ServiceArea}
				days[k] = d
				dayOrder = append(dayOrder, k)
			}
			d.Questions++
			if t.Answered {
				d.Answered++
			} else {
				d.Handoffs++
			}
			if t.Handoff == ReasonNotFound {
				if err := q.AddChatUnanswered(context.Background(), store.ChatUnanswered{Day: day, Norm: r.t.norm,
					Example: t.Question, Count: 1, LastAt: t.CreatedAt, ExpiresAt: t.ExpiresAt}); err != nil {
					return err
				}
			}
			if t.Answered {
				if err := q.AddChatPage(context.Background(), store.ChatPage{Day: day, URL: t.SourceURL, Title: r.t.pageTitle, Count: 1}); err != nil {
					return err
				}
			}
		}
		for _, k := range dayOrder {
			if err := q.AddChatDay(context.Background(), *days[k]); err != nil {
				return err
			}
		}
		return nil
	})
}
