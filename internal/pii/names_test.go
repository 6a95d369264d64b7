package pii

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestBareNames: names with no introducing cue, found from the gazetteer and the shape of the
// text, and the look-alikes that must stay. Each case marks its names [[name|like this]].
func TestBareNames(t *testing.T) {
	d := corpusDetector(t)
	for _, c := range []string{
		// A given name and a surname, whatever surrounds them.
		"Occupant [[name|Bethany Crowther]] says the drain is blocked",
		"the form was signed by [[name|Tobias Wren]] yesterday",
		"[[name|Harpreet Singh Dhillon]] 07700 900123",
		"ask [[name|Ruth Okafor]] about it",
		// Lower case, when the writer does not capitalise at all.
		"[[name|ellie marsden]] bus pass renewal",
		"need help for [[name|tom]] and [[name|ellie]] please",
		// Lists of given names.
		"Living here: [[name|Callum]], [[name|Freya]] and [[name|Mohammed]]",
		"children [[name|Maya]] (4) and [[name|Oscar]] (2)",
		// Relation words, greetings, sign-offs, verbs only people take.
		"our lodger [[name|Dariusz]] has left",
		"my sister-in-law [[name|Bronwen]] helps me",
		"Hi [[name|Leona]], is the form ready?",
		"Cheers - [[name|Kev]]",
		"Thank you\n[[name|Morag Ellison]]",
		"the lady said [[name|Pauline]] told her to ring",
		// A single given name with a verb that asks something of a person, an auxiliary, or a
		// staff member's "from the"; the person thanked; relations in brackets or lower case.
		"Please remind [[name|Noreen]] about the key",
		"Did [[name|Wojciech]] send the photos?",
		"[[name|Tariq]] has the spare key",
		"Could [[name|Joy]] from the rent team ring me",
		"Thanks so much for your patience, [[name|Folasade]]",
		"I appreciate the quick reply, [[name|Bryony]] - it helped",
		"Dad ([[name|Norman]]) is 90 next week",
		"my partner [[name|rob]] is disabled",
		"Sorry to trouble you, [[name|Gwen Hill]] needs a ramp",
		// A given name capitalised against the writer's habit: after a lower-case word, or in
		// capitals among capitals.
		"the form was given to [[name|Bernadette]] last week",
		"the van driver [[name|Clive]] was rude",
		"FORM IS FOR [[name|MARGARET]] NOT ME",
		"SPOKE TO [[name|DELROY]] LAST WEEK",
		// Look-alikes: places, streets, organisations, common words.
		"we went to Marks and Spencer after",
		"the charity shop Sue Ryder has closed",
		"bins by Holland & Barrett are full",
		"is it Winter Fuel Payment this month",
		"case ABC-12 and CAS-1234567",
		"Is Florence Park open on Sunday?",
		"The lights on Albert Road are out",
		"Can I pay the bill online?",
		"I hope the bins are emptied soon",
		"Rose bushes need cutting back",
		"Will the library be open in May?",
		"Is the road to Kirby Muxloe closed?",
		"Does Melton Mowbray have a tip?",
		"Mark the date: the fair is in June",
		"the Central Library has no wifi",
		"We live in Burton Latimer now",
		"Dear Sir or Madam, the hedge is too high",
		"Regards, Highways Team",
		"Can Rose bushes go in the garden bin?",
		"Does Stoney Stanton have a recycling bank?",
		"Thanks for the help, Adult Social Care",
		"How do I get to Beaumont Leys from here?",
		"Is there anything on for Black History Month at the museum?",
		"The 48 Broadway bus stop is closed",
	} {
		m := renderHandwritten(c)
		text := m.Text
		var want, got []string
		for _, e := range m.Entities {
			want = append(want, text[e.Start:e.End])
		}
		for _, e := range d.detect(text) {
			if e.Type == Name {
				got = append(got, text[e.Start:e.End])
			}
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%q: names %q, want %q", text, got, want)
		}
	}
}

