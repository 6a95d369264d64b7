package chat

import (
	"context"
	"regexp"
	"strings"

	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/search"
)

// compose decides the answer from the redacted question: query is searched,
// guard (placeholders blanked) is read by the scope guard. It quotes the knowledge base and never writes an answer of its
// own: the only text it adds is the fixed explanations below.
func (s *Service) compose(ctx context.Context, ix *search.Index, pol *policy.Policy, query, guard string) outcome {
	reason := scopeReason(guard)
	oc, other := matchOther(*s.others.Load(), guard)
	results := s.search(ctx, ix, query, searchDepth)
	org := pol.Organisation.Name
	if org == "" {
		org = "the council"
	}
	out := outcome{resp: Response{Sources: []Source{}, Choices: []Source{}, Redacted: []string{}}}
	hint, hintChoices, hinted := s.hinted(results)
	if len(results) > 0 && (results[0].Confidence >= s.threshold/2 || hinted) {
		out.resp.ServiceArea = results[0].Area
	}
	handoff := func(reason, msg string, routes []Route) {
		if routes == nil {
			routes = []Route{}
		}
		out.reason = reason
		out.resp.Answer = msg
		out.resp.Handoff = &Handoff{Reason: reason, Message: msg, Routes: routes}
	}
	otherMsg := func() string {
		return "Questions about " + oc.Topic + " are for " + oc.Who + ", not " + org + ". Contact your council directly:"
	}
	answer := func(best search.Result) {
		out.answered = true
		out.source = best
		text := best.Snippet
		if text == "" {
			text = best.Passage.Text
		}
		out.resp.Answer = text
		out.resp.Sources = append(out.resp.Sources, Source{URL: link(best), Title: best.Title, Snippet: text})
		for _, r := range results {
			if len(out.resp.Sources) == 3 {
				break
			}
			if r.URL == best.URL || r.Confidence < s.threshold/2 {
				continue
			}
			out.resp.Sources = append(out.resp.Sources, Source{URL: link(r), Title: r.Title, Snippet: r.Snippet})
		}
	}
	offer := func(picks []search.Result) {
		for _, r := range picks {
			out.resp.Choices = append(out.resp.Choices, Source{URL: link(r), Title: r.Title, Snippet: r.Snippet})
		}
		out.resp.Answer = msgChoices
	}
	picks := s.choices(results, ix.ScoreUnit())
	switch {
	// Another council's topic comes first, even when the question is about
	// the resident's own case ("when is my bin collection"): that council
	// holds the case, so the answer says one thing, where to go, instead of
	// joining "I can't see your case" and "ask your district" into one text.
	case other:
		handoff(ReasonOtherCouncil, otherMsg(), councilRoutes(oc))
	case reason != "":
		msg := msgCaseSpecific(org)
		if reason == ReasonEligibility {
			msg = msgEligibility(org)
		}
		// The pages the answer gate would have quoted or offered are the
		// published information the message promises; a resident telling
		// their story ("can I still get ... if ...") is rarely confident
		// enough for one page, so the choices stand in for it.
		pages := picks
		switch {
		case hinted && len(hintChoices) > 0:
			pages = hintChoices
		case hinted:
			pages = []search.Result{hint}
		case len(pages) == 0 && len(results) > 0 && results[0].Confidence >= s.threshold/2:
			pages = results[:1]
		}
		handoff(reason, msg+" Use one of these:", s.serviceRoutes(ctx, ix, pol, results, pages, out.resp.ServiceArea))
	// Staff sent questions like this one to a page (hints.go): its answer,
	// or the first of the choices when other pages are as likely.
	case hinted && len(hintChoices) == 0:
		answer(hint)
	case hinted:
		offer(hintChoices)
	case len(picks) == 0 && len(results) > 0 && results[0].Confidence >= s.threshold:
		answer(results[0])
	case len(picks) > 0:
		// Relevant pages but none clearly ahead: the resident picks one
		// (choices.go) instead of a guess or a refusal.
		offer(picks)
	default:
		// Nothing fits: a weakly matching page (or its area's contact page)
		// would be unrelated, so only the council's general routes from the
		// policy are offered and no service area is recorded; the question
		// goes to staff's unanswered list (write.go).
		out.resp.ServiceArea = ""
		handoff(ReasonNotFound, "Sorry, I couldn't find an answer to that on our website. You could try asking in a different way, or contact us:",
			policyRoutes(pol))
	}
	return out
}

func msgCaseSpecific(org string) string {
	return "I can't see or update your own case, account, application or payment, so I can't tell you where it has got to. " +
		"I can help you find information and services on " + org + "'s website."
}

func msgEligibility(org string) string {
	return "I can't decide whether you are eligible for a service or what you will get: only the service can, once it knows your circumstances. " +
		"I can show you " + org + "'s published information on who can get help and how to apply."
}

