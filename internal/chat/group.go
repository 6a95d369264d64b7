package chat

import (
	"sort"
	"strings"
	"time"
)

// Grouping of unanswered questions for the report. A question is reduced to
// its normalised content words (lower case, placeholders and stop words
// dropped, a light plural/verb suffix strip), stored as the sorted set
// joined by spaces (the aggregate's key, so repeats of one question count
// in one row). The report merges keys whose word sets overlap by Jaccard
// similarity >= groupSimilarity, greedily, largest groups first.

const groupSimilarity = 0.5

var groupStop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the and or but if of to in on at for from by with about into over
		i me my we our us you your he she it its they them their this that these those there here
		is are was were be been being am do does did done have has had having can could would should will shall may might must
		what when where which who whom whose why how please hi hello thanks thank get got want need like know tell find
		any some much many more most very just also not no yes so than then too up out as own`) {
		m[w] = true
	}
	return m
}()

// normTokens returns the sorted distinct content words of a question.
func normTokens(q string) []string {
	n := normaliseQuestion(q)
	seen := map[string]bool{}
	var out []string
	for _, w := range strings.Fields(n) {
		w = strings.Trim(w, "'")
		w = strings.TrimSuffix(w, "'s")
		if w == "" || groupStop[w] {
			continue
		}
		w = stemLight(w)
		if len(w) < 2 || seen[w] {
			continue
		}
		seen[w] = true
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}

// stemLight strips common English endings so "bins"/"bin" and
// "closing"/"close" meet; it is for grouping, not retrieval.
func stemLight(w string) string {
	switch {
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		w = w[:len(w)-3] + "y"
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		w = w[:len(w)-1]
	}
	switch {
	case len(w) > 5 && strings.HasSuffix(w, "ing"):
		return w[:len(w)-3]
	case len(w) > 6 && strings.HasSuffix(w, "ion"):
		return w[:len(w)-3]
	case len(w) > 4 && strings.HasSuffix(w, "ed"):
		return w[:len(w)-2]
	}
	return w
}

// normKey is the aggregate key of a question: its normalised tokens joined.
// Placeholders such as "[postcode]" lose their brackets and stay as words,
// which is harmless: they are types, not values.
func normKey(q string) string {
	k := strings.Join(normTokens(q), " ")
	if len(k) > 200 {
		k = k[:200]
	}
	return k
}

func jaccard(a, b []string) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	i, j, inter := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			inter++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	union := len(a) + len(b) - inter
	return float64(inter) / float64(union)
}

// unansweredItem is one key's total over the report period.
type unansweredItem struct {
	key     string
	tokens  []string
	example string
	count   int
	last    time.Time
}

// groupUnanswered merges similar questions. Items are taken largest first;
// each joins the first group whose representative (its largest item) is
// similar enough, else starts a group. The example shown is the most recent
// of the group's largest item.
func groupUnanswered(items []unansweredItem, limit int) []Unanswered {
	sort.Slice(items, func(i, j int) bool {
		if items[i].count != items[j].count {
			return items[i].count > items[j].count
		}
		return items[i].key < items[j].key
	})
	type group struct {
		rep []string
		out Unanswered
	}
	var groups []*group
	for _, it := range items {
		var g *group
		for _, c := range groups {
			if jaccard(c.rep, it.tokens) >= groupSimilarity {
				g = c
				break
			}
		}
		if g == nil {
			g = &group{rep: it.tokens, out: Unanswered{Example: it.example}}
			groups = append(groups, g)
		}
		g.out.Count += it.count
		if it.last.After(g.out.Last) {
			g.out.Last = it.last
		}
	}
	out := make([]Unanswered, 0, len(groups))
	for _, g := range groups {
		out = append(out, g.out)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}
