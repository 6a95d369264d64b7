package chat

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/pii"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

// storedSets are the labelled resident messages the test drives the chatbot with: every
// held-out set except the one kept for a final run (testdata/pii/README.md), and every third
// message of the main set.
var storedSets = []struct {
	path  string
	every int
}{
	{"../../testdata/pii/messages.jsonl", 3},
	{"../../testdata/pii/heldout.jsonl", 1},
	{"../../testdata/pii/heldout2.jsonl", 1},
	{"../../testdata/pii/heldout-names.jsonl", 1},
}

func loadStoredMessages(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, set := range storedSets {
		f, err := os.Open(set.path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for n := 0; sc.Scan(); n++ {
			var m struct {
				Text string `json:"text"`
			}
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatalf("%s: %v", set.path, err)
			}
			if n%set.every == 0 {
				out = append(out, m.Text)
			}
		}
		f.Close()
	}
	return out
}

// TestNothingPlantedIsStored drives the chatbot with the labelled resident messages, each
// asked as a question and left as a feedback comment on its answer, then reads every text
// column of every table of the database and checks that none of the personal data the
// redactor removes from those messages was stored anywhere: questions, comments, the
// unanswered list, the answer cache, statistics, the audit log. It compares with a snapshot
// taken before, so the knowledge base's own pages (which name places and people) do not count.
func TestNothingPlantedIsStored(t *testing.T) {
	msgs := loadStoredMessages(t)
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		before := storedText(t, db)
		det := pii.New(f.pol().PIIConfig())
		type planted struct{ value, typ string }
		var plants []planted
		var kept strings.Builder // what may be stored: the messages as redacted
		for _, m := range msgs {
			red, ents := det.Redact(m)
			kept.WriteString(red + "\n")
			for _, e := range ents {
				plants = append(plants, planted{m[e.Start:e.End], string(e.Type)})
			}
			resp, err := f.svc.Ask(ctx, Request{Message: m})
			if err != nil {
				t.Fatalf("%q: %v", m, err)
			}
			if err := f.svc.Feedback(ctx, Feedback{ConversationID: resp.ConversationID, TurnID: resp.TurnID, Comment: m}); err != nil {
				t.Fatalf("feedback %q: %v", m, err)
			}
		}
		// The report's unanswered list is computed from what is stored; it must hold nothing
		// either.
		rep, err := f.svc.Report(ctx, f.clock.Now().Add(-24*time.Hour), f.clock.Now().Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		js, _ := json.Marshal(rep)
		after := storedText(t, db)
		var added strings.Builder
		added.Write(js)
		n := 0
		for v := range after {
			if !before[v] {
				added.WriteString("\n" + v)
				n++
			}
		}
		if n < len(msgs) {
			t.Fatalf("%d new text values for %d messages: the questions were not stored?", n, len(msgs))
		}
		stored, expected := added.String(), kept.String()
		checked := 0
		for _, p := range plants {
			// A value that also stands in another message's kept text (a name in one message is
			// a place in another) cannot be told apart; there are few.
			if containsWord(expected, p.value) {
				continue
			}
			checked++
			if containsWord(stored, p.value) {
				t.Errorf("%s %q was stored", p.typ, p.value)
			}
		}
		if checked < len(plants)*9/10 || checked < 300 {
			t.Errorf("only %d of %d planted values could be checked", checked, len(plants))
		}
	})
}

// storedText is every value of every text column of every table, as a set.
func storedText(t *testing.T, db *store.DB) map[string]bool {
	t.Helper()
	ctx := context.Background()
	cols, err := db.Q().TextColumns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cols["chat_turns"]) == 0 {
		t.Fatalf("no text columns found in chat_turns: %v", cols)
	}
	out := map[string]bool{}
	for table, cs := range cols {
		for _, c := range cs {
			vals, err := db.Q().TextValues(ctx, table, c)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				out[v] = true
			}
		}
	}
	return out
}

// containsWord reports whether w occurs in s with no letter or digit either side.
func containsWord(s, w string) bool {
	for off := 0; off < len(s); {
		k := strings.Index(s[off:], w)
		if k < 0 {
			return false
		}
		k += off
		end := k + len(w)
		if (k == 0 || !isWordByte(s[k-1])) && (end == len(s) || !isWordByte(s[end])) {
			return true
		}
		off = k + 1
	}
	return false
}

func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
