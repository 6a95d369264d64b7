package web_test

import (
	"regexp"
	"strconv"
)

var regexpPassword = regexp.MustCompile(`<strong class="app-password">([^<]+)</strong>`)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
