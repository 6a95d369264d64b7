package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// MaxFileSize is the largest policy file Parse accepts (1 MiB); real ones are a few KiB.
const MaxFileSize = 1 << 20

// Load reads and parses the policy file at path. A file larger than MaxFileSize is refused
// before it is read: by its size when it is a regular file, else (a pipe, a device) after
// reading one byte past the limit.
func Load(path string) (*Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > MaxFileSize {
		return nil, tooLarge(path, fmt.Sprintf("is %d bytes", st.Size()))
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("policy: %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, tooLarge(path, "is larger")
	}
	return Parse(path, data)
}

func tooLarge(name, size string) *Error {
	return &Error{File: name, Msg: fmt.Sprintf("a policy file may be at most %d bytes (1 MiB); this one %s", MaxFileSize, size)}
}

// Parse decodes and validates a policy; name is used in error messages and kept as Source.
//
// The error, if any, is a *Error or, for several problems, an Errors sorted by line. Structural
// problems (YAML syntax, unknown fields, wrong types, duplicate keys) are reported first and on
// their own; when the structure is sound every validation problem is reported.
func Parse(name string, data []byte) (*Policy, error) {
	if name == "" {
		name = "<policy>"
	}
	if len(data) > MaxFileSize {
		return nil, tooLarge(name, fmt.Sprintf("is %d bytes", len(data)))
	}
	root, perr := parseYAML(name, data)
	if perr != nil {
		// yaml.v3 can report a line past the end of a truncated file.
		perr.Line = min(perr.Line, yamlLines(data))
		return nil, perr
	}
	d := &decoder{file: name, lines: map[string]int{"": root.Line}, set: map[string]bool{}}
	p := &Policy{}
	d.decode(root, reflect.ValueOf(p).Elem(), "")
	if err := result(d.errs); err != nil {
		return nil, err
	}
	v := &validator{d: d, p: p}
	v.validate()
	if err := result(v.errs); err != nil {
		return nil, err
	}
	p.Source = name
	p.raw = bytes.Clone(data)
	return p, nil
}

// parseYAML parses data into a node tree holding exactly one document whose root is a mapping.
func parseYAML(name string, data []byte) (root *yaml.Node, err *Error) {
	defer func() {
		// yaml.v3 has had panics on malformed input; a policy file must never take the process down.
		if r := recover(); r != nil {
			root, err = nil, &Error{File: name, Msg: fmt.Sprintf("YAML parser failed: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if e := dec.Decode(&doc); e != nil {
		if errors.Is(e, io.EOF) {
			return nil, &Error{File: name, Msg: "policy file is empty"}
		}
		return nil, yamlError(name, data, e)
	}
	var next yaml.Node
	switch e := dec.Decode(&next); {
	case e == nil:
		line := next.Line
		if len(next.Content) > 0 {
			line = next.Content[0].Line
		}
		return nil, &Error{File: name, Line: line, Msg: "a policy file holds one YAML document, but another starts here"}
	case !errors.Is(e, io.EOF):
		return nil, yamlError(name, data, e)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || isNull(doc.Content[0]) {
		return nil, &Error{File: name, Line: doc.Line, Msg: "policy file is empty"}
	}
	root = doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: name, Line: root.Line, Msg: "a policy file must be a mapping of fields (version, organisation, rights, systems), found " + describe(root)}
	}
	return root, nil
}

// yamlLines counts lines as YAML does: LF, CRLF, CR, NEL, LS and PS end a line; a last line
// without a break counts too.
func yamlLines(data []byte) int {
	n := 1
	for i := 0; i < len(data); i++ {
		switch {
		case data[i] == '\n':
			n++
		case data[i] == '\r':
			if i+1 < len(data) && data[i+1] == '\n' {
				i++
			}
			n++
		case data[i] == 0xC2 && i+1 < len(data) && data[i+1] == 0x85: // NEL
			i++
			n++
		case data[i] == 0xE2 && i+2 < len(data) && data[i+1] == 0x80 && (data[i+2] == 0xA8 || data[i+2] == 0xA9): // LS, PS
			i += 2
			n++
		}
	}
	return n
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError gives a yaml.v3 error a file and, where the message has one, a line.
func yamlError(name string, data []byte, err error) *Error {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: name, Line: max(line, 0), Msg: "YAML: " + m[2]}
	}
	// Encoding errors come without a line; find the first character YAML does not allow.
	return &Error{File: name, Line: badCharLine(data), Msg: "YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// badCharLine is the line of the first byte that is not valid UTF-8 or is a character YAML does
// not allow (controls other than tab and line breaks, surrogates, U+FFFE and U+FFFF), or 0.
func badCharLine(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		ok := r == '\t' || r == '\n' || r == '\r' || r == 0x85 ||
			r >= 0x20 && r <= 0x7E || r >= 0xA0 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
		if r == utf8.RuneError && size <= 1 || !ok {
			return yamlLines(data[:i])
		}
		i += size
	}
	return 0
}

// decoder fills Go values from a yaml.Node tree by their yaml struct tags, like yaml.v3 with
// KnownFields(true), but it records the YAML path and line of every value it visits and reports
// every unknown field, wrong type and duplicate key with that path, instead of stopping at the
// first or reporting a line without a field.
type decoder struct {
	file string
	errs []*Error
	// lines maps a YAML path to the line of its key (fields, map entries) or of the value
	// itself (list items, the root).
	lines map[string]int
	// set holds the paths whose value is present and not null.
	set map[string]bool
}

func (d *decoder) errf(line int, path, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Field: path, Msg: fmt.Sprintf(format, args...)})
}

// line returns the line of path, or of its nearest ancestor that appears in the file (a missing
// field is reported where its parent is).
func (d *decoder) line(path string) int {
	for {
		if l, ok := d.lines[path]; ok {
			return l
		}
		if path == "" {
			return 0
		}
		path = parentPath(path)
	}
}

// has reports whether path is present in the file with a non-null value.
func (d *decoder) has(path string) bool { return d.set[path] }

func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

func fieldPath(parent, name string) string {
	if !plainKeyRE.MatchString(name) {
		return parent + "[" + strconv.Quote(name) + "]"
	}
	if parent == "" {
		return name
	}
	return parent + "." + name
}

func indexPath(parent string, i int) string { return parent + "[" + strconv.Itoa(i) + "]" }

var plainKeyRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

var (
	stringType = reflect.TypeFor[string]()
	intRE      = regexp.MustCompile(`^[-+]?(0|[1-9][0-9]*)$`)
)

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode {
		d.errf(n.Line, path, "aliases (*%s) are not supported in policy files; write the value out", n.Value)
		return
	}
	if isNull(n) {
		return
	}
	d.set[path] = true
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), path)
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			d.errf(n.Line, path, "expected a mapping of fields, found %s", describe(n))
			return
		}
		fields := structFields(v.Type())
		d.mapping(n, path, func(key string, kn, vn *yaml.Node, p string) {
			idx, ok := fields.index[key]
			if !ok {
				d.errf(kn.Line, p, "unknown field %q%s", key, suggest(key, fields.names))
				return
			}
			d.decode(vn, v.Field(idx), p)
		})
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.errf(n.Line, path, "expected a mapping, found %s", describe(n))
			return
		}
		if v.Type().Key() != stringType {
			panic("policy: decoder supports only string-keyed maps")
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		d.mapping(n, path, func(key string, _, vn *yaml.Node, p string) {
			ev := reflect.New(v.Type().Elem()).Elem()
			d.decode(vn, ev, p)
			v.SetMapIndex(reflect.ValueOf(key), ev)
		})
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errf(n.Line, path, "expected a list, found %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			p := indexPath(path, i)
			d.lines[p] = item.Line
			d.decode(item, s.Index(i), p)
		}
		v.Set(s)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.errf(n.Line, path, "expected text, found %s", describe(n))
			return
		}
		v.SetString(strings.TrimSpace(n.Value))
	case reflect.Int:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || !intRE.MatchString(n.Value) {
			d.errf(n.Line, path, "expected a whole number, found %s", describe(n))
			return
		}
		i, err := strconv.Atoi(n.Value)
		if err != nil {
			d.errf(n.Line, path, "number %s is too large", n.Value)
			return
		}
		v.SetInt(int64(i))
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.ToLower(n.Value))
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || err != nil {
			d.errf(n.Line, path, "expected true or false, found %s", describe(n))
			return
		}
		v.SetBool(b)
	default:
		panic("policy: decoder does not support " + v.Type().String())
	}
}

