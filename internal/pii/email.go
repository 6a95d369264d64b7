package pii

import "strings"

// Residents who expect a chatbot to hide an "@" write their e-mail address out:
// "jane.resident at example dot com", "j.bloggs(at)example.org", "mary_h [at] example.net".
// spelledEmail finds those from the tokens around a word "at". " at " is the commonest
// word in the language after a few others, so without brackets round it the address needs
// more: a domain spelled with "dot", or a local part with a digit or punctuation and an e-mail
// word nearby; and the local part may not be a common word ("look at example.com").

// emailTLDs are the last labels accepted in a spelled-out address.
var emailTLDs = setOf(`com org net uk co info biz me io eu ie de fr es it nl edu gov email online us ca au in pk
	pl ro scot wales`)

// notLocal are words that stand before " at " in ordinary sentences.
var notLocal = setOf(`me us you him her them it work works worked working look looked looking shop shops shopping
	online order ordered bought buy apply applied available found find here there home live lives lived living
	based stay staying staff job jobs school college university uni office help details info information
	service services sign signed register registered book booked booking report reported`)

// emailWords say an address nearby is an e-mail address.
var emailWords = []string{"email", "e-mail", "e mail", "mail"}

// spelledEmail looks for an address spelled around token i, if it is the word "at".
func (s *scanner) spelledEmail(i int) {
	if tk := s.toks[i]; i == 0 || i+1 >= len(s.toks) || tk.end-tk.start != 2 || s.lowerTok(i) != "at" {
		return
	}
	before, after := s.gap(i), s.gap(i+1)
	bracketed := false
	switch {
	case before == " " && after == " ":
	case bracketPair(before, after):
		bracketed = true
	default:
		return
	}
	ls, localSpelled, punct := s.emailLocal(i - 1)
	if ls < 0 {
		return
	}
	de, domainSpelled := s.emailDomain(i + 1)
	if de < 0 {
		return
	}
	start, end := s.toks[ls].start, s.toks[de].end
	if ls == i-1 && (notLocal[s.lowerTok(ls)] || commonWords[s.lowerTok(ls)]) {
		return
	}
	if !bracketed && !domainSpelled && !localSpelled && !(punct && s.near(start, end, 40, 30, emailWords...)) {
		return
	}
	if s.d.publicEmails[s.spelledAddress(ls, de)] {
		return
	}
	s.add(Email, start, end, conf(bracketed || domainSpelled, 0.9, 0.85))
}

// bracketPair reports whether the gaps around "at" bracket it: "(at)", " [at] ", "{at}".
func bracketPair(before, after string) bool {
	b, a := strings.TrimLeft(before, " "), strings.TrimRight(after, " ")
	return len(b) == 1 && len(a) == 1 && (b == "(" && a == ")" || b == "[" && a == "]" || b == "{" && a == "}")
}

// spelledWord reports whether token j is the word w with single spaces or brackets around it
// ("john dot smith", "example(dot)com").
func (s *scanner) spelledWord(j int, w string) bool {
	if j <= 0 || j+1 >= len(s.toks) || s.toks[j].kind != tAlpha || s.lowerTok(j) != w {
		return false
	}
	before, after := s.gap(j), s.gap(j+1)
	return before == " " && after == " " || bracketPair(before, after)
}

// emailLocal walks back from token j over a local part ("jane.resident", "john dot smith",
// "mary_h") and returns its first token, whether it spells "dot" and whether it holds a digit
// or punctuation; first is -1 if token j cannot end one.
func (s *scanner) emailLocal(j int) (first int, spelled, punct bool) {
	if j < 0 || s.toks[j].kind == tSkip {
		return -1, false, false
	}
	first = j
	for first > 0 && first > j-16 && s.toks[first-1].kind != tSkip {
		if isPunctGap(s.gap(first)) {
			first--
			punct = true
		} else if first >= 2 && s.spelledWord(first-1, "dot") && s.toks[first-2].kind != tSkip {
			first -= 2
			spelled = true
		} else {
			break
		}
	}
	for k := first; k <= j; k++ {
		punct = punct || s.toks[k].kind != tAlpha
	}
	return first, spelled, punct
}

// emailDomain walks forward from token j over a domain of two or more labels ending in a
// known top-level domain and returns its last token and whether it spells "dot"; last is -1
// if there is none.
func (s *scanner) emailDomain(j int) (last int, spelled bool) {
	last = -1
	labels := 1
	for k := j; k < len(s.toks) && s.toks[k].kind != tSkip && k < j+12; {
		if labels >= 2 && emailTLDs[s.lowerTok(k)] {
			last = k
		}
		switch {
		case k+1 < len(s.toks) && s.gap(k+1) == "-" && s.toks[k+1].kind != tSkip:
			k++ // a hyphen inside a label
		case k+1 < len(s.toks) && s.gap(k+1) == "." && s.toks[k+1].kind != tSkip:
			k++
			labels++
		case k+2 < len(s.toks) && s.spelledWord(k+1, "dot") && s.toks[k+2].kind != tSkip:
			k += 2
			labels++
			spelled = true
		default:
			return last, spelled && last >= 0
		}
	}
	return last, spelled && last >= 0
}

// spelledAddress is the address tokens ls..de spell, in lower case with "@" and dots.
func (s *scanner) spelledAddress(ls, de int) string {
	var b strings.Builder
	for k := ls; k <= de; k++ {
		lw := s.lowerTok(k)
		switch {
		case lw == "at" && k > ls && k < de && !strings.Contains(b.String(), "@"):
			b.WriteByte('@')
		case lw == "dot" && k > ls && k < de && !isPunctGap(s.gap(k)):
			b.WriteByte('.')
		default:
			if k > ls && isPunctGap(s.gap(k)) {
				b.WriteString(strings.TrimSpace(s.gap(k)))
			}
			b.WriteString(lw)
		}
	}
	return b.String()
}

func isPunctGap(g string) bool { return g == "." || g == "_" || g == "-" || g == "+" }
