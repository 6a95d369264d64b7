package pii

import (
	"net/netip"
	"strings"
)

// maxGroups bounds how many digit groups one number may span: a number read out digit by
// digit ("0 7 7 0 0 9 0 0 1 6 4") has eleven.
const maxGroups = 12

// numeric looks at the run of digit groups that starts at token i ("0116 232 3232",
// "4111-1111-1111-1111", "943 476 5919", "+44 (0)116 496 0123") and classifies the longest
// sub-runs it can.
func (s *scanner) numeric(i int) {
	t := s.text
	// Only the first group of a run starts the analysis.
	if i > 0 && s.toks[i-1].kind == tDigit && s.joins(i) {
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
		if s.toks[j].kind != tDigit || j > i && !s.joins(j) {
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
	for a := 0; a < n; {
		matched := false
		for b := min(n-1, a+maxGroups-1); b >= a; b-- {
			if s.classify(g[a:b+1], a == 0 && plus) {
				a, matched = b+1, true
				break
			}
		}
		if !matched {
			a++
		}
	}
}

// Separators between the digit groups of one number.
const (
	gapNone  = iota
	gapPlain // " ", "-", "."
	gapOpen  // "(" before a group in brackets: "+44 (0)116", "0121 (496) 0123"
	gapClose // ")" after it
)

func gapKind(g string) int {
	switch g {
	case " ", "-", ".", " - ", "  ", "\u00a0":
		return gapPlain
	case "(", " (":
		return gapOpen
	case ")", ") ", ")-", ") - ", ")\u00a0":
		return gapClose
	}
	return gapNone
}

// joins reports whether digit token j continues the number of digit token j-1. Brackets only
// join around one group: "(0)" in "+44 (0)7700", the area code in "(0116) 496 0123".
func (s *scanner) joins(j int) bool {
	switch gapKind(s.gap(j)) {
	case gapPlain:
		return true
	case gapOpen:
		return j+1 < len(s.toks) && s.toks[j+1].kind == tDigit && gapKind(s.gap(j+1)) == gapClose
	case gapClose:
		st := s.toks[j-1].start
		return st > 0 && s.text[st-1] == '('
	}
	return false
}

// number is a sub-run of digit groups being classified.
type number struct {
	digits     []byte
	shape      []int // group lengths, without a "(0)" after a country code
	start, end int
	bracket    int  // index of the one group in brackets, or -1
	plus       bool // written after "+"
}

// classify decides whether the digit groups (token indexes) form one of the numeric types,
// adding an entity if so.
func (s *scanner) classify(groups []int, plus bool) bool {
	// Every type here has six digits or more; most runs in chat (prices, times, years) have
	// fewer.
	total := 0
	for _, gi := range groups {
		total += s.toks[gi].end - s.toks[gi].start
	}
	if total < 6 {
		return false
	}
	buf, shape := s.numBuf[:], s.shapeBuf[:]
	num := number{start: s.toks[groups[0]].start, end: s.toks[groups[len(groups)-1]].end, bracket: -1, plus: plus}
	n, m := 0, 0
	for k, gi := range groups {
		tk := s.toks[gi]
		if n+tk.end-tk.start > len(buf) {
			return false
		}
		open := k == 0 && tk.start > 0 && s.text[tk.start-1] == '(' || k > 0 && gapKind(s.gap(gi)) == gapOpen
		if open && k+1 < len(groups) && gapKind(s.gap(groups[k+1])) == gapClose {
			if num.bracket >= 0 {
				return false
			}
			num.bracket = k
			if k == 0 {
				num.start--
			}
			// "+44 (0)116 ...": the trunk 0 in brackets is not dialled from abroad.
			intl := plus || n >= 3 && buf[0] == '0' && buf[1] == '0'
			if k == 1 && intl && tk.end-tk.start == 1 && s.text[tk.start] == '0' {
				continue
			}
		} else if k == len(groups)-1 && k > 0 && gapKind(s.gap(gi)) == gapOpen {
			return false // the bracket closes after the number
		}
		n += copy(buf[n:], s.text[tk.start:tk.end])
		shape[m] = tk.end - tk.start
		m++
	}
	if plus {
		num.start--
	}
	num.digits, num.shape = buf[:n], shape[:m]
	if s.phone(&num) {
		return true
	}
	if num.bracket >= 0 {
		return false
	}
	return s.checksums(&num) || s.bankAndPassport(&num) || s.phoneByCue(&num)
}

// checksums classifies payment cards (Luhn and issuer) and NHS numbers (modulus 11). A card
// or NHS number grouped as it is printed counts alone; in any other grouping ("9 4 3 4 7 6 5 9
// 1 9", "5510 758 565 613 804") it needs its context word nearby.
func (s *scanner) checksums(num *number) bool {
	digits, shp, start, end := num.digits, num.shape, num.start, num.end
	n := len(digits)
	if n >= 12 && n <= 19 && cardIssuer(digits) && luhn(digits) {
		ctx := s.near(start, end, 40, 10, "card", "visa", "mastercard", "debit", "credit", "amex", "payment")
		if cardShape(shp) || ctx {
			s.add(Card, start, end, conf(ctx, 0.99, 0.95))
			return true
		}
	}
	if n == 10 && nhsValid(digits) {
		ctx := s.near(start, end, 40, 20, "nhs", "chi ", "health", "hospital", "gp ", "doctor")
		if ctx || digits[0] != '0' && (len(shp) == 1 || len(shp) == 3 && shp[0] == 3 && shp[1] == 3) {
			s.add(NHSNumber, start, end, conf(ctx, 0.99, 0.95))
			return true
		}
	}
	return false
}

// bankAndPassport classifies sort codes, bank account numbers and passport numbers, which
// need a context word (or, for an account, a sort code just before).
func (s *scanner) bankAndPassport(num *number) bool {
	digits, shp, start, end := num.digits, num.shape, num.start, num.end
	switch len(digits) {
	case 6:
		sep := len(shp) == 3 && shp[0] == 2 && shp[1] == 2
		if sep && s.near(start, end, 40, 30, "sort", "bank", "account", "a/c", "acc no", "acct") ||
			len(shp) == 1 && s.near(start, end, 25, 0, "sort code", "sortcode", "sort-code") ||
			len(shp) == 1 && s.accountFollows(end) && s.near(start, end, 40, 0, "sort", "bank", "account", "a/c", "acc", "acct") {
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
	case 9, 10:
		// A passport number is nine digits; the machine-readable line adds a check digit,
		// which residents copy with it.
		if len(shp) <= 3 && (len(digits) == 9 || icaoCheck(digits[:9]) == digits[9]) && s.near(start, end, 50, 20, "passport") {
			s.add(Passport, start, end, 0.9)
			return true
		}
	}
	return false
}

// accountFollows reports whether an 8-digit account number follows end after "/" or a space
// ("811461/08402317", "404162 71234568").
func (s *scanner) accountFollows(end int) bool {
	t := s.text
	if end+9 > len(t) || t[end] != '/' && t[end] != ' ' {
		return false
	}
	for k := end + 1; k < end+9; k++ {
		if !isDigit(t[k]) {
			return false
		}
	}
	return end+9 == len(t) || !isAlnum(t[end+9])
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
