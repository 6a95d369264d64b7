package quality

import (
	"context"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
)

// Sampling: a team leader draws the calls to evaluate for a month, the
// same number per agent (or all an agent has, if fewer), so no agent is
// judged on more or fewer calls than the others.

// Sampling methods.
var Methods = []string{"random", "longest", "inbound", "outbound"}

// MaxPerAgent bounds one draw.
const MaxPerAgent = 20

// Draw queues up to perAgent calls per agent of area from the month that
// contains month, not yet queued or evaluated and not restricted, chosen
// by method. It returns how many it queued.
func (s *Service) Draw(ctx context.Context, p *auth.Principal, area string, month time.Time, perAgent int, method string) (int, error) {
	if _, ok := s.policy().ServiceArea(recording.System, area); !ok || !leads(p, area) {
		return 0, ErrForbidden
	}
	if perAgent < 1 || perAgent > MaxPerAgent {
		return 0, fail.Field("per_agent", "choose from 1 to "+strconv.Itoa(MaxPerAgent)+" calls per agent")
	}
	if !slices.Contains(Methods, method) {
		return 0, fail.Field("method", "choose how to pick the calls")
	}
	from := store.MonthOf(month)
	cands, err := s.db.Q().SampleCandidates(ctx, area, from, from.AddDate(0, 1, 0))
	if err != nil {
		return 0, err
	}
	picked := pick(cands, perAgent, method, rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())))
	items := make([]store.QueueItem, len(picked))
	for i, c := range picked {
		items[i] = store.QueueItem{ServiceArea: area, Month: from, RecordingID: c.ID, AgentID: c.AgentID, Method: method,
			DrawnBy: p.Actor(), DrawnAt: s.now()}
	}
	err = s.db.Tx(ctx, func(q *store.Q) error {
		if err := q.Enqueue(ctx, items); err != nil {
			return err
		}
		_, err := s.audit.Append(ctx, q, audit.Entry{Actor: p.Actor(), Action: "quality.draw", Object: "area:" + area,
			Purpose: PurposeQuality, Outcome: audit.Success})
		return err
	})
	return len(items), err
}

// pick chooses up to n calls per agent: at random, the longest, or at
// random among one direction.
func pick(cands []store.SampleCandidate, n int, method string, r *rand.Rand) []store.SampleCandidate {
	byAgent := map[string][]store.SampleCandidate{}
	for _, c := range cands {
		if (method == "inbound" || method == "outbound") && c.Direction != method {
			continue
		}
		byAgent[c.AgentID] = append(byAgent[c.AgentID], c)
	}
	agents := make([]string, 0, len(byAgent))
	for a := range byAgent {
		agents = append(agents, a)
	}
	sort.Strings(agents)
	var out []store.SampleCandidate
	for _, a := range agents {
		cs := byAgent[a]
		if method == "longest" {
			sort.SliceStable(cs, func(i, j int) bool { return cs[i].Duration > cs[j].Duration })
		} else {
			r.Shuffle(len(cs), func(i, j int) { cs[i], cs[j] = cs[j], cs[i] })
		}
		out = append(out, cs[:min(n, len(cs))]...)
	}
	return out
}

// Queue lists the calls waiting for evaluation in p's areas.
func (s *Service) Queue(ctx context.Context, p *auth.Principal) ([]store.QueueItem, error) {
	return s.db.Q().Queue(ctx, areasOf(p))
}
