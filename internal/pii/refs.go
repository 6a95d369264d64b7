package pii

import (
	"regexp/syntax"
	"unicode"
	"unicode/utf8"
)

// firstBytes computes which bytes a match of the RE2 pattern can start with, so a word that
// starts with any other byte is not run through the regular expression. ok is false when the
// set cannot be worked out (then every word is tried).
func firstBytes(pattern string) (set [256]bool, ok bool) {
	re, err := syntax.Parse(`^(?:`+pattern+`)$`, syntax.Perl)
	if err != nil {
		return set, false
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return set, false
	}
	seen := make([]bool, len(prog.Inst))
	var walk func(pc uint32) bool
	walk = func(pc uint32) bool {
		if seen[pc] {
			return true
		}
		seen[pc] = true
		in := &prog.Inst[pc]
		switch in.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			return walk(in.Out) && walk(in.Arg)
		case syntax.InstCapture, syntax.InstNop, syntax.InstEmptyWidth:
			return walk(in.Out)
		case syntax.InstRune1:
			return addRune(&set, in.Rune[0], syntax.Flags(in.Arg)&syntax.FoldCase != 0)
		case syntax.InstRune:
			fold := syntax.Flags(in.Arg)&syntax.FoldCase != 0
			if len(in.Rune) == 1 {
				return addRune(&set, in.Rune[0], fold)
			}
			for k := 0; k+1 < len(in.Rune); k += 2 {
				lo, hi := in.Rune[k], in.Rune[k+1]
				if hi >= 0x80 {
					return false
				}
				for r := lo; r <= hi; r++ {
					addRune(&set, r, fold)
				}
			}
			return true
		}
		return false // InstMatch (empty match), any-rune, fail: give up
	}
	return set, walk(uint32(prog.Start))
}

func addRune(set *[256]bool, r rune, fold bool) bool {
	if r >= 0x80 {
		return false
	}
	set[r] = true
	if fold {
		set[unicode.ToUpper(r)] = true
		set[unicode.ToLower(r)] = true
	}
	return true
}

// minMatchLen returns a lower bound on the length in bytes of any text the pattern matches
// (0 when the pattern does not parse): a word shorter than that need not be looked at further,
// which spares the context search for the short numbers of every message.
func minMatchLen(pattern string) int {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return 0
	}
	return minLen(re.Simplify())
}

func minLen(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpLiteral:
		n := 0
		for _, r := range re.Rune {
			n += max(1, utf8.RuneLen(r))
		}
		if re.Flags&syntax.FoldCase != 0 {
			n = len(re.Rune) // a case-folded letter may be shorter in another case ("K" for "k")
		}
		return n
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1
	case syntax.OpCapture, syntax.OpPlus:
		return minLen(re.Sub[0])
	case syntax.OpRepeat:
		return re.Min * minLen(re.Sub[0])
	case syntax.OpConcat:
		n := 0
		for _, sub := range re.Sub {
			n += minLen(sub)
		}
		return n
	case syntax.OpAlternate:
		n := -1
		for _, sub := range re.Sub {
			if m := minLen(sub); n < 0 || m < n {
				n = m
			}
		}
		return max(n, 0)
	}
	return 0 // empty, star, quest, anchors and word boundaries match nothing or may
}
