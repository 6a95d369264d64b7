package pii

import (
	"net/netip"
	"strings"
)

// maxGroups bounds how many digit groups one number may span.
const maxGroups = 7

// numeric looks at the run of digit groups that starts at token i ("0116 232 3232",
// "4111-1111-1111-1111", "943 476 5919") and classifies the longest sub-runs it can.
func (s *scanner) numeric(i int) {
	t := s.text
	// Only the first group of a run starts the analysis.
	if i > 0 && s.toks[i-1].kind == tDigit && numberGap(s.gap(i)) {
		return
	}
	st := s.toks[i].start
	// The fraction of a decimal ("3.14") or a thousands group ("£1,250") is not a number we
	// want. Only short groups count, so "01600 000000,0120 0000000" is still two numbers.
	if i > 0 && s.toks[i-1].kind == tDigit && s.toks[i-1].end == st-1 && s.toks[i-1].end-s.toks[i-1].start <= 3 {
		if l := s.toks[i].end - st; t[st-1] == '.' && l <= 2 || t[st-1] == ',' && l == 3 {
			return
		}
	}
	// The whole run, however long, so that nothing hides behind leading digits.
	n := 0
	for j := i; j < len(s.toks); j++ {
		if s.toks[j].kind != tDigit || j > i && !numberGap(s.gap(j)) {
			break
		}
		n++
	}
	g := s.groups[:0]
	for j := i; j < i+n; j++ {
		g = append(g, j)
	}
	s.groups = g
	plus := st > 0 && t[st-1] == '+'
	paren := st > 0 && t[st-1] == '('
	for a := 0; a < n; {
		matched := false
		for b := min(n-1, a+maxGroups-1); b >= a; b-- {
			if s.classify(g[a:b+1], a == 0 && plus, a == 0 && paren) {
				a, matched = b+1, true
				break
			}
		}
		if !matched {
			a++
		}
	}
}

// numberGap is a separator allowed inside one number.
func numberGap(g string) bool {
	switch g {
	case " ", "-", ".", ") ", ")", " - ", "\u00a0":
		return true
	}
	return false
}

// classify decides whether the digit groups (token indexes) form one of the numeric types,
// adding an entity if so.
func (s *scanner) classify(groups []int, plus, paren bool) bool {
	var buf [24]byte
	n := 0
	var shape [maxGroups]int
	for k, gi := range groups {
		tk := s.toks[gi]
		if n+tk.end-tk.start > len(buf) {
			return false
		}
		n += copy(buf[n:], s.text[tk.start:tk.end])
		shape[k] = tk.end - tk.start
	}
	digits := buf[:n]
	shp := shape[:len(groups)]
	start, end := s.toks[groups[0]].start, s.toks[groups[len(groups)-1]].end
	hasParen := false
	for k := 1; k < len(groups); k++ {
		hasParen = hasParen || strings.IndexByte(s.gap(groups[k]), ')') >= 0
	}
	if hasParen && !paren {
		return false
	}
	if plus || paren && hasParen {
		start--
	}
	// International form: +CC or 00CC.
	if plus || n >= 10 && digits[0] == '0' && digits[1] == '0' {
		d := digits
		if !plus {
			d = digits[2:]
		}
		if len(d) >= 8 && len(d) <= 15 && validInternational(d) {
			s.add(Phone, start, end, 0.95)
			return true
		}
		if len(d) == 12 && d[0] == '4' && d[1] == '4' && d[2] == '7' {
			s.add(Phone, start, end, 0.6) // +44 7..., mobile-shaped (see below)
			return true
		}
		return false
	}
	if hasParen && digits[0] != '0' {
		return false
	}
	if digits[0] == '0' && (n == 10 || n == 11) {
		if validUK(digits[1:]) {
			s.add(Phone, start, end, 0.95)
			return true
		}
		if n == 11 && digits[1] == '7' {
			// A mobile-shaped number outside the allocated ranges (such as Ofcom's drama
			// range 07700 900xxx) is still most likely someone's number.
			s.add(Phone, start, end, 0.6)
			return true
		}
	}
	if hasParen {
		return false
	}
	if n >= 12 && n <= 19 && cardShape(shp) && cardIssuer(digits) && luhn(digits) {
		conf := 0.95
		if s.near(start, end, 40, 10, "card", "visa", "mastercard", "debit", "credit", "amex", "payment") {
			conf = 0.99
		}
		s.add(Card, start, end, conf)
		return true
	}
	if n == 10 && (len(shp) == 1 || len(shp) == 3 && shp[0] == 3 && shp[1] == 3) && nhsValid(digits) {
		ctx := s.near(start, end, 40, 10, "nhs", "chi ", "health", "hospital", "gp ", "doctor")
		if digits[0] != '0' || ctx {
			conf := 0.95
			if ctx {
				conf = 0.99
			}
			s.add(NHSNumber, start, end, conf)
			return true
		}
	}
	switch n {
	case 6:
		sep := len(shp) == 3 && shp[0] == 2 && shp[1] == 2
		if sep && s.near(start, end, 40, 30, "sort", "bank", "account", "a/c", "acc no", "acct") ||
			len(shp) == 1 && s.near(start, end, 25, 0, "sort code", "sortcode", "sort-code") {
			s.add(SortCode, start, end, 0.9)
			return true
		}
	case 8:
		if len(shp) == 1 || len(shp) == 2 && shp[0] == 4 {
			if s.afterSortCode(start) {
				s.add(AccountNumber, start, end, 0.92)
				return true
			}
			if s.near(start, end, 40, 20, "account", "a/c", "acc no", "acct", "bank", "sort code") {
				s.add(AccountNumber, start, end, 0.85)
				return true
			}
		}
	case 9:
		if len(shp) == 1 && s.near(start, end, 50, 20, "passport") {
			s.add(Passport, start, end, 0.9)
			return true
		}
	}
	return false
}

