package policy

import (
	"slices"
	"sort"
	"strings"
)

// Country and region codes.
//
// A location in a policy (storage.locations, processors[].countries,
// international_transfers.countries) is one of:
//
//   - an ISO 3166-1 alpha-2 country code (249 codes, e.g. GB, FR, US, IE);
//   - UK, the United Kingdom (the same place as GB);
//   - EU, the 27 member states of the European Union;
//   - EEA, the European Economic Area (the EU plus Iceland, Liechtenstein and Norway).
//
// Codes are case-insensitive. A region covers its members: a system allowed to store in EU may
// store in FR, and one allowed EEA may store in EU or NO. US is the ISO code of the United States.
const (
	RegionUK  = "UK"
	RegionEU  = "EU"
	RegionEEA = "EEA"
)

var euMembers = []string{
	"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
	"IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
}

var eeaOnly = []string{"IS", "LI", "NO"}

// displayNames are the names used in notices where "the" belongs in front.
var displayNames = map[string]string{
	RegionUK:  "the UK",
	RegionEU:  "the EU",
	RegionEEA: "the European Economic Area (EEA)",
	"US":      "the US",
}

// NormalizeLocation returns the canonical form of a location code (upper case, GB as UK) and
// whether it is a known code.
func NormalizeLocation(code string) (string, bool) {
	c := strings.ToUpper(strings.TrimSpace(code))
	switch c {
	case "GB", RegionUK:
		return RegionUK, true
	case RegionEU, RegionEEA:
		return c, true
	}
	if _, ok := isoCountries[c]; ok {
		return c, true
	}
	return c, false
}

// LocationName is the plain-English name of a location code for a notice ("the UK", "the EU",
// "France"); unknown codes are returned as given.
func LocationName(code string) string {
	c, ok := NormalizeLocation(code)
	if !ok {
		return code
	}
	if n, ok := displayNames[c]; ok {
		return n
	}
	return isoCountries[c]
}

// LocationCodes lists every accepted code (ISO 3166-1 alpha-2 plus UK, EU and EEA), sorted.
func LocationCodes() []string {
	codes := []string{RegionUK, RegionEU, RegionEEA}
	for c := range isoCountries {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	return codes
}

// IsUK reports whether a location code means the United Kingdom (UK or GB).
func IsUK(code string) bool {
	c, _ := NormalizeLocation(code)
	return c == RegionUK
}

// LocationCovers reports whether location is inside allowed: the same place, a member state of an
// allowed EU, or a member (or the EU) of an allowed EEA. Unknown codes are covered by nothing.
func LocationCovers(allowed, location string) bool {
	a, okA := NormalizeLocation(allowed)
	l, okL := NormalizeLocation(location)
	if !okA || !okL {
		return false
	}
	switch {
	case a == l:
		return true
	case a == RegionEU:
		return slices.Contains(euMembers, l)
	case a == RegionEEA:
		return l == RegionEU || slices.Contains(euMembers, l) || slices.Contains(eeaOnly, l)
	}
	return false
}

func coveredByAny(allowed []string, location string) bool {
	for _, a := range allowed {
		if LocationCovers(a, location) {
			return true
		}
	}
	return false
}