// search runs a query with at most MaxSearches at once.
func (s *Service) search(ctx context.Context, ix *search.Index, q string, k int) []search.Result {
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return nil
	}
	defer func() { <-s.sem }()
	return ix.Search(q, k)
}

// link is a result's URL with the passage anchor.
func link(r search.Result) string {
	if r.Anchor != "" {
		return r.URL + "#" + r.Anchor
	}
	return r.URL
}

func councilRoutes(oc OtherCouncil) []Route {
	out := make([]Route, 0, len(oc.Councils))
	for _, c := range oc.Councils {
		out = append(out, Route{Kind: "page", Label: c.Name, URL: c.URL})
	}
	return out
}

var formWords = regexp.MustCompile(`(?i)\b(apply|application|report|request|book|order|pay|form|register|renew|claim)\b`)
var contactWords = regexp.MustCompile(`(?i)\bcontact`)

// serviceRoutes are the ways to reach the service: its pages (the first
// two of pages), an online form or contact page found with it, a contact
// page of its service area, and phone numbers from those pages (else the
// organisation's published numbers from the policy).
func (s *Service) serviceRoutes(ctx context.Context, ix *search.Index, pol *policy.Policy, results, pages []search.Result, area string) []Route {
	routes := []Route{}
	seen := map[string]bool{}
	var found []string // pages whose phone numbers are offered
	add := func(r Route, page string) {
		if seen[r.URL] {
			return
		}
		seen[r.URL] = true
		routes = append(routes, r)
		if page != "" {
			found = append(found, page)
		}
	}
	for _, r := range pages[:min(2, len(pages))] {
		add(Route{Kind: "page", Label: r.Title, URL: r.URL}, r.URL)
	}
	for i, r := range results {
		if i == 5 || len(routes) >= 3 {
			break
		}
		if r.Confidence < s.threshold/3 {
			continue
		}
		title := r.Title + " " + r.URL
		switch {
		case contactWords.MatchString(title):
			add(Route{Kind: "page", Label: r.Title, URL: r.URL}, r.URL)
		case formWords.MatchString(r.Title):
			add(Route{Kind: "form", Label: r.Title, URL: r.URL}, r.URL)
		}
	}
	if c, ok := s.contactPage(ctx, ix, area); ok {
		add(Route{Kind: "page", Label: c.Title, URL: c.URL}, c.URL)
	}
	phones := phonesIn(ix, found, 2)
	if len(phones) == 0 {
		phones = pol.Organisation.PublicContacts.Phones
	}
	for i, p := range phones {
		if i == 2 {
			break
		}
		if tel := telURL(p); tel != "" {
			add(Route{Kind: "phone", Label: p, URL: tel}, "")
		}
	}
	return routes
}

// contactPage finds the site's contact page, one of area's first.
func (s *Service) contactPage(ctx context.Context, ix *search.Index, area string) (search.Result, bool) {
	rs := s.search(ctx, ix, "contact us", 10)
	var any *search.Result
	for i, r := range rs {
		if !contactWords.MatchString(r.Title + " " + r.URL) {
			continue
		}
		if area != "" && r.Area == area {
			return r, true
		}
		if any == nil {
			any = &rs[i]
		}
	}
	if any != nil {
		return *any, true
	}
	return search.Result{}, false
}

var phoneRE = regexp.MustCompile(`(?:\+44\s?(?:\(0\)\s?)?|\b0)\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}\b`)

// phonesIn returns up to n distinct UK phone numbers written on the pages.
func phonesIn(ix *search.Index, pages []string, n int) []string {
	var out []string
	seen := map[string]bool{}
	for _, u := range pages {
		d, ok := ix.Doc(u)
		if !ok {
			continue
		}
		for _, p := range d.Passages {
			for _, m := range phoneRE.FindAllString(p.Text, -1) {
				m = strings.TrimSpace(m)
				if t := telURL(m); t != "" && !seen[t] {
					seen[t] = true
					out = append(out, m)
					if len(out) == n {
						return out
					}
				}
			}
		}
	}
	return out
}

// telURL turns a UK number into a tel: link, or "" when it is not one.
func telURL(num string) string {
	var d strings.Builder
	for _, r := range num {
		if r >= '0' && r <= '9' {
			d.WriteRune(r)
		}
	}
	digits := d.String()
	switch {
	case strings.HasPrefix(digits, "440"):
		digits = "0" + digits[3:]
	case strings.HasPrefix(digits, "44"):
		digits = "0" + digits[2:]
	}
	if !strings.HasPrefix(digits, "0") || len(digits) < 10 || len(digits) > 11 {
		return ""
	}
	return "tel:+44" + digits[1:]
}
