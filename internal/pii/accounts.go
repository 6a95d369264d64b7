package pii

import "strings"

// Residents quote the numbers of their accounts with the council and others: "my acc is
// 61555197", "rent ref 9430498", "Claim ref HB3482160", "parking fine PCN LC40018832". Most
// match none of the organisation's declared reference patterns, and their formats are too
// many to list, so referenceNumber takes the word after a cue ("account", "ref", "claim",
// "tenancy"...) when it reads like a reference: five or more digits, at most four letters,
// only "/", "-" or "." inside, and not a date. A cue counts only when nothing but filler
// ("no", "number", "is", "my") stands between it and the number, so "a reference to it on
// page 12" is not one.

// referenceCues are words that introduce a resident's reference.
var referenceCues = setOf(`acc acct account accounts ref refs reference references claim tenancy tenant rent customer
	payment pcn penalty membership member library case benefit permit`)

// referenceFiller may stand between a cue and its number.
var referenceFiller = setOf(`no num number numbers ref reference is was my our the your his her their id code card
	charge notice`)

// referenceNumber looks at the word around digit-bearing token i (each word once).
func (s *scanner) referenceNumber(i int) {
	t, tk := s.text, s.toks[i]
	// A cue word or the reference's own letters come before it.
	if tk.start < s.refEnd || i == 0 || s.toks[i-1].kind != tAlpha {
		return
	}
	st, en := wordAround(t, tk.start, tk.end)
	s.refEnd = en
	if en-st < 5 || !s.referenceCueBefore(i, st) || !referenceWord(t[st:en]) {
		return
	}
	// "4415 8822": a second group of digits after a space belongs to it.
	if k := s.tokenBefore(en); k+1 < len(s.toks) && s.gap(k+1) == " " && s.toks[k+1].kind == tDigit && isDigits(t[st:en]) {
		if nx := s.toks[k+1]; nx.end-st <= 14 && (nx.end == len(t) || isSpace(t[nx.end]) || strings.IndexByte(".,;:!?)", t[nx.end]) >= 0) {
			en = nx.end
			s.refEnd = en
		}
	}
	s.add(ReferenceNumber, st, en, 0.8)
}

// wordAround widens [start, end) to the run of non-space bytes around it (at most 64 each
// way), without punctuation at either end.
func wordAround(t string, start, end int) (int, int) {
	st, en := start, end
	for st > 0 && !isSpace(t[st-1]) && start-st < 64 {
		st--
	}
	for en < len(t) && !isSpace(t[en]) && en-end < 64 {
		en++
	}
	for st < en && strings.IndexByte(".,;:!?()[]{}\"'#", t[st]) >= 0 {
		st++
	}
	for en > st && strings.IndexByte(".,;:!?()[]{}\"'", t[en-1]) >= 0 {
		en--
	}
	return st, en
}

// referenceWord reports whether w reads like a reference: 5 to 20 bytes of letters, digits
// and inner "/", "-" or ".", at least five digits and at most four letters, not a date or an
// amount.
func referenceWord(w string) bool {
	if len(w) < 5 || len(w) > 20 {
		return false
	}
	digits, letters := 0, 0
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case isDigit(c):
			digits++
		case isLetter(c):
			letters++
		case (c == '/' || c == '-' || c == '.') && i > 0 && i < len(w)-1:
		default:
			return false
		}
	}
	// "1250.00" is an amount of money ("my rent is 1250.00").
	money := len(w) > 3 && w[len(w)-3] == '.' && isDigits(w[:len(w)-3]) && isDigits(w[len(w)-2:])
	return digits >= 5 && letters <= 4 && !money && !dateLike(w)
}

// dateLike reports whether w is a date or a span of years ("21-08-2026", "2026/27",
// "2015/0873", "1.5.2024") or holds a year between separators, as the numbers of events,
// documents and requests do ("EV-2025-0419", "FOI/2024/118"): the organisation's, not a
// resident's.
func dateLike(w string) bool {
	var parts [3]string
	n, allDigits := 0, true
	for k, rest := 0, w; rest != ""; k++ {
		p := rest
		if j := strings.IndexAny(rest, "/-."); j >= 0 {
			p, rest = rest[:j], rest[j+1:]
		} else {
			rest = ""
		}
		if y := atoiSmall(p); k > 0 && len(p) == 4 && y >= 1900 && y <= 2100 {
			return true
		}
		allDigits = allDigits && isDigits(p)
		if n < len(parts) {
			parts[n] = p
		}
		n++
	}
	switch {
	case n < 2 || n > 3 || !allDigits:
		return false
	case n == 3:
		return len(parts[0]) <= 2 && len(parts[1]) <= 2 || len(parts[0]) == 4 && len(parts[1]) <= 2
	}
	y := atoiSmall(parts[0])
	return len(parts[0]) == 4 && y >= 1900 && y <= 2100
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// referenceCueBefore reports whether a reference cue stands before st, where the word of
// token i starts, with only filler words (at most four tokens, 40 bytes) between, outside
// square brackets.
func (s *scanner) referenceCueBefore(i, st int) bool {
	k := i - 1
	for k >= 0 && s.toks[k].start >= st {
		k--
	}
	for j := k; j >= 0 && j > k-5 && st-s.toks[j].start <= 40; j-- {
		if s.toks[j].kind != tAlpha {
			return false
		}
		lw := s.lowerTok(j)
		cue := referenceCues[lw] || lw == "c" && j > 0 && s.gap(j) == "/" && s.is(j-1, "a")
		if !cue && !referenceFiller[lw] || inBrackets(s.lower, s.toks[j].start) {
			return false
		}
		if cue {
			return true
		}
	}
	return false
}
