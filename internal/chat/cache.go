package chat

import (
	"slices"
	"sync"

	"github.com/fairline/fairline/internal/policy"
)

// answerCache keeps composed answers by redacted question until the
// knowledge base or the policy changes. It holds only redacted text, in
// memory. When full it starts again empty: simple, and the popular
// questions come straight back.
type answerCache struct {
	mu  sync.RWMutex
	max int
	pol *policy.Policy
	m   map[string]outcome
	// gen counts clears: an answer composed from the index before a change
	// must not be put back after the clear that change made.
	gen uint64
}

func newAnswerCache(size int) *answerCache {
	if size < 0 {
		return nil
	}
	return &answerCache{max: size, m: map[string]outcome{}}
}

func (c *answerCache) get(query, guard string, pol *policy.Policy) (outcome, bool) {
	if c == nil {
		return outcome{}, false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.pol != pol {
		return outcome{}, false
	}
	o, ok := c.m[cacheKey(query, guard)]
	if !ok {
		return outcome{}, false
	}
	// Callers get their own slices.
	o.resp.Sources = slices.Clone(o.resp.Sources)
	if h := o.resp.Handoff; h != nil {
		hc := *h
		hc.Routes = slices.Clone(h.Routes)
		o.resp.Handoff = &hc
	}
	return o, true
}

// generation is passed back to put by whoever composes an answer.
func (c *answerCache) generation() uint64 {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

func (c *answerCache) put(query, guard string, pol *policy.Policy, gen uint64, o outcome) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return // composed before the last change
	}
	if c.pol != pol || len(c.m) >= c.max {
		c.m = map[string]outcome{}
		c.pol = pol
	}
	c.m[cacheKey(query, guard)] = o
}

func (c *answerCache) clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.m = map[string]outcome{}
	c.gen++
	c.mu.Unlock()
}

// cacheKey ignores case, spacing and punctuation other than apostrophes,
// which neither the search nor the scope guard reads.
func cacheKey(query, guard string) string {
	return normaliseQuestion(query) + "\x00" + normaliseQuestion(guard)
}
