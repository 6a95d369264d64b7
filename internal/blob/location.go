package blob

import (
	"fmt"
	"strings"
)

// awsRegions maps AWS regions to the location code (ISO 3166-1 alpha-2, UK for the United
// Kingdom) of the country their data centres are in. Regions are mapped to countries rather
// than to EU or US: the policy's regions cover their members, so an EU-only policy accepts
// eu-central-1 (DE) and refuses eu-west-2 (UK) and eu-central-2 (CH) alike.
var awsRegions = map[string]string{
	"af-south-1":     "ZA",
	"ap-east-1":      "HK",
	"ap-east-2":      "TW",
	"ap-northeast-1": "JP",
	"ap-northeast-2": "KR",
	"ap-northeast-3": "JP",
	"ap-south-1":     "IN",
	"ap-south-2":     "IN",
	"ap-southeast-1": "SG",
	"ap-southeast-2": "AU",
	"ap-southeast-3": "ID",
	"ap-southeast-4": "AU",
	"ap-southeast-5": "MY",
	"ap-southeast-6": "NZ",
	"ap-southeast-7": "TH",
	"ca-central-1":   "CA",
	"ca-west-1":      "CA",
	"cn-north-1":     "CN",
	"cn-northwest-1": "CN",
	"eu-central-1":   "DE",
	"eu-central-2":   "CH",
	"eu-north-1":     "SE",
	"eu-south-1":     "IT",
	"eu-south-2":     "ES",
	"eu-west-1":      "IE",
	"eu-west-2":      "UK",
	"eu-west-3":      "FR",
	"eusc-de-east-1": "DE",
	"il-central-1":   "IL",
	"me-central-1":   "AE",
	"me-south-1":     "BH",
	"mx-central-1":   "MX",
	"sa-east-1":      "BR",
	"us-east-1":      "US",
	"us-east-2":      "US",
	"us-gov-east-1":  "US",
	"us-gov-west-1":  "US",
	"us-west-1":      "US",
	"us-west-2":      "US",
}

// RegionLocation returns the location code of a known AWS region ("eu-west-2" → "UK").
func RegionLocation(region string) (string, bool) {
	loc, ok := awsRegions[strings.ToLower(strings.TrimSpace(region))]
	return loc, ok
}

// ResolveLocation decides where a bucket keeps data. A declared location (from configuration)
// is required for a region that is not an AWS region (an S3-compatible service with its own
// region names, or a server on the council's premises), and must agree with the region's country
// when the region is an AWS one: configuring "eu-west-1" and declaring "UK" is refused rather
// than believed. The declared code is returned upper-cased; check it against the policy with
// CheckLocation or the policy's StorageLocationAllowed.
func ResolveLocation(region, declared string) (string, error) {
	declared = NormalizeLocation(declared)
	known, ok := RegionLocation(region)
	switch {
	case ok && declared != "" && declared != known:
		return "", fmt.Errorf("blob: region %q is in %s, but its location is declared as %s", region, known, declared)
	case ok:
		return known, nil
	case declared != "":
		return declared, nil
	default:
		return "", fmt.Errorf("blob: region %q is not a known AWS region; declare where the bucket keeps its data as a location code (for example UK)", region)
	}
}

// NormalizeLocation writes a declared location code the way stores report it: upper case, with
// GB as UK ("gb" → "UK", " ie " → "IE").
func NormalizeLocation(code string) string {
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == "GB" {
		return "UK"
	}
	return code
}

// LocationError means a store keeps data somewhere the policy does not allow.
type LocationError struct {
	Region   string // the bucket region, "" for a local folder
	Location string // the location code, "" when undeclared
}

func (e *LocationError) Error() string {
	where := e.Location
	if where == "" {
		where = "an undeclared location"
	}
	if e.Region != "" {
		return fmt.Sprintf("blob: the bucket region %s is in %s, which the policy does not allow for storage", e.Region, where)
	}
	return fmt.Sprintf("blob: the store is in %s, which the policy does not allow for storage", where)
}

// CheckLocation refuses a bucket region whose location allowed rejects; allowed is typically
//
//	func(loc string) bool { return pol.StorageLocationAllowed("call-recording", loc) }
//
// Unknown (non-AWS) regions are refused: resolve them with ResolveLocation and a declared
// location, or use CheckStoreLocation on a store built with one.
func CheckLocation(region string, allowed func(location string) bool) error {
	loc, err := ResolveLocation(region, "")
	if err != nil {
		return err
	}
	if !allowed(loc) {
		return &LocationError{Region: region, Location: loc}
	}
	return nil
}

// CheckStoreLocation refuses a store whose Location allowed rejects, including a store with no
// declared location. Call it at start-up, before the store is used.
func CheckStoreLocation(s Store, allowed func(location string) bool) error {
	loc := s.Location()
	if loc == "" || !allowed(loc) {
		e := &LocationError{Location: loc}
		if r, ok := s.(interface{ Region() string }); ok {
			e.Region = r.Region()
		}
		return e
	}
	return nil
}
