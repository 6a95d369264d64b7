package pii

import "strings"

// icaoCheck is the check digit of ICAO 9303 (machine-readable travel documents) over c:
// weights 7, 3, 1 repeating; digits count as themselves, letters A-Z as 10-35, '<' as 0.
func icaoCheck(c []byte) byte {
	sum := 0
	for k, x := range c {
		v := 0
		switch {
		case isDigit(x):
			v = int(x - '0')
		case isUpper(x):
			v = int(x-'A') + 10
		}
		sum += v * [3]int{7, 3, 1}[k%3]
	}
	return byte('0' + sum%10)
}

// mrzLines finds the machine-readable lines of passports (ICAO 9303 TD3: two lines of 44
// characters of A-Z, 0-9 and '<') that residents copy from a photo of the data page. The
// second line is kept only if its four check digits agree; the first, the document type "P",
// the issuing state and the name, by its shape. Both become barriers, so nothing inside them
// is read as another kind of number or as a name.
func (s *scanner) mrzLines() {
	t := s.text
	var found []Entity
	for off := 0; off < len(t); {
		k := strings.IndexByte(t[off:], '<')
		if k < 0 {
			break
		}
		a, b := off+k, off+k
		for a > 0 && isMRZ(t[a-1]) {
			a--
		}
		for b < len(t) && isMRZ(t[b]) {
			b++
		}
		off = b + 1
		if a > 0 && isAlnum(t[a-1]) || b < len(t) && isAlnum(t[b]) {
			continue
		}
		if line := t[a:b]; mrzNameLine(line) || mrzDataLine(line) {
			found = append(found, Entity{Type: Passport, Start: a, End: b, Confidence: 0.97})
		}
	}
	if len(found) == 0 {
		return
	}
	s.skips = mergeSkips(s.skips, found)
	for _, e := range s.skips {
		if e.Type == Passport {
			s.add(Passport, e.Start, e.End, e.Confidence)
		}
	}
}

func isMRZ(c byte) bool { return isUpper(c) || isDigit(c) || c == '<' }

// mrzNameLine: "P<GBRMORGAN<<ELLEN<ROSE<<<<..." (residents often drop the trailing filler).
func mrzNameLine(l string) bool {
	if len(l) < 10 || len(l) > 44 || l[0] != 'P' || !strings.Contains(l[5:], "<<") {
		return false
	}
	for i := 1; i < len(l); i++ {
		if isDigit(l[i]) {
			return false
		}
	}
	return true
}

// mrzDataLine: number, check, nationality, birth date, check, sex, expiry date, check,
// personal number, check, and a check over all of them.
func mrzDataLine(l string) bool {
	if len(l) != 44 {
		return false
	}
	c := []byte(l)
	digits := func(b []byte) bool {
		for _, x := range b {
			if !isDigit(x) {
				return false
			}
		}
		return true
	}
	if !digits(c[13:19]) || !digits(c[21:27]) || strings.IndexByte("MFX<", c[20]) < 0 {
		return false
	}
	if icaoCheck(c[0:9]) != c[9] || icaoCheck(c[13:19]) != c[19] || icaoCheck(c[21:27]) != c[27] {
		return false
	}
	if c[42] != '<' && icaoCheck(c[28:42]) != c[42] {
		return false
	}
	composite := make([]byte, 0, 39)
	composite = append(append(append(composite, c[0:10]...), c[13:20]...), c[21:43]...)
	return icaoCheck(composite) == c[43]
}
