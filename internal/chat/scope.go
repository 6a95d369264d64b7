package chat

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// The scope guard. The notice says the chatbot "is not intended to provide
// case specific information or updates" nor "to make decisions on
// availability or eligibility of services". Questions of either kind are
// recognised from their phrasing (tables below, tested with many
// phrasings) and answered with what the bot can and cannot do and the
// right route, never with a decision. Questions about services another
// council provides (in a two-tier county: the district councils) are
// answered with a pointer to that council.

// Handoff reasons.
const (
	ReasonCaseSpecific = "case_specific"
	ReasonEligibility  = "eligibility"
	ReasonOtherCouncil = "other_council"
	ReasonNotFound     = "not_found"
)

// scopeRule is one phrasing that puts a question out of scope.
type scopeRule struct {
	reason string
	re     *regexp.Regexp
}

// Eligibility rules come first: "is my child eligible" asks for a decision,
// not for the state of a case.
var scopeRules = func() []scopeRule {
	elig := []string{
		`\b(am i|are we|is (my|our) \w+|is (he|she)|are (they|my \w+))( \w+)? (eligible|entitled)\b`,
		`\b(would|will|could|can|do|does|did) (i|we|my \w+|our \w+|he|she|they) (be )?(still )?(eligible|entitled|qualify|qualified)\b`,
		`\b(do|does|would|will) (i|we|my \w+|he|she|they) (meet|pass) the (criteria|requirements|conditions)\b`,
		`\b(will|would|could) (i|we|my \w+|he|she|they) (get|receive|be given|be offered|be awarded|be approved|be allowed)\b`,
		`\bcan (i|we|my \w+) (get|have|claim|receive|apply for|be given)\b.*\bif (i|we|my|he|she|they|our)\b`,
		`\b(i|we)('m| am|'re| are) (\w+ ){0,3}(can|could|would|will) (i|we) (get|claim|have|receive)\b`,
		`\b(i|we) (have|get|earn|receive|live|am|are)\b.*\b(can|could|would|will|do) (i|we) (get|qualify|claim)\b`,
		`\b(how much|what) (will|would|could) (i|we) (get|receive|be paid|pay)\b`,
		`\bam i (allowed|able) to (get|claim|have)\b`,
		`\b(my|our) (chances|eligibility)\b`,
	}
	cases := []string{
		`\b(where|when|what|how|why)('s| is| are| was| were| will| has| have| did| does)? (is |are |will |has |have |did |does )?(my|our)( \w+){0,4} (application|claim|case|payment|refund|badge|pass|permit|licence|request|referral|assessment|appeal|complaint|bin|bins|collection|balance|bill|account|form|card|order|report|booking|appointment|reference|money|letter|decision|statement|council tax|arrive|due|be|status)\b`,
		`\b(has|have|did|is|was|were) (my|our)( \w+){1,4} (gone through|been|go through|arrived|arrive|received|processed|approved|accepted|rejected|refused|sent|paid|collected|cleared|registered|renewed|cancelled|ready)\b`,
		`\b(my|our)( \w+){0,3} (bin|bins|rubbish|recycling|waste|collection)( \w+){0,3} (wasn't|was not|weren't|were not|hasn't|has not|haven't|have not|not|never|missed|didn't|did not)\b`,
		`\b(my|our)( \w+){1,4} (wasn't|was not|weren't|were not|hasn't|has not|haven't|have not|didn't|did not|never|still not|still hasn't)\b`,
		`\b(status|progress|outcome|result|update|updates|decision) (of|on|about|for) (my|our)\b`,
		`\b(my|our) (council tax|account) (balance|bill|arrears)\b`,
		`\b(check|see|know|tell me|find out) (the )?(status|progress|balance|outcome)\b`,
		`\b(my|our) (balance|arrears|case number|case reference|reference number)\b`,
		`\b(i|we) (applied|reported|paid|sent|submitted|emailed|rang|called|phoned|ordered|requested|booked|complained|wrote|registered)\b.*\b(but|still|yet|when|haven't|have not|not|no|why|where|how long|did)\b`,
		`\b(i|we) (haven't|have not|still haven't|never|didn't|did not) (heard|received|got|had)\b`,
		`\bhow long (until|till|before) (my|our|i|we)\b`,
		`\bhow long (will|does|has) (it|my|our)( \w+){0,3} take\b.*\b(my|our)\b`,
		`\bany (news|update|updates) (on|about) (my|our)\b`,
		`\b(have you|did you|has the council) (received|got|processed|looked at|dealt with)( \w+){0,2} (my|our)\b`,
		`\bhow much do (i|we) owe\b`,
	}
	var out []scopeRule
	for _, p := range elig {
		out = append(out, scopeRule{ReasonEligibility, regexp.MustCompile(p)})
	}
	for _, p := range cases {
		out = append(out, scopeRule{ReasonCaseSpecific, regexp.MustCompile(p)})
	}
	return out
}()