// afterSortCode reports whether a sort code candidate ends shortly before start.
func (s *scanner) afterSortCode(start int) bool {
	for k := len(s.cands) - 1; k >= 0 && k >= len(s.cands)-3; k-- {
		c := s.cands[k]
		if c.Type == SortCode && c.End <= start && start-c.End <= 30 {
			return true
		}
	}
	return false
}

func cardShape(shp []int) bool {
	if len(shp) == 1 {
		return true
	}
	if len(shp) == 3 && shp[0] == 4 && shp[1] == 6 && (shp[2] == 5 || shp[2] == 4) { // Amex, Diners
		return true
	}
	for k, l := range shp {
		if k < len(shp)-1 && l != 4 || k == len(shp)-1 && (l < 1 || l > 4) {
			return false
		}
	}
	return true
}

// cardIssuer reports whether the number's prefix and length belong to a known card scheme.
func cardIssuer(d []byte) bool {
	n := len(d)
	p2 := int(d[0]-'0')*10 + int(d[1]-'0')
	p3 := p2*10 + int(d[2]-'0')
	p4 := p3*10 + int(d[3]-'0')
	p6 := p4*100 + int(d[4]-'0')*10 + int(d[5]-'0')
	switch {
	case d[0] == '4': // Visa (and Visa Electron)
		return n == 13 || n == 16 || n == 19
	case p2 >= 51 && p2 <= 55 || p4 >= 2221 && p4 <= 2720: // Mastercard
		return n == 16
	case p2 == 34 || p2 == 37: // American Express
		return n == 15
	case p4 == 6011 || p2 == 65 || p3 >= 644 && p3 <= 649 || p6 >= 622126 && p6 <= 622925: // Discover
		return n >= 16 && n <= 19
	case p2 == 62: // UnionPay
		return n >= 16 && n <= 19
	case p4 >= 3528 && p4 <= 3589: // JCB
		return n >= 16 && n <= 19
	case p3 >= 300 && p3 <= 305 || p2 == 36 || p2 == 38 || p2 == 39: // Diners Club
		return n >= 14 && n <= 19
	case p2 == 50 || p2 >= 56 && p2 <= 69: // Maestro
		return n >= 12 && n <= 19
	}
	return false
}

func luhn(d []byte) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		x := int(d[i] - '0')
		if double {
			x *= 2
			if x > 9 {
				x -= 9
			}
		}
		sum += x
		double = !double
	}
	return sum%10 == 0
}

// mod11 checks the last digit against the others weighted n+1 down to 2 (NHS: 10 to 2); a
// check value of 10 is invalid and 11 means 0.
func mod11(d []byte) bool {
	n := len(d) - 1
	if n < 1 {
		return false
	}
	sum := 0
	for i := 0; i < n; i++ {
		sum += int(d[i]-'0') * (n + 1 - i)
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	return check != 10 && check == int(d[n]-'0')
}

func nhsValid(d []byte) bool {
	if len(d) != 10 {
		return false
	}
	same := true
	for i := 1; i < len(d); i++ {
		same = same && d[i] == d[0]
	}
	return !same && mod11(d)
}

// ipv4 recognises a dotted quad starting at token i.
func (s *scanner) ipv4(i int) bool {
	if i+3 >= len(s.toks) || s.toks[i].start > 0 && s.text[s.toks[i].start-1] == '.' {
		return false
	}
	for k := i; k <= i+3; k++ {
		if s.toks[k].kind != tDigit || s.toks[k].end-s.toks[k].start > 3 || k > i && s.gap(k) != "." {
			return false
		}
	}
	st, en := s.toks[i].start, s.toks[i+3].end
	if en < len(s.text) && s.text[en] == '.' && en+1 < len(s.text) && isDigit(s.text[en+1]) {
		return false
	}
	a, err := netip.ParseAddr(s.text[st:en])
	if err != nil || !a.Is4() {
		return false
	}
	s.add(IPAddress, st, en, 0.95)
	return true
}

// ipv6 finds IPv6 addresses: runs of hex digits and colons with at least two colons that
// parse as IPv6 (a time such as 10:30:00 does not).
func (s *scanner) ipv6() {
	t := s.text
	for off := 0; off < len(t); {
		k := strings.IndexByte(t[off:], ':')
		if k < 0 {
			return
		}
		c := off + k
		st := c
		for st > 0 && (isHex(t[st-1]) || t[st-1] == ':') {
			st--
		}
		en := c
		colons := 0
		for en < len(t) && (isHex(t[en]) || t[en] == ':' || t[en] == '.') {
			if t[en] == ':' {
				colons++
			}
			en++
		}
		for en > c && (t[en-1] == '.' || t[en-1] == ':' && (en < 2 || t[en-2] != ':')) {
			en--
		}
		off = max(en, c+1)
		if colons < 2 || en-st < 3 || strings.Trim(t[st:en], ":.") == "" || st > 0 && (isAlnum(t[st-1]) || t[st-1] == '.') || en < len(t) && isAlnum(t[en]) {
			continue
		}
		// At least two groups of hex digits: "::1" and "::0" are not anybody's address.
		groups := 0
		for _, g := range strings.Split(t[st:en], ":") {
			if g != "" {
				groups++
			}
		}
		if a, err := netip.ParseAddr(t[st:en]); err == nil && a.Is6() && groups >= 2 {
			s.add(IPAddress, st, en, 0.95)
		}
	}
}

func isHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