// TestOneWordStreets: a house number and a street named in one word ending in "way" or
// "gate" is an address; a bus or a number that is not a house's is not.
func TestOneWordStreets(t *testing.T) {
	d := corpusDetector(t)
	for text, want := range map[string]string{
		"Please post it to 9 Kingsway":         "9 Kingsway",
		"we are at 112 Northgate, Syston":      "112 Northgate",
		"Flat 3, 27 Broadway needs a new door": "Flat 3, 27 Broadway",
		"The number 48 Broadway bus is late":   "",
		"I paid £12 Southgate car park":        "",
		"12 Gatehouse Road":                    "12 Gatehouse Road",
		"3 Westway Close has a broken light":   "3 Westway Close",
	} {
		got := ""
		for _, e := range d.detect(text) {
			if e.Type == Address {
				got = text[e.Start:e.End]
			}
		}
		if got != want {
			t.Errorf("%q: address %q, want %q", text, got, want)
		}
	}
}

// TestGazetteer checks the embedded lists loaded and say what the name rules rely on.
func TestGazetteer(t *testing.T) {
	lx := gazetteer()
	for _, c := range []struct {
		word       string
		want, none lexFlags
	}{
		{"callum", lexFore, lexWord},
		{"nadia", lexFore, lexWord},
		{"begum", lexPart, lexWord},
		{"rose", lexFore | lexWord, 0},
		{"bill", lexFore | lexWord, 0},
		{"road", lexWord | lexVenue, lexFore},
		{"loughborough", lexPlace, lexWord},
		{"christmas", lexProper | lexNonPerson, lexFore},
		{"zzqx", 0, lexFore | lexPart | lexWord | lexProper | lexPlace},
	} {
		f := lx.words.get(c.word)
		if f&c.want != c.want || f&c.none != 0 {
			t.Errorf("%s: flags %b, want %b set and %b clear", c.word, f, c.want, c.none)
		}
	}
	if !lx.places["market harborough"] || !lx.places["ashby de la zouch"] {
		t.Error("multi-word places missing")
	}
	if placeKey("Ashby-de-la-Zouch") != "ashby de la zouch" || placeKey("St. Mary's") != "st marys" {
		t.Errorf("placeKey: %q %q", placeKey("Ashby-de-la-Zouch"), placeKey("St. Mary's"))
	}
}

// FuzzNames checks what the name rules promise of any text: a name is one line of letters,
// apostrophes, hyphens, full stops and spaces (never a digit, '@' or a bracket), starts and
// ends on a letter, and is never inside a placeholder of an earlier redaction.
func FuzzNames(f *testing.F) {
	for _, s := range []string{
		"Tenant is Callum Ibbotson", "jane smith blue badge", "Leah, Ross, Amber", "Ruby (6), Leo (3) and Ava (1)",
		"my sister-in-law Meena", "Hi Sian,", "Thanks again - Viv", "Thx\nNat", "mrs k doyle", "Burton Latimer",
		"Anne-Marie O'Neill said", "[name] and [name]", "Zoë Łukasz", "A, B, C and D", "the occupier is mr", "Dear ",
	} {
		f.Add(s)
	}
	d := corpusDetector(f)
	f.Fuzz(func(t *testing.T, text string) {
		for _, e := range d.detect(text) {
			if e.Type != Name {
				continue
			}
			name := text[e.Start:e.End]
			if strings.ContainsAny(name, "0123456789@[]()\n") {
				t.Fatalf("name %q in %q", name, text)
			}
			first, _ := utf8.DecodeRuneInString(name)
			last, _ := utf8.DecodeLastRuneInString(name)
			if !isLetterRune(first) || !isLetterRune(last) {
				t.Fatalf("name %q in %q does not start and end on a letter", name, text)
			}
			if inBrackets(text, e.Start) {
				t.Fatalf("name %q inside a placeholder in %q", name, text)
			}
		}
	})
}

func isLetterRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= utf8.RuneSelf
}
