package pii

import "strings"

// letterCodes looks for codes that start with a letter at token i: postcodes, National
// Insurance numbers, driving licence numbers and vehicle registrations, written with or
// without spaces, in any case.
func (s *scanner) letterCodes(i int) {
	t := s.text
	first := t[s.toks[i].start]
	if !isLetter(first) {
		return
	}
	// Every code starts with a token holding a digit, or with a short run of letters followed
	// by one ("AB 12 34 56 C", "MORGA 753116 SM9IJ", "ABC 123D").
	if tk := s.toks[i]; tk.kind != tMixed {
		if tk.end-tk.start > 5 || i+1 >= len(s.toks) || s.toks[i+1].kind != tDigit && s.toks[i+1].kind != tMixed || !codeGap(s.gap(i+1)) {
			return
		}
	}
	// Build the compact upper-case form of tokens i.. joined by spaces, hyphens or dots.
	var ends [6]int      // compact length after each token
	var upperTo [6]bool  // tokens i..i+k are all upper case
	var spacedTo [6]bool // tokens i..i+k are joined by single spaces
	n, k := 0, 0
	allUpper, spaced := true, true
	for j := i; j < len(s.toks) && k < len(ends); j++ {
		tk := s.toks[j]
		if tk.kind == tSkip || j > i && !codeGap(s.gap(j)) {
			break
		}
		spaced = spaced && (j == i || s.gap(j) == " ")
		spacedTo[k] = spaced
		if n+tk.end-tk.start > len(s.buf) {
			break
		}
		for p := tk.start; p < tk.end; p++ {
			c := t[p]
			if c >= 0x80 {
				return
			}
			if c >= 'a' && c <= 'z' {
				allUpper = false
			}
			s.buf[n] = upper(c)
			n++
		}
		upperTo[k] = allUpper
		ends[k] = n
		k++
	}
	c := s.buf[:n]
	endOf := func(tokens int) int { return s.toks[i+tokens-1].end }
	start := s.toks[i].start

	// Postcode: one token "LE38RA" or two "LE3 8RA".
	if ends[0] >= 5 && ends[0] <= 7 && validPostcode(c[:ends[0]-3], c[ends[0]-3:ends[0]]) {
		s.add(Postcode, start, endOf(1), conf(upperTo[0], 0.95, 0.9))
		return
	}
	if k >= 2 && ends[1]-ends[0] == 3 && ends[0] >= 2 && ends[0] <= 4 && validPostcode(c[:ends[0]], c[ends[0]:ends[1]]) {
		s.add(Postcode, start, endOf(2), conf(upperTo[1], 0.95, 0.9))
		return
	}
	// National Insurance number: "AB123456C", "AB 12 34 56 C", suffix optional with context.
	for m := k; m >= 1; m-- {
		l := ends[m-1]
		if (l == 9 || l == 8) && validNINO(c[:l]) {
			ctx := s.near(start, endOf(m), 50, 20, "national insurance", "ni number", "ni no", "nino", "n.i.", "insurance number")
			if l == 9 || ctx {
				s.add(NINO, start, endOf(m), conf(ctx, 0.99, 0.95))
				return
			}
		}
	}
	// Driving licence: 16 characters (18 with the issue number).
	for m := k; m >= 1; m-- {
		l := ends[m-1]
		if (l == 16 || l == 18) && validLicence(c[:l]) {
			ctx := s.near(start, endOf(m), 50, 20, "licence", "license", "driving", "dvla")
			s.add(DrivingLicence, start, endOf(m), conf(ctx, 0.97, 0.9))
			return
		}
	}
	// Passport numbers with letters ("PX4418290"): one or two letters
	// and six to eight digits, next to the word.
	for m := min(k, 2); m >= 1; m-- {
		if l := ends[m-1]; l >= 7 && l <= 10 && passportShape(c[:l]) && s.near(start, endOf(m), 50, 20, "passport") {
			s.add(Passport, start, endOf(m), 0.9)
			return
		}
	}
	// Vehicle registration: written with single spaces only ("A6-M1" is two roads).
	for m := min(k, 2); m >= 1; m-- {
		l := ends[m-1]
		if l < 2 || l > 7 || !spacedTo[m-1] {
			continue
		}
		allUpper := upperTo[m-1]
		// Only a current-style registration is taken in lower case: skip the context search
		// for "bus 48" and the like.
		kind := regKind(c[:l], ends[0])
		if kind == regNone || kind != regCurrent && !allUpper {
			continue
		}
		ctx := s.near(start, endOf(m), 60, 30, "reg", "plate", "car", "vehicle", "van", "parked", "permit", "motorbike", "dvla", "clamp", "towed", "driv", "taxi")
		switch {
		case kind == regCurrent && ctx:
			s.add(VehicleReg, start, endOf(m), 0.95)
		case kind == regCurrent && allUpper && m == 2:
			s.add(VehicleReg, start, endOf(m), 0.85)
		case ctx && allUpper:
			s.add(VehicleReg, start, endOf(m), 0.85)
		default:
			continue
		}
		return
	}
}

