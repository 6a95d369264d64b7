package policy

import (
	"strings"

	"github.com/fairline/fairline/internal/pii"
)

// Reference is an organisation-defined reference number that identifies a resident or their
// property, such as a council tax account reference, a case reference or a UPRN. The PII
// redactor (internal/pii) finds and removes references declared here.
//
// Pattern is an RE2 regular expression (https://github.com/google/re2/wiki/Syntax) matched
// against whole words: each run of non-space characters that contains a digit, with
// surrounding punctuation trimmed, is tested against ^(?:Pattern)$. A reference therefore
// cannot contain spaces. Check, if set, is one of ReferenceChecks and is applied to the digits
// of the word. Context, if set, lists words or phrases (case-insensitive) of which at least one
// must appear near the match (within 60 bytes before or 30 after); set it whenever the pattern
// alone would also match ordinary numbers.
type Reference struct {
	ID string `yaml:"id"`
	// Name is the placeholder text: a council tax reference becomes "[council tax account
	// reference]".
	Name    string   `yaml:"name"`
	Pattern string   `yaml:"pattern"`
	Check   string   `yaml:"check"`
	Context []string `yaml:"context"`
}

// ReferenceChecks maps each check rule a reference may name to what it verifies.
var ReferenceChecks = map[string]string{
	"mod11": "modulus 11 check digit: the last digit checks the others, weighted from n+1 down to 2 (as NHS numbers, which have weights 10 to 2)",
	"luhn":  "Luhn (mod 10) check digit, as payment cards",
	"uprn":  "Unique Property Reference Number range: 1 to 12 digits, value 1 to 999999999999",
}

// MaxReferencePattern is the longest pattern a reference may have, in bytes.
const MaxReferencePattern = 500

func (v *validator) references() {
	const path = "organisation.references"
	ids := map[string]string{}
	for i := range v.p.Organisation.References {
		r := &v.p.Organisation.References[i]
		p := indexPath(path, i)
		v.id(p+".id", r.ID, ids)
		v.required(p+".name", r.Name)
		if strings.ContainsAny(r.Name, "[]\n") {
			v.errf(p+".name", "must not contain brackets or line breaks (it is shown as [%s])", "NAME")
		}
		for j, c := range r.Context {
			v.required(indexPath(p+".context", j), c)
		}
		if r.Check != "" {
			if _, ok := ReferenceChecks[r.Check]; !ok {
				v.errf(p+".check", "unknown check %q (known: %s)", r.Check, strings.Join(sortedKeys(ReferenceChecks), ", "))
			}
		}
		switch {
		case strings.TrimSpace(r.Pattern) == "":
			v.errf(p+".pattern", "required: an RE2 regular expression matching the whole reference")
			continue
		case len(r.Pattern) > MaxReferencePattern:
			v.errf(p+".pattern", "pattern is %d bytes; at most %d are allowed", len(r.Pattern), MaxReferencePattern)
			continue
		}
		re, err := pii.CompileReference(r.Pattern)
		if err != nil {
			// The regexp package's message quotes only the pattern, never personal data.
			v.errf(p+".pattern", "not a valid RE2 regular expression: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
			continue
		}
		if re.MatchString("") {
			v.errf(p+".pattern", "pattern matches the empty string; it must match at least one character")
		}
	}
}
