package policy

import "time"

// Version is a policy that came into force, as the console's history lists
// it: which file, its fingerprint (Hash) and when. The application records
// them (app.App.PolicyHistory); this package only names the shape.
type Version struct {
	Hash, Source string
	ActivatedAt  time.Time
}
