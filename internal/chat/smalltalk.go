package chat

import (
	"net/url"

	"github.com/fairline/fairline/internal/policy"
)

// policyRoutes are the council's general contact routes as the policy
// publishes them: its phone numbers, then its website. They are what a
// resident is given when no page of the site fits their question (or when
// they ask for a person), because a page found by a weak match would be
// unrelated to what they asked.
func policyRoutes(pol *policy.Policy) []Route {
	routes := []Route{}
	o := pol.Organisation
	for i, p := range o.PublicContacts.Phones {
		if i == 2 {
			break
		}
		if tel := telURL(p); tel != "" {
			routes = append(routes, Route{Kind: "phone", Label: p, URL: tel})
		}
	}
	if u, err := url.Parse(o.Website); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		label := o.Name
		if label == "" {
			label = "The council's website"
		}
		routes = append(routes, Route{Kind: "page", Label: label, URL: o.Website})
	}
	return routes
}
