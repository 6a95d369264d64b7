package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// APIKey is a GOV.UK Notify API key, "{key name}-{service id}-{secret key}" with both ids UUIDs
// (https://docs.notifications.service.gov.uk/rest-api.html#api-keys). The secret signs each
// request's token and is never sent, printed or put in an error; String hides it.
type APIKey struct {
	// Name is the key's name as created in Notify (it may itself contain hyphens).
	Name string
	// ServiceID is the Notify service the key belongs to: the token's "iss".
	ServiceID string
	secret    string
}

// uuidLen is the length of a canonical UUID, 8-4-4-4-12 hexadecimal digits.
const uuidLen = 36

// ParseAPIKey splits a Notify API key into its parts. Errors say which part is wrong but never
// repeat the key: it is a credential.
func ParseAPIKey(s string) (APIKey, error) {
	s = strings.TrimSpace(s)
	// name + "-" + service id + "-" + secret: the two UUIDs are the fixed-length tail.
	tail := 2*uuidLen + 2
	switch {
	case s == "":
		return APIKey{}, errors.New("notify: no API key: give the key Notify showed when it was created ({key name}-{service id}-{secret key})")
	case len(s) < tail+1:
		return APIKey{}, errors.New("notify: the API key is too short to be {key name}-{service id}-{secret key}: copy the whole key Notify showed when it was created")
	}
	name, svc, secret := s[:len(s)-tail], s[len(s)-tail+1:len(s)-uuidLen-1], s[len(s)-uuidLen:]
	if s[len(s)-tail] != '-' || s[len(s)-uuidLen-1] != '-' {
		return APIKey{}, errors.New("notify: the API key is not {key name}-{service id}-{secret key}: the last two parts must be UUIDs joined by hyphens")
	}
	if !IsUUID(svc) {
		return APIKey{}, errors.New("notify: the API key's service id (its second part) is not a UUID")
	}
	if !IsUUID(secret) {
		return APIKey{}, errors.New("notify: the API key's secret key (its last part) is not a UUID")
	}
	return APIKey{Name: name, ServiceID: strings.ToLower(svc), secret: secret}, nil
}

// NewAPIKey assembles a key from its parts (for the fake server, which issues keys).
func NewAPIKey(name, serviceID, secret string) (APIKey, error) {
	return ParseAPIKey(name + "-" + serviceID + "-" + secret)
}

// String shows the key without its secret, for messages.
func (k APIKey) String() string { return k.Name + "-" + k.ServiceID + "-(secret)" }

// Secret is the key's secret, which signs tokens. Only a token signer or verifier may use it.
func (k APIKey) Secret() string { return k.secret }

// Token is the value of the Authorization header's bearer token for a request made at now: a
// JWT (RFC 7519) with header {"typ":"JWT","alg":"HS256"} and claims {"iss": service id, "iat":
// now in Unix seconds}, signed with HMAC-SHA256 under the secret. Notify refuses a token whose
// iat is more than 30 s from its clock, so a token is made per request.
func (k APIKey) Token(now time.Time) string {
	// The header is constant; the claims hold a UUID and an integer, so no JSON escaping is needed.
	const header = `{"typ":"JWT","alg":"HS256"}`
	claims := `{"iss":"` + k.ServiceID + `","iat":` + strconv.FormatInt(now.Unix(), 10) + `}`
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(claims))
	mac := hmac.New(sha256.New, []byte(k.secret))
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}

// IsUUID reports whether s is a UUID in canonical 8-4-4-4-12 hexadecimal form, as Notify's ids
// (services, keys, templates, notifications) are.
func IsUUID(s string) bool {
	if len(s) != uuidLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
