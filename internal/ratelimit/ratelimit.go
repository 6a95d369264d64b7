// Package ratelimit limits how often each client may use the chatbot: one
// Limiter serves the JSON API and the /ask page, so a client cannot double
// its allowance by using both doors.
//
// Buckets live in this process's memory only, keyed by an HMAC of the
// client address under a key made at start and never stored, so no address
// is held; buckets idle long enough to be full again are dropped, and the
// number kept is capped (least recently used go first). With several serve
// instances each keeps its own buckets, so a client may get up to the rate
// once per instance; sharing limits across instances is a later issue (18).
package ratelimit

import (
	"container/list"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Rate is N requests per Per. The zero Rate means no limit.
type Rate struct {
	N   int
	Per time.Duration
}

// DefaultChatRate is the chat-rate setting's default: 20 questions (or
// feedback posts) a minute per conversation.
var DefaultChatRate = Rate{N: 20, Per: time.Minute}

// Off reports whether r sets no limit.
func (r Rate) Off() bool { return r.N <= 0 || r.Per <= 0 }

var units = []struct {
	names []string
	per   time.Duration
}{
	{[]string{"s", "sec", "second"}, time.Second},
	{[]string{"min", "m", "minute"}, time.Minute},
	{[]string{"hour", "h"}, time.Hour},
}

// String writes r as ParseRate reads it ("20/min", "off").
func (r Rate) String() string {
	if r.Off() {
		return "off"
	}
	for _, u := range units {
		if u.per == r.Per {
			return strconv.Itoa(r.N) + "/" + u.names[0]
		}
	}
	return strconv.Itoa(r.N) + "/" + r.Per.String()
}

// ParseRate reads "N/PERIOD", where PERIOD is s, min or hour (also sec,
// second, m, minute, h), e.g. "20/min"; or "off" for no limit.
func ParseRate(s string) (Rate, error) {
	in := strings.ToLower(strings.TrimSpace(s))
	if in == "off" {
		return Rate{}, nil
	}
	bad := fmt.Errorf("%q must be a number of requests per period, like 20/min (periods: s, min, hour), or off", s)
	num, unit, ok := strings.Cut(in, "/")
	if !ok {
		return Rate{}, bad
	}
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil || n < 1 || n > 1_000_000 {
		return Rate{}, bad
	}
	unit = strings.TrimSpace(unit)
	for _, u := range units {
		if slices.Contains(u.names, unit) {
			return Rate{N: n, Per: u.per}, nil
		}
	}
	return Rate{}, bad
}

// perAddressFactor: besides a bucket per conversation, each address has a
// bucket this many times larger, so a client cannot escape the limit by
// starting new conversations, while several residents behind one address
// (a library, a council office) each keep a conversation's allowance.
const perAddressFactor = 3

// DefaultMaxKeys caps the buckets kept, about 200 bytes each.
const DefaultMaxKeys = 100_000

// Options tune a Limiter.
type Options struct {
	MaxKeys int              // 0: DefaultMaxKeys
	Now     func() time.Time // nil: time.Now
}

// Limiter is a token bucket per client and conversation, plus one per
// client. It is safe for concurrent use; a nil *Limiter allows everything.
type Limiter struct {
	rate    Rate
	key     [32]byte
	maxKeys int
	now     func() time.Time

	mu    sync.Mutex
	lru   *list.List // of *entry, most recently used first
	byKey map[[16]byte]*list.Element
}

type entry struct {
	key  [16]byte
	lim  *rate.Limiter
	seen time.Time
}

// New returns a Limiter allowing r per conversation and perAddressFactor×r
// per client address. A zero Rate allows everything.
func New(r Rate, o Options) *Limiter {
	if o.MaxKeys <= 0 {
		o.MaxKeys = DefaultMaxKeys
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	l := &Limiter{rate: r, maxKeys: max(o.MaxKeys, 2), now: o.Now, lru: list.New(), byKey: map[[16]byte]*list.Element{}}
	rand.Read(l.key[:])
	return l
}

// size is how many buckets are held.
func (l *Limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// Allow takes one request from client's buckets for conversation and
// returns 0, or, when a bucket is empty, takes nothing and returns how long
// until the request would be allowed. IPv6 clients are limited per /64,
// the block one subscriber usually holds.
func (l *Limiter) Allow(client netip.Addr, conversation string) time.Duration {
	if l == nil || l.rate.Off() {
		return 0
	}
	addr := "unknown"
	if client.IsValid() {
		client = client.Unmap()
		if client.Is6() {
			addr = netip.PrefixFrom(client.WithZone(""), 64).Masked().String()
		} else {
			addr = client.String()
		}
	}
	if len(conversation) > 64 {
		conversation = conversation[:64]
	}
	now := l.now()
	perSec := float64(l.rate.N) / l.rate.Per.Seconds()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dropIdle(now)
	conv := l.bucket(l.hash("conv", addr, conversation), perSec, l.rate.N, now)
	all := l.bucket(l.hash("addr", addr), perSec*perAddressFactor, l.rate.N*perAddressFactor, now)
	if wait := max(need(conv, now), need(all, now)); wait > 0 {
		return wait
	}
	conv.AllowN(now, 1)
	all.AllowN(now, 1)
	return 0
}

func need(lim *rate.Limiter, now time.Time) time.Duration {
	t := lim.TokensAt(now)
	if t >= 1 {
		return 0
	}
	return time.Duration(math.Ceil((1 - t) / float64(lim.Limit()) * float64(time.Second)))
}

func (l *Limiter) hash(parts ...string) [16]byte {
	m := hmac.New(sha256.New, l.key[:])
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	var k [16]byte
	copy(k[:], m.Sum(nil))
	return k
}

// bucket finds or makes the bucket of k and marks it used; over the cap,
// the least recently used bucket is dropped.
func (l *Limiter) bucket(k [16]byte, perSec float64, burst int, now time.Time) *rate.Limiter {
	if el, ok := l.byKey[k]; ok {
		e := el.Value.(*entry)
		e.seen = now
		l.lru.MoveToFront(el)
		return e.lim
	}
	e := &entry{key: k, lim: rate.NewLimiter(rate.Limit(perSec), burst), seen: now}
	l.byKey[k] = l.lru.PushFront(e)
	for l.lru.Len() > l.maxKeys {
		l.remove(l.lru.Back())
	}
	return e.lim
}

// dropIdle removes buckets unused for a whole period: they have refilled,
// so forgetting them changes nothing.
func (l *Limiter) dropIdle(now time.Time) {
	for el := l.lru.Back(); el != nil; el = l.lru.Back() {
		if now.Sub(el.Value.(*entry).seen) < l.rate.Per {
			return
		}
		l.remove(el)
	}
}

func (l *Limiter) remove(el *list.Element) {
	delete(l.byKey, el.Value.(*entry).key)
	l.lru.Remove(el)
}