// codeGap is a separator inside a code: residents type postcodes and National Insurance
// numbers with spaces (one or two), hyphens or dots ("LE1-6ZG", "LE1  6ZG", "CE.61.07.28.A").
func codeGap(g string) bool {
	switch g {
	case " ", "  ", "-", ".", "\u00a0":
		return true
	}
	return false
}

func conf(cond bool, yes, no float64) float64 {
	if cond {
		return yes
	}
	return no
}

// Postcode areas of the UK (and Crown dependencies), for validPostcode.
var postcodeAreas = func() map[string]bool {
	m := map[string]bool{}
	for _, a := range strings.Fields(`AB AL B BA BB BD BF BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY
		E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL LN LS LU
		M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY
		TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE`) {
		m[a] = true
	}
	return m
}()

// validPostcode checks an upper-case outward code (A9, A99, AA9, AA99, A9A, AA9A) and inward
// code (9AA) against the Royal Mail format rules and the list of postcode areas.
func validPostcode(out, in []byte) bool {
	if len(in) != 3 || !isDigit(in[0]) || !isUpper(in[1]) || !isUpper(in[2]) ||
		strings.IndexByte("CIKMOV", in[1]) >= 0 || strings.IndexByte("CIKMOV", in[2]) >= 0 {
		return len(out) == 3 && string(out) == "GIR" && string(in) == "0AA"
	}
	n := len(out)
	if n < 2 || n > 4 || !isUpper(out[0]) {
		return false
	}
	area := 1
	if isUpper(out[1]) {
		area = 2
	}
	if !postcodeAreas[string(out[:area])] {
		return false
	}
	rest := out[area:]
	switch {
	case len(rest) == 1:
		return isDigit(rest[0])
	case len(rest) == 2 && isDigit(rest[0]) && isDigit(rest[1]):
		return true
	case len(rest) == 2 && isDigit(rest[0]) && isUpper(rest[1]):
		if area == 1 {
			return strings.IndexByte("ABCDEFGHJKPSTUW", rest[1]) >= 0
		}
		return strings.IndexByte("ABEHMNPRVWXY", rest[1]) >= 0
	}
	return false
}

// validNINO checks a National Insurance number: two prefix letters (first not D F I Q U V,
// second not D F I O Q U V; not BG GB KN NK NT TN ZZ), six digits, suffix A to D if present.
func validNINO(c []byte) bool {
	if len(c) < 8 || !isUpper(c[0]) || !isUpper(c[1]) {
		return false
	}
	if strings.IndexByte("DFIQUV", c[0]) >= 0 || strings.IndexByte("DFIOQUV", c[1]) >= 0 {
		return false
	}
	switch string(c[:2]) {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return false
	}
	for _, d := range c[2:8] {
		if !isDigit(d) {
			return false
		}
	}
	return len(c) == 8 || len(c) == 9 && c[8] >= 'A' && c[8] <= 'D'
}

