package chat

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"time"

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

// ErrClosed: the service was closed (Close) and stores no more turns.
var ErrClosed = errors.New("chat: the service is closed")

// writer is the group-commit writer's state. Its goroutine starts with the
// first turn to store (a service that only answers, as `fairline ask` and
// the benchmarks use it, never starts one) and stops in Close.
type writer struct {
	reqs    chan writeReq
	mu      sync.Mutex    // guards started and the closing of closing
	started bool          // the goroutine was started
	closing chan struct{} // closed by Close
	done    chan struct{} // closed when the goroutine has returned
}

func newWriter() writer {
	return writer{reqs: make(chan writeReq), closing: make(chan struct{}), done: make(chan struct{})}
}

// store commits t, batched with whatever else is waiting.
func (s *Service) store(ctx context.Context, t pendingTurn) error {
	if err := s.startWriter(); err != nil {
		return err
	}
	req := writeReq{t: t, done: make(chan error, 1)}
	select {
	case s.writer.reqs <- req:
	case <-s.writer.closing:
		return ErrClosed
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

func (s *Service) startWriter() error {
	w := &s.writer
	w.mu.Lock()
	defer w.mu.Unlock()
	select {
	case <-w.closing:
		return ErrClosed
	default:
	}
	if !w.started {
		w.started = true
		go s.write()
	}
	return nil
}

// Close stops the service's background work: turns already handed to the
// writer are committed (Close waits for that), later ones fail with
// ErrClosed. Close before closing the database; calling it again does
// nothing.
func (s *Service) Close() error {
	w := &s.writer
	w.mu.Lock()
	select {
	case <-w.closing:
	default:
		close(w.closing)
	}
	started := w.started
	w.mu.Unlock()
	if started {
		<-w.done
	}
	return nil
}

// write is the writer goroutine: it runs until Close, then commits what
// was handed over before it stopped taking turns.
func (s *Service) write() {
	defer close(s.writer.done)
	prev := 0
	for {
		select {
		case first := <-s.writer.reqs:
			prev = s.writeBatch(first, prev)
		case <-s.writer.closing:
			for {
				select {
				case r := <-s.writer.reqs:
					s.writeBatch(r, 0)
				default:
					return
				}
			}
		}
	}
}

// writeBatch commits first with whatever else is waiting, answers every
// request of the batch and returns the batch's size. prev is the previous
// batch's size.
func (s *Service) writeBatch(first writeReq, prev int) int {
	batch := []writeReq{first}
	if prev > 1 {
		// Under load, let the goroutines already runnable reach the
		// queue first: one yield makes batches about three times larger
		// (a commit costs about the same for one turn as for ten) and
		// raised answers/s by a tenth with a lower p99. With one turn at
		// a time there is nobody to wait for, and no yield.
		runtime.Gosched()
	}
fill:
	for len(batch) < maxBatch {
		select {
		case r := <-s.writer.reqs:
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
		return len(batch)
	}
	for _, r := range batch {
		r.done <- err
	}
	return len(batch)
}

// commit stores a batch in one transaction: its turns in as few statements
// as possible and each aggregate row it changes once, summed over the batch.
//
// Its context is not any one request's (a resident who hangs up must not
// fail the turns batched with theirs) and not cancelled by Close, which
// waits for the commit instead: the database outlives the service.
func (s *Service) commit(batch []writeReq) error {
	ctx := context.Background()
	turns := make([]store.ChatTurn, len(batch))
	var days ordered[[2]string, store.ChatDay]
	var pages ordered[[2]string, store.ChatPage]
	var unanswered ordered[[2]string, store.ChatUnanswered]
	for i, r := range batch {
		t := r.t.turn
		turns[i] = t
		day := dayOf(t.CreatedAt)
		dk := day.Format(time.DateOnly)
		d := days.get([2]string{dk, t.ServiceArea}, store.ChatDay{Day: day, ServiceArea: t.ServiceArea})
		d.Questions++
		if t.Answered {
			d.Answered++
			p := pages.get([2]string{dk, t.SourceURL}, store.ChatPage{Day: day, URL: t.SourceURL})
			p.Title = r.t.pageTitle
			p.Count++
		} else {
			d.Handoffs++
		}
		if t.Handoff == ReasonNotFound {
			u := unanswered.get([2]string{dk, r.t.norm}, store.ChatUnanswered{Day: day, Norm: r.t.norm})
			u.Example, u.LastAt, u.ExpiresAt = t.Question, t.CreatedAt, t.ExpiresAt // the latest, as the upsert keeps
			u.Count++
		}
	}
	return s.db.Tx(ctx, func(q *store.Q) error {
		if err := q.InsertChatTurns(ctx, turns...); err != nil {
			return err
		}
		for _, u := range unanswered.vals {
			if err := q.AddChatUnanswered(ctx, *u); err != nil {
				return err
			}
		}
		for _, p := range pages.vals {
			if err := q.AddChatPage(ctx, *p); err != nil {
				return err
			}
		}
		for _, d := range days.vals {
			if err := q.AddChatDay(ctx, *d); err != nil {
				return err
			}
		}
		return nil
	})
}

// ordered is a map that remembers the order keys were first added in, so a
// batch's statements run in a stable order.
type ordered[K comparable, V any] struct {
	idx  map[K]int
	vals []*V
}

// get returns the value under k, adding zero under k first if it is missing.
func (o *ordered[K, V]) get(k K, zero V) *V {
	if i, ok := o.idx[k]; ok {
		return o.vals[i]
	}
	if o.idx == nil {
		o.idx = map[K]int{}
	}
	o.idx[k] = len(o.vals)
	o.vals = append(o.vals, &zero)
	return &zero
}
