package policy

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a policy file.
type Error struct {
	File string
	// Line is 1-based; 0 when the problem has no position (an empty or oversized file, or a
	// YAML error that carries no line).
	Line int
	// Field is the YAML path of the offending value, e.g. "systems[1].service_areas[0].name";
	// empty for problems with the file as a whole.
	Field string
	Msg   string
}

// Error formats the problem as "FILE:LINE: FIELD: MSG" (or "FILE:LINE: MSG" without a field).
func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Field, e.Msg)
}

// Errors is several problems, sorted by line.
type Errors []*Error

// Error lists the problems one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// ErrorList returns the problems in an error returned by Parse or Load: the elements of an
// Errors, the *Error itself, or nil when err is neither (for example a file that cannot be read).
func ErrorList(err error) []*Error {
	var es Errors
	if errors.As(err, &es) {
		return es
	}
	var e *Error
	if errors.As(err, &e) {
		return []*Error{e}
	}
	return nil
}

// result turns collected problems into Parse's error: nil, one *Error, or Errors sorted by line
// (problems on the same line keep the order they were found in).
func result(es []*Error) error {
	switch len(es) {
	case 0:
		return nil
	case 1:
		return es[0]
	}
	sort.SliceStable(es, func(i, j int) bool { return es[i].Line < es[j].Line })
	return Errors(es)
}
