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

func (c *answerCache) put(query, guard string, pol *policy.Policy, o outcome) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
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
	c.mu.Unlock()
}

// cacheKey ignores case, spacing and punctuation other than apostrophes,
// which neither the search nor the scope guard reads.
func cacheKey(query, guard string) string {
	return normaliseQuestion(query) + "\x00" + normaliseQuestion(guard)
}
