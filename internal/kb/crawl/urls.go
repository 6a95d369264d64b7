package crawl

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
)

// Normalise returns the canonical form of an absolute http(s) URL, as it is
// stored and compared: lower-case scheme and host, no default port, no
// fragment or user info, dot segments resolved, "/" for an empty path, no
// empty "?".
func Normalise(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("bad URL %q: %w", raw, err)
	}
	return normaliseURL(u)
}

func normaliseURL(u *url.URL) (string, error) {
	if !u.IsAbs() || u.Opaque != "" {
		return "", fmt.Errorf("URL %q is not an absolute http or https address", u.String())
	}
	c := *u
	c.Scheme = strings.ToLower(c.Scheme)
	if c.Scheme != "http" && c.Scheme != "https" {
		return "", fmt.Errorf("URL %q is not http or https", u.String())
	}
	host := strings.ToLower(c.Hostname())
	if host == "" {
		return "", fmt.Errorf("URL %q has no host", u.String())
	}
	port := c.Port()
	if (c.Scheme == "http" && port == "80") || (c.Scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	c.Host = host
	c.User = nil
	c.Fragment, c.RawFragment = "", ""
	c.ForceQuery = false
	p := c.EscapedPath()
	if p == "" {
		p = "/"
	}
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	if err := setPath(&c, clean); err != nil {
		return "", err
	}
	return c.String(), nil
}

func setPath(u *url.URL, escaped string) error {
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return fmt.Errorf("URL path %q: %w", escaped, err)
	}
	u.Path, u.RawPath = p, ""
	if u.EscapedPath() != escaped {
		u.RawPath = escaped
	}
	return nil
}

// Origin is scheme://host[:port] of a normalised URL.
func Origin(u *url.URL) string { return u.Scheme + "://" + u.Host }

// PathOf returns the unescaped path of a normalised URL, as used for
// excluded-path matching.
func PathOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Path == "" {
		return "/"
	}
	return u.Path
}

// NormalisePrefix checks and tidies an excluded path prefix: it must be a
// path starting with "/", not the whole site; a trailing "/" is dropped.
// Matching is on whole segments: "/news" covers "/news" and "/news/…",
// not "/newsletter".
func NormalisePrefix(p string) (string, error) {
	p = strings.TrimSpace(p)
	if p == "" {
		return "", errors.New("enter a path such as /news")
	}
	if strings.Contains(p, "://") {
		if u, err := url.Parse(p); err == nil {
			p = u.Path
		}
	}
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("the path %q must start with /", p)
	}
	if strings.ContainsAny(p, "?#* \t\r\n") {
		return "", fmt.Errorf("the path %q must be a plain path, without ?, #, * or spaces", p)
	}
	if len(p) > 500 {
		return "", errors.New("the path is longer than 500 characters")
	}
	p = strings.TrimRight(p, "/")
	if p == "" {
		return "", errors.New("excluding / would exclude the whole site")
	}
	if c := path.Clean(p); c != p {
		return "", fmt.Errorf("the path %q is not in its simplest form (use %s)", p, c)
	}
	return p, nil
}

// UnderPrefix reports whether path p is prefix or lies under it.
func UnderPrefix(p, prefix string) bool {
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}

// assetExt lists file extensions that are never HTML pages.
var assetExt = map[string]bool{
	".pdf": true, ".doc": true, ".docx": true, ".odt": true, ".rtf": true, ".xls": true, ".xlsx": true, ".ods": true,
	".csv": true, ".ppt": true, ".pptx": true, ".odp": true, ".txt": true, ".xml": true, ".json": true, ".rss": true,
	".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".svg": true, ".webp": true, ".ico": true, ".bmp": true,
	".tif": true, ".tiff": true, ".css": true, ".js": true, ".mjs": true, ".map": true, ".woff": true, ".woff2": true,
	".ttf": true, ".eot": true, ".otf": true, ".zip": true, ".gz": true, ".tgz": true, ".rar": true, ".7z": true,
	".mp3": true, ".mp4": true, ".m4a": true, ".wav": true, ".ogg": true, ".webm": true, ".avi": true, ".mov": true,
	".wmv": true, ".ics": true, ".vcf": true, ".exe": true, ".msi": true, ".dmg": true, ".kml": true, ".gpx": true,
}

// IsAsset reports whether a URL path names a file that is not a page.
func IsAsset(p string) bool {
	return assetExt[strings.ToLower(path.Ext(p))]
}
