package web

import (
	"fmt"
	"strconv"
)

// The data of the partials in templates/partials.html: a page builds a table or a summary
// list as data, and one piece of markup renders every one of them.

// table is a GOV.UK table for the "table" partial.
type table struct {
	// ID names the caption (ID-caption), which labels the scrolling region; "" for none.
	ID           string
	Caption      string
	CaptionClass string // govuk-table__caption--s or --m, or govuk-visually-hidden
	Scroll       bool   // wide: wrap it in a scrolling region the keyboard can reach
	Cols         []column
	Rows         [][]cell
}

type column struct {
	Label   string
	Numeric bool
}

// cell is one table cell or summary-list value: text, a link, or code.
type cell struct {
	Text     string
	Href     string // link the text here
	Hidden   string // words after the text for screen readers only: what a repeated link acts on
	External bool   // the link leaves Fairline: no referrer, no opener
	Code     bool   // the text is an identifier: set in code
	Header   bool   // the row's header (th scope="row"); tables only
	Numeric  bool   // tables only
	// Form is a one-button form shown instead of the text; tables only.
	Form *cellForm
}

// cellForm is a form of one button in a table cell: it posts Fields, with the page's CSRF token,
// to Action. Context is read out after Label to say what the button acts on ("Send to a page"
// for which question), since a screen reader may reach the button away from its row.
type cellForm struct {
	Action, Label, Context, CSRF string
	Fields                       []formField
}

type formField struct{ Name, Value string }

// num is a right-aligned number cell.
func num(n int) cell { return cell{Text: strconv.Itoa(n), Numeric: true} }

// summaryRow is one row of the "summary" partial.
type summaryRow struct {
	Key   string
	Value cell
}

// summaryRows is the template function "summary": key, value, key, value... to summary-list
// rows. A value made by the "code" function is set in code; any other is printed as text.
func summaryRows(kv ...any) ([]summaryRow, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("summary: %d arguments, want key and value pairs", len(kv))
	}
	out := make([]summaryRow, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		key, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("summary: key %d is a %T, want a string", i/2+1, kv[i])
		}
		v, ok := kv[i+1].(cell)
		if !ok {
			v = cell{Text: fmt.Sprint(kv[i+1])}
		}
		out = append(out, summaryRow{Key: key, Value: v})
	}
	return out, nil
}

// codeCell is the template function "code": a value set in code.
func codeCell(v any) cell { return cell{Text: fmt.Sprint(v), Code: true} }
