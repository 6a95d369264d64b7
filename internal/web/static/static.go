// Package static holds the vendored GOV.UK Frontend files (see README.md).
//
// The CSS refers to /assets/fonts/... and /assets/images/..., so serve the
// sub-tree "govuk/assets" at the URL path /assets/.
package static

import "embed"

// FS holds govuk/govuk-frontend.min.css, govuk/govuk-frontend.min.js and
// govuk/assets/** exactly as published on npm.
//
//go:embed govuk
var FS embed.FS