// normaliseQuestion lower-cases, folds curly apostrophes and collapses
// whitespace and punctuation other than apostrophes, for the guard.
func normaliseQuestion(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(' ')
	space := true
	for _, r := range s {
		switch {
		case r == '’' || r == '‘' || r == '`':
			b.WriteByte('\'')
			space = false
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '\'', r >= 0x80:
			b.WriteRune(r)
			space = false
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	if !space {
		b.WriteByte(' ')
	}
	return b.String()
}

// scopeReason returns ReasonEligibility or ReasonCaseSpecific when the
// question asks for a decision or about the resident's own case, else "".
func scopeReason(question string) string {
	n := normaliseQuestion(question)
	for _, r := range scopeRules {
		if r.re.MatchString(n) {
			return r.reason
		}
	}
	return ""
}

// OtherCouncil is a topic that another council is responsible for. When a
// question mentions one of Terms (whole words, case-insensitive), the bot
// points to Councils instead of answering from this council's site.
type OtherCouncil struct {
	// Topic names the service in the answer ("household bin collections").
	Topic string `json:"topic" yaml:"topic"`
	// Terms are words or phrases that identify the topic.
	Terms []string `json:"terms" yaml:"terms"`
	// Unless lists phrases that keep the question with this council even
	// though a term matched ("recycling centre" is the county's).
	Unless []string `json:"unless,omitempty" yaml:"unless,omitempty"`
	// Who says who is responsible ("your district or borough council").
	Who string `json:"who" yaml:"who"`
	// Councils are the sites to point to.
	Councils []Council `json:"councils" yaml:"councils"`
}

// Council is another council's name and website.
type Council struct {
	Name string `json:"name" yaml:"name"`
	URL  string `json:"url" yaml:"url"`
}

// LeicestershireDistricts are the district and borough councils of
// Leicestershire, which provide the services of DefaultOtherCouncils, with
// Leicester City Council (a unitary council) for residents of the city and
// GOV.UK's council finder for anyone unsure.
var LeicestershireDistricts = []Council{
	{"Blaby District Council", "https://www.blaby.gov.uk"},
	{"Charnwood Borough Council", "https://www.charnwood.gov.uk"},
	{"Harborough District Council", "https://www.harborough.gov.uk"},
	{"Hinckley and Bosworth Borough Council", "https://www.hinckley-bosworth.gov.uk"},
	{"Melton Borough Council", "https://www.melton.gov.uk"},
	{"North West Leicestershire District Council", "https://www.nwleics.gov.uk"},
	{"Oadby and Wigston Borough Council", "https://www.oadby-wigston.gov.uk"},
	{"Leicester City Council (if you live in the city of Leicester)", "https://www.leicester.gov.uk"},
	{"Find your local council on GOV.UK", "https://www.gov.uk/find-local-council"},
}

// DefaultOtherCouncils are the district council services of a two-tier
// county (Leicestershire): household bin collections, council tax billing,
// housing, planning applications, environmental health and licensing,
// elections. The county keeps waste disposal and recycling centres, roads,
// schools and social care, so those never match.
func DefaultOtherCouncils() []OtherCouncil {
	who := "your district or borough council"
	return []OtherCouncil{
		{Topic: "household bin collections", Who: who, Councils: LeicestershireDistricts,
			Terms: []string{"bin collection", "bin collections", "bin day", "bin days", "bins collected", "bin collected",
				"missed bin", "missed bins", "new bin", "replacement bin", "wheelie bin", "wheelie bins", "garden waste",
				"bulky waste", "bulky items", "bulky item", "rubbish collection", "recycling collection", "refuse collection",
				"waste collection", "collect my bin", "collect my bins", "bin wasn't collected", "bins weren't collected",
				"my bin", "my bins", "green bin", "black bin", "blue bin", "brown bin"},
			Unless: []string{"recycling centre", "recycling centres", "household waste recycling", "tip", "tips"}},
		{Topic: "council tax bills and payments", Who: who, Councils: LeicestershireDistricts,
			Terms: []string{"council tax", "counciltax", "ctax", "single person discount", "council tax reduction",
				"council tax support", "business rates"}},
		{Topic: "housing", Who: who, Councils: LeicestershireDistricts,
			Terms: []string{"housing", "council house", "council houses", "council flat", "housing register",
				"housing benefit", "homeless", "homelessness", "social housing", "housing list", "tenancy", "landlord",
				"rent arrears"}},
		{Topic: "planning applications", Who: who, Councils: LeicestershireDistricts,
			Terms: []string{"planning application", "planning permission", "building control", "extension planning"}},
		{Topic: "environmental health and licensing", Who: who, Councils: LeicestershireDistricts,
			Terms: []string{"noise complaint", "noisy neighbour", "noisy neighbours", "food hygiene", "pest control",
				"taxi licence", "alcohol licence", "premises licence", "fly tipping", "fly-tipping", "flytipping",
				"dog fouling", "abandoned vehicle"}},
		{Topic: "elections and voter registration", Who: who, Councils: LeicestershireDistricts,
			Terms: []string{"register to vote", "electoral register", "electoral roll", "polling station", "postal vote",
				"voter id"}},
	}
}

// matchOther returns the first topic whose terms occur in the question.
func matchOther(list []OtherCouncil, question string) (OtherCouncil, bool) {
	n := normaliseQuestion(question)
	for _, oc := range list {
		if containsAnyPhrase(n, oc.Unless) {
			continue
		}
		if containsAnyPhrase(n, oc.Terms) {
			return oc, true
		}
	}
	return OtherCouncil{}, false
}

// containsAnyPhrase reports whether normalised text n (space-padded) holds
// one of phrases as whole words.
func containsAnyPhrase(n string, phrases []string) bool {
	for _, p := range phrases {
		p = strings.TrimSpace(normaliseQuestion(p))
		if p != "" && strings.Contains(n, " "+p+" ") {
			return true
		}
	}
	return false
}

// LoadOtherCouncils reads a list of OtherCouncil from a YAML (or JSON)
// file: a sequence of {topic, terms, unless, who, councils: [{name, url}]}.
// An empty list is valid (a unitary council points nowhere else).
func LoadOtherCouncils(path string) ([]OtherCouncil, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	list := []OtherCouncil{}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&list); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i, oc := range list {
		switch {
		case strings.TrimSpace(oc.Topic) == "" || strings.TrimSpace(oc.Who) == "":
			return nil, fmt.Errorf("%s: entry %d: topic and who are required", path, i+1)
		case len(oc.Terms) == 0:
			return nil, fmt.Errorf("%s: entry %d (%s): no terms", path, i+1, oc.Topic)
		case len(oc.Councils) == 0:
			return nil, fmt.Errorf("%s: entry %d (%s): no councils to point to", path, i+1, oc.Topic)
		}
		for _, c := range oc.Councils {
			if c.Name == "" || !(strings.HasPrefix(c.URL, "https://") || strings.HasPrefix(c.URL, "http://")) {
				return nil, fmt.Errorf("%s: entry %d (%s): each council needs a name and an http(s) url", path, i+1, oc.Topic)
			}
		}
	}
	return list, nil
}

// SetOtherCouncils replaces the other-council topics (nil: the defaults).
func (s *Service) SetOtherCouncils(list []OtherCouncil) {
	if list == nil {
		list = DefaultOtherCouncils()
	}
	s.others.Store(&list)
	s.cache.clear()
}
