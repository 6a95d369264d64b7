package search

import (
	"bufio"
	"fmt"
	"slices"
	"strings"
)

// Synonyms are groups of words or phrases that residents use for the same thing. A query phrase
// in a group also matches the group's other phrases, with a lower weight than the words typed, so
// a page using the resident's own words still ranks first.
//
// Groups are equivalences, not one-way expansions: "tip" finds "household waste recycling centre"
// and the reverse.
type Synonyms struct {
	groups [][]string   // as written, for display and editing
	terms  [][][]string // analysed phrases per group
	// byFirst maps the first term of an analysed phrase to the phrases starting with it.
	byFirst map[string][]synPhrase
	all     map[string]struct{} // every term of every phrase
}

type synPhrase struct {
	terms []string
	group int
}

// DefaultSynonymGroups is the council vocabulary shipped with Fairline; staff replace or extend it
// in the console (the chatbot then builds a new index with Options.Synonyms). Keep groups narrow: a synonym that is only sometimes right
// ("road" for "highway") costs more precision than it gains.
var DefaultSynonymGroups = [][]string{
	{"bin", "bins", "wheelie bin", "refuse", "rubbish", "waste", "garbage", "trash"},
	{"bin collection", "refuse collection", "waste collection", "rubbish collection", "bin day", "collection day"},
	{"tip", "dump", "recycling centre", "household waste recycling centre", "hwrc", "civic amenity site"},
	{"blue badge", "disabled parking", "disabled badge", "disability parking permit"},
	{"council tax", "ctax", "c tax", "local tax"},
	{"council tax reduction", "council tax support", "council tax benefit"},
	{"pothole", "road defect", "hole in the road"},
	{"fly tipping", "flytipping", "illegal dumping"},
	{"street light", "streetlight", "street lamp", "lamp post", "street lighting"},
	{"gritting", "road salt", "winter maintenance", "gritter"},
	{"bus pass", "concessionary travel", "concessionary bus pass", "free bus travel"},
	{"school admissions", "school place", "school application", "apply for a school"},
	{"send", "special educational needs", "special educational needs and disabilities"},
	{"ehcp", "education health and care plan"},
	{"social worker", "social services", "social care"},
	{"care home", "residential care", "nursing home"},
	{"carer", "caregiver", "looking after someone"},
	{"library", "libraries", "lending library"},
	{"library card", "library membership", "join the library"},
	{"register office", "registry office", "registrar", "registrars"},
	{"birth certificate", "copy certificate", "certificate copy"},
	{"planning permission", "planning application"},
	{"parking permit", "residents parking", "resident parking"},
	{"parking fine", "penalty charge notice", "pcn", "parking ticket"},
	{"dropped kerb", "vehicle crossing", "drop kerb"},
	{"trading standards", "consumer protection"},
	{"scam", "fraud", "con"},
	{"rogue trader", "cowboy builder", "doorstep seller"},
	{"pavement", "footway", "sidewalk"},
	{"flat", "apartment"},
	{"free school meals", "school dinners", "school lunches"},
	{"nursery", "preschool", "pre school", "early years"},
	{"fostering", "foster care", "foster carer"},
	{"pest control", "pests", "vermin", "rats", "mice"},
	{"noise complaint", "noisy neighbours", "noise nuisance"},
	{"allotment", "allotments", "community garden"},
	{"housing benefit", "rent help", "help with rent"},
	{"homeless", "homelessness", "nowhere to live", "sleeping rough", "rough sleeping"},
	{"mobile library", "library van"},
	{"elections", "voting", "electoral register", "register to vote"},
	{"deceased", "death", "died", "passed away", "bereavement"},
	// Everyday words for the official ones pages use: how residents describe their lives
	// ("my boss", "the kids", "she's expecting") rather than how services are named.
	{"boss", "employer"},
	{"kid", "kids", "child", "children"},
	{"uni", "university"},
	{"expecting a baby", "expecting", "pregnant", "pregnancy"},
	{"husband", "wife", "partner", "spouse"},
	{"mum", "mother"},
	{"dad", "father"},
	{"nan", "gran", "grandma", "grandmother"},
	{"sacked", "fired", "dismissed", "dismissal"},
	{"laid off", "made redundant", "redundancy"},
	{"doctor", "gp"},
	{"autistic", "autism"},
}

