package notifyfake

import (
	"strings"
	"unicode"
)

// UKMobile validates a recipient as Notify does for a service that sends to UK numbers only
// (notifications-utils' validate_uk_phone_number): spaces, brackets, hyphens, dots and + are
// ignored; then leading zeros, a 44 country code and a trunk 0 ("+44 (0)7...") are removed, and
// what is left must be 7 and nine more digits. It returns the number as 447xxxxxxxxx, or the
// reason Notify gives ("Not a UK mobile number"), which never contains the number.
//
// Notify strips a leading "44" with Python's lstrip("44"), which removes any run of leading 4s;
// the fake removes exactly one country code, so a number Notify would mangle is refused here.
func UKMobile(s string) (string, string) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || strings.ContainsRune("()-+.", r):
		case '0' <= r && r <= '9':
			b.WriteRune(r)
		default:
			return "", "Must not contain letters or symbols"
		}
	}
	n := strings.TrimLeft(b.String(), "0")
	if rest, ok := strings.CutPrefix(n, "44"); ok {
		n = strings.TrimLeft(rest, "0")
	}
	switch {
	case !strings.HasPrefix(n, "7"):
		return "", "Not a UK mobile number"
	case len(n) > 10:
		return "", "Too many digits"
	case len(n) < 10:
		return "", "Not enough digits"
	}
	return "44" + n, ""
}
