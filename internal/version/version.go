// Package version reports the build's version.
package version

import "runtime/debug"

// Version is set at link time with -ldflags "-X github.com/fairline/fairline/internal/version.Version=v1.2.3".
var Version = ""

// String returns Version, else the VCS revision the binary was built from.
func String() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			if dirty {
				rev += "-dirty"
			}
			return "dev-" + rev
		}
	}
	return "dev"
}