// NewSynonyms analyses groups (each a list of words or phrases) the same way documents are
// analysed. Phrases that analyse to nothing (only stop words) are rejected, since they would match
// every query.
func NewSynonyms(groups [][]string) (*Synonyms, error) {
	s := &Synonyms{byFirst: map[string][]synPhrase{}, all: map[string]struct{}{}}
	for gi, g := range groups {
		var kept []string
		var gterms [][]string
		for _, p := range g {
			terms := phraseTerms(p)
			if len(terms) == 0 {
				return nil, fmt.Errorf("synonym group %d: %q has no searchable words", gi+1, p)
			}
			kept = append(kept, strings.TrimSpace(p))
			gterms = append(gterms, terms)
			s.byFirst[terms[0]] = append(s.byFirst[terms[0]], synPhrase{terms: terms, group: len(s.groups)})
			for _, t := range terms {
				s.all[t] = struct{}{}
			}
		}
		if len(kept) < 2 {
			return nil, fmt.Errorf("synonym group %d: needs at least two phrases", gi+1)
		}
		s.groups = append(s.groups, kept)
		s.terms = append(s.terms, gterms)
	}
	return s, nil
}

// ParseSynonyms reads the staff-editable text form: one group per line, phrases separated by
// commas; blank lines and lines starting with # are ignored.
//
//	bin, refuse, rubbish, waste
//	tip, recycling centre, household waste recycling centre
func ParseSynonyms(text string) (*Synonyms, error) {
	var groups [][]string
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(nil, 1<<20)
	line := 0
	for sc.Scan() {
		line++
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		var g []string
		for _, p := range strings.Split(l, ",") {
			if p = strings.TrimSpace(p); p != "" {
				if len(phraseTerms(p)) == 0 {
					return nil, fmt.Errorf("line %d: %q has no searchable words (only very common ones), so it would match every question", line, p)
				}
				g = append(g, p)
			}
		}
		if len(g) < 2 {
			return nil, fmt.Errorf("line %d: a group needs at least two phrases separated by commas", line)
		}
		groups = append(groups, g)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return NewSynonyms(groups)
}

// String is the text form ParseSynonyms reads.
func (s *Synonyms) String() string {
	if s == nil {
		return ""
	}
	var b strings.Builder
	for _, g := range s.groups {
		b.WriteString(strings.Join(g, ", "))
		b.WriteByte('\n')
	}
	return b.String()
}

// Groups returns a copy of the groups as written.
func (s *Synonyms) Groups() [][]string {
	if s == nil {
		return nil
	}
	out := make([][]string, len(s.groups))
	for i, g := range s.groups {
		out[i] = append([]string(nil), g...)
	}
	return out
}

// DefaultSynonyms returns the shipped groups, analysed.
func DefaultSynonyms() *Synonyms {
	s, err := NewSynonyms(DefaultSynonymGroups)
	if err != nil {
		panic(err) // the shipped list is checked by a test
	}
	return s
}

// phraseTerms analyses a phrase to its index terms, stop words dropped.
func phraseTerms(p string) []string {
	var out []string
	for _, t := range analyze(p, 0) {
		if t.term != "" {
			out = append(out, t.term)
		}
	}
	return out
}

// has reports whether term t is part of any phrase of any group.
func (s *Synonyms) has(t string) bool {
	if s == nil {
		return false
	}
	_, ok := s.all[t]
	return ok
}

// alternatives returns, for the longest phrase of any group matching terms at i, its length and
// the other phrases of its groups. n == 0 when nothing matches.
func (s *Synonyms) alternatives(terms []string, i int) (n int, alts [][]string) {
	n, groups := s.groupsAt(terms, i)
	if n == 0 {
		return 0, nil
	}
	matched := strings.Join(terms[i:i+n], " ")
	seen := map[string]bool{matched: true}
	for _, g := range groups {
		for _, pt := range s.terms[g] {
			k := strings.Join(pt, " ")
			if !seen[k] {
				seen[k] = true
				alts = append(alts, pt)
			}
		}
	}
	return n, alts
}

// groupsAt returns the length of the longest phrase of any group matching terms at i, and the
// groups holding a phrase of that length there. n == 0 when nothing matches.
func (s *Synonyms) groupsAt(terms []string, i int) (n int, groups []int) {
	if s == nil || i >= len(terms) {
		return 0, nil
	}
	for _, p := range s.byFirst[terms[i]] {
		if i+len(p.terms) > len(terms) || len(p.terms) < n {
			continue
		}
		match := true
		for j, t := range p.terms {
			if terms[i+j] != t {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		if len(p.terms) > n {
			n, groups = len(p.terms), nil
		}
		if !slices.Contains(groups, p.group) {
			groups = append(groups, p.group)
		}
	}
	return n, groups
}
