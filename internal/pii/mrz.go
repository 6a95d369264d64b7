package pii

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
