package extract

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Lead-ins. A list item or a line under a heading often means nothing, or
// the opposite of what the page says, without the text it depends on:
// "allow someone else to use your blue badge" is under "You must not:".
// The walker records, for each such block, the lead-in a quote of it must
// carry, so that search never quotes an item without its list's lead-in.
//
// A block's lead-in is, outermost first, one per line:
//   - the headings above it that condition or negate ("If you are refused",
//     "Who cannot apply"), and
//   - for a list item, the block just before its list (the paragraph or
//     label line that introduces it; for a nested list, its parent item,
//     itself with its own lead-in); a list that directly continues another
//     list has that list's lead-in;
//   - for a paragraph that starts in lower case after a paragraph ending
//     with ":" (a list written as paragraphs), that paragraph.

// conditionHeading matches headings that condition or negate what is under
// them: opening with a condition, or saying "not"/"cannot"/"never".
var conditionHeading = regexp.MustCompile(`(?i)^\s*(if|unless|when|whether|except|without|before|after|only|until)\b|\b(not|cannot|can't|can’t|mustn't|mustn’t|don't|don’t|doesn't|doesn’t|won't|won’t|isn't|isn’t|aren't|aren’t|shouldn't|shouldn’t|never|no longer|ineligible|not eligible|exceptions?|exclusions?|prohibited|banned|restrictions?)\b`)

// conditionalHeading reports whether a heading conditions or negates the
// text under it, so a quote from its section must carry it.
func conditionalHeading(h string) bool { return conditionHeading.MatchString(h) }

// joinLead adds line to the lead-in chain lead.
func joinLead(lead, line string) string {
	if lead == "" {
		return line
	}
	return lead + "\n" + line
}

// startsLower reports whether a block begins with a lower-case letter: a
// fragment that continues what came before it.
func startsLower(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLower(r)
}

// enterList records the lead-in of a list that starts now, at depth
// len(w.lists)+1: the block just before it, unless that block is an item of
// a list at the same depth that the new one continues.
func (w *walker) enterList() {
	s := w.section()
	lead := ""
	if n := len(s.Blocks); n > 0 {
		last := s.Blocks[n-1]
		if w.lastItem == last && w.lastItemDepth == len(w.lists)+1 {
			lead = s.Leads[last]
		} else {
			lead = joinLead(s.Leads[last], last)
		}
	}
	w.lists = append(w.lists, lead)
}

func (w *walker) leaveList() {
	w.lists = w.lists[:len(w.lists)-1]
}

// noteBlock records the lead-in of block t, just appended to section s.
func (w *walker) noteBlock(s *Section, t string) {
	lead := ""
	item := len(w.lists) > 0
	switch {
	case item:
		lead = w.lists[len(w.lists)-1]
		w.lastItem, w.lastItemDepth = t, len(w.lists)
	case w.colonLead != "" && startsLower(t):
		lead = w.colonLead
	}
	if !item {
		w.lastItem, w.lastItemDepth = "", 0
		switch {
		case strings.HasSuffix(t, ":"):
			w.colonLead = joinLead(lead, t)
		case lead == "":
			w.colonLead = ""
		}
	}
	if lead == "" {
		return
	}
	if s.Leads == nil {
		s.Leads = map[string]string{}
	}
	if _, ok := s.Leads[t]; !ok {
		s.Leads[t] = lead
	}
}

// passageLeads are the lead-ins of a passage's lines: each block's own, under
// the section's condition headings.
func passageLeads(s Section, blocks []string) map[string]string {
	var heads string
	for _, h := range s.Path {
		if conditionalHeading(h) {
			heads = joinLead(heads, h)
		}
	}
	var out map[string]string
	for _, b := range blocks {
		lead := heads
		if own := s.Leads[b]; own != "" {
			lead = joinLead(heads, own)
		}
		if lead == "" {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[b] = lead
	}
	return out
}
