package pii

import "strings"

// The organisation's own contact points (Config.PublicPhones, PublicAddresses) are kept in a
// text only where they are the organisation's: "the postcode for County Hall is LE3 8RA".
// A resident who gives one as their own ("I live at LE3 8RA", "call me on 0116 232 3232")
// gives personal data, whatever else it is, and it is redacted.

// ownContactCues, just before a postcode, address or telephone number in the same sentence,
// say the writer gives it as their own.
var ownContactCues = []string{
	"live at", "live in", "living at", "lives at", "moved to", "moving to", "my address", "our address",
	"my postcode", "our postcode", "my post code", "my home", "my house", "my number", "my phone", "my mobile",
	"my landline", "my tel", "me on", "me at",
}

// ownContact reports whether the entity is introduced as the writer's own: one of
// ownContactCues within 40 bytes before it, with no sentence break in between.
func (s *scanner) ownContact(e Entity) bool {
	lo := max(0, e.Start-40)
	before := s.contextLower(lo, e.Start)
	for _, c := range ownContactCues {
		k := strings.LastIndex(before, c)
		if k < 0 {
			continue
		}
		if between := before[k+len(c):]; strings.IndexAny(between, ".?!\n") < 0 && (k == 0 || !isLetter(before[k-1])) {
			return true
		}
	}
	return false
}