// validLicence checks a GB driving licence number: 5 characters of surname (padded with 9),
// 6 digits (decade, month +50 for women, day, year), 2 initials (padded with 9), a digit, 2
// check letters, and optionally a 2-digit issue number.
func validLicence(c []byte) bool {
	if len(c) != 16 && len(c) != 18 {
		return false
	}
	if !isUpper(c[0]) {
		return false
	}
	pad := false
	for _, x := range c[1:5] {
		switch {
		case x == '9':
			pad = true
		case isUpper(x) && !pad:
		default:
			return false
		}
	}
	for _, x := range c[5:11] {
		if !isDigit(x) {
			return false
		}
	}
	month := int(c[6]-'0')*10 + int(c[7]-'0')
	day := int(c[8]-'0')*10 + int(c[9]-'0')
	if !(month >= 1 && month <= 12 || month >= 51 && month <= 62) || day < 1 || day > 31 {
		return false
	}
	// The last two are check characters: letters on the licences seen, but residents type a
	// 1 for an I ("SM91J"), so any letter or digit.
	if !isUpper(c[11]) || !(isUpper(c[12]) || c[12] == '9') || !isDigit(c[13]) || !isAlnum(c[14]) || !isAlnum(c[15]) {
		return false
	}
	return len(c) == 16 || isDigit(c[16]) && isDigit(c[17])
}

func passportShape(c []byte) bool {
	k := 0
	for k < len(c) && k < 2 && isUpper(c[k]) {
		k++
	}
	if k == 0 || len(c)-k < 6 || len(c)-k > 8 {
		return false
	}
	for _, x := range c[k:] {
		if !isDigit(x) {
			return false
		}
	}
	return true
}

const (
	regNone = iota
	regCurrent
	regOther
)

// regKind classifies a compact upper-case string as a vehicle registration: current
// (AB12 CDE), prefix (A123 BCD), suffix (ABC 123D) or dateless (ABC 123). Road numbers
// (A6, M1, B4114) are not registrations.
func regKind(c []byte, firstLen int) int {
	letters := func(b []byte) bool {
		for _, x := range b {
			if !isUpper(x) {
				return false
			}
		}
		return len(b) > 0
	}
	digits := func(b []byte) bool {
		for _, x := range b {
			if !isDigit(x) {
				return false
			}
		}
		return len(b) > 0
	}
	n := len(c)
	if n == 7 && letters(c[:2]) && digits(c[2:4]) && letters(c[4:]) && strings.IndexByte("IQZ", c[0]) < 0 && (firstLen == 4 || firstLen == 7) {
		return regCurrent
	}
	// Prefix: A123 BCD.
	if n >= 5 && n <= 7 && letters(c[:1]) && digits(c[1:n-3]) && letters(c[n-3:]) && (firstLen == n-3 || firstLen == n) {
		return regOther
	}
	// Suffix: ABC 123D.
	if n >= 5 && n <= 7 && letters(c[:3]) && digits(c[3:n-1]) && letters(c[n-1:]) && (firstLen == 3 || firstLen == n) {
		return regOther
	}
	// Dateless: ABC 123 (two or three letters; one letter and digits is a road).
	if n >= 4 && n <= 7 && firstLen >= 2 && firstLen <= 3 && letters(c[:firstLen]) && digits(c[firstLen:]) && n-firstLen <= 4 {
		return regOther
	}
	return regNone
}

// detectPostcodesOnly finds postcodes in s (used to read the organisation's addresses).
func detectPostcodesOnly(text string) []Entity {
	s := &scanner{text: text, d: &Detector{}}
	s.tokenize()
	for i := range s.toks {
		if s.toks[i].kind == tMixed {
			s.letterCodes(i)
		}
	}
	var out []Entity
	for _, e := range s.cands {
		if e.Type == Postcode {
			out = append(out, e)
		}
	}
	return out
}