// mapping calls f for each key of a mapping node, after checking the key is plain text and not a
// duplicate, and records the key's line under its path.
func (d *decoder) mapping(n *yaml.Node, path string, f func(key string, kn, vn *yaml.Node, p string)) {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		if kn.Kind != yaml.ScalarNode {
			d.errf(kn.Line, path, "field names must be plain text, found %s", describe(kn))
			continue
		}
		key := kn.Value
		p := fieldPath(path, key)
		if first, dup := seen[key]; dup {
			d.errf(kn.Line, p, "duplicate field (first at line %d)", first)
			continue
		}
		seen[key] = kn.Line
		d.lines[p] = kn.Line
		f(key, kn, vn, p)
	}
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// describe names what a node is, for "expected X, found Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		v := n.Value
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		switch n.Tag {
		case "!!null":
			return "nothing"
		case "!!int", "!!float":
			return "the number " + v
		case "!!bool":
			return v
		}
		return "text " + strconv.Quote(v)
	}
	return "an empty document"
}

type fieldSet struct {
	index map[string]int
	names []string
}

var fieldCache sync.Map // reflect.Type -> fieldSet

func structFields(t reflect.Type) fieldSet {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.(fieldSet)
	}
	fs := fieldSet{index: map[string]int{}}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		fs.index[name] = i
		fs.names = append(fs.names, name)
	}
	sort.Strings(fs.names)
	fieldCache.Store(t, fs)
	return fs
}

// suggest offers the closest known field name for a misspelt one, or lists the known names.
func suggest(key string, names []string) string {
	best, bestDist := "", 3
	for _, n := range names {
		if dist := editDistance(strings.ToLower(key), n); dist < bestDist {
			best, bestDist = n, dist
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return " (known fields: " + strings.Join(names, ", ") + ")"
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
