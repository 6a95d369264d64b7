package notice

import (
	"bytes"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/policy"
)

func TestCallRecordingRetentionPerArea(t *testing.T) {
	r := render(t, policy.Default(), "call-recording")
	for _, want := range []string{
		"For Adult Social Care related call recordings this will be 9 months.",
		"For Environment and Transport related call recordings this will be 12 months.",
		"For Children and Family Services related call recordings this will be 12 months.",
		"For Trading Standards related call recordings this will be 12 months.",
		"For First Contact Plus related call recordings this will be 3 months.",
	} {
		if !strings.Contains(r.md, "- "+want+"\n") {
			t.Errorf("Markdown does not list %q", want)
		}
		if !strings.Contains(r.frag, "<li>"+want+"</li>") {
			t.Errorf("HTML does not list %q", want)
		}
	}
}

func TestChatbotNotice(t *testing.T) {
	r := render(t, policy.Default(), "chatbot")
	for _, want := range []string{
		"In the event you include personal data in your request, we will hold it for no longer than 12 months.",
		"For this service that would normally be no longer than 12 months.",
		"Details of your questions will be shared with Microsoft who facilitate the application but will not store the information.",
		"Information will be shared within the EU or the US providing the organisation is considered 'Adequate' under the UK General Data Protection Regulation.",
		"We store your information in the UK.",
		"informationgovernance@leics.gov.uk",
		"It is not intended to provide case specific information or updates.",
		"It is also not intended to make decisions on availability or eligibility of services.",
	} {
		if !strings.Contains(r.text, want) {
			t.Errorf("HTML notice lacks %q", want)
		}
		if !strings.Contains(strings.ReplaceAll(r.md, `\`, ""), want) {
			t.Errorf("Markdown notice lacks %q", want)
		}
	}
	if !strings.Contains(r.frag, `href="mailto:informationgovernance@leics.gov.uk"`) {
		t.Error("the DPO email is not a mailto link")
	}
	for _, unwanted := range []string{"Emergency Services", "outside of the UK", "Will we ask for your feedback?"} {
		if strings.Contains(r.text, unwanted) {
			t.Errorf("chatbot notice says %q, which belongs to call recording", unwanted)
		}
	}
}

// Changing a period in the policy changes the notice, in every place it is stated.
func TestRetentionChangeChangesNotice(t *testing.T) {
	def := string(policy.DefaultYAML())
	cases := []struct {
		name, system, old, new string
		gone, present          []string
	}{
		{"adult social care", "call-recording", "recording: {months: 9}", "recording: {months: 6}",
			[]string{"Adult Social Care related call recordings this will be 9 months", "9 months"},
			[]string{"For Adult Social Care related call recordings this will be 6 months."}},
		{"first contact plus in days", "call-recording", "recording: {months: 3}", "recording: {days: 45}",
			[]string{"3 months"},
			[]string{"For First Contact Plus related call recordings this will be 45 days."}},
		{"chatbot", "chatbot", "          months: 12", "          months: 6",
			[]string{"12 months"},
			[]string{"we will hold it for no longer than 6 months.", "For this service that would normally be no longer than 6 months."}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := render(t, policy.Default(), c.system)
			if !strings.Contains(def, c.old) {
				t.Fatalf("default policy has no %q", c.old)
			}
			after := render(t, loadPolicy(t, strings.Replace(def, c.old, c.new, 1)), c.system)
			for _, s := range c.gone {
				if !strings.Contains(before.text, s) {
					t.Errorf("before the change the notice lacks %q", s)
				}
				if strings.Contains(after.text, s) || strings.Contains(after.md, s) {
					t.Errorf("after the change the notice still says %q", s)
				}
			}
			for _, s := range c.present {
				if !strings.Contains(after.text, s) || !strings.Contains(after.md, s) {
					t.Errorf("after the change the notice lacks %q", s)
				}
			}
		})
	}
}

// Every sentence of the council's published notices is in the rendered notice, word for word
// (ignoring case), or as one of the reviewed rewrites below that keep its promise.
func TestSeedSentences(t *testing.T) {
	rewrites := map[string][]string{
		// One sentence per service area instead of a grouped sentence; "call recordings"
		// for "calls"; "Children and Family Services" is the service area's full name.
		"For Environment and Transport, Trading Standards, Children and Family related calls this will be 12 months.": {
			"For Environment and Transport related call recordings this will be 12 months",
			"For Trading Standards related call recordings this will be 12 months",
			"For Children and Family Services related call recordings this will be 12 months",
		},
		"For Adult Social Care related calls this will be 9 months.":  {"For Adult Social Care related call recordings this will be 9 months"},
		"For First Contact Plus related calls this will be 3 months.": {"For First Contact Plus related call recordings this will be 3 months"},
		// The published text names "leicestershire.gov", which is not a working address.
		"If the information you provided changes or your circumstances change, please visit leicestershire.gov.": {
			"If the information you provided changes or your circumstances change, please visit www.leicestershire.gov.uk",
		},
		// Both notices now use the call recording notice's wording.
		"We will only do this when it is necessary to offer you this service, or if we are required to do so by law.": {
			"We will only do this when it is necessary in order to offer you this service, or if we are required to do so by law",
		},
		// A colon for the published semicolon.
		"The law also provides you with other rights regarding your information including; correction of inaccurate data, objection to processing, moving your information to somewhere else, and in some cases, getting your information deleted.": {
			"The law also provides you with other rights regarding your information including: correction of inaccurate data, objection to processing, moving your information to somewhere else, and in some cases, getting your information deleted",
		},
		// A link instead of a Markdown autolink.
		"Make a complaint: <https://ico.org.uk/make-a-complaint/>": {"Make a complaint: https://ico.org.uk/make-a-complaint/"},
	}
	used := map[string]bool{}
	for _, c := range []struct{ seed, system string }{
		{"chatbot-notice.txt", "chatbot"},
		{"call-recording-notice.txt", "call-recording"},
	} {
		t.Run(c.system, func(t *testing.T) {
			got := normal(render(t, policy.Default(), c.system).text)
			sentences := seedSentences(readSeed(t, c.seed))
			if len(sentences) < 20 {
				t.Fatalf("only %d sentences in %s", len(sentences), c.seed)
			}
			for _, s := range sentences {
				want := []string{s}
				if rw, ok := rewrites[s]; ok {
					want, used[s] = rw, true
				}
				for _, w := range want {
					if !strings.Contains(got, normal(w)) {
						t.Errorf("the %s notice lacks the seed sentence:\n  %s", c.system, w)
					}
				}
			}
		})
	}
	for s := range rewrites {
		if !used[s] {
			t.Errorf("rewrite for a sentence that is not in the seeds: %q", s)
		}
	}
}

// The facts the lead listed, each in the notice it belongs to.
func TestKeyPhrases(t *testing.T) {
	cases := map[string][]string{
		"call-recording": {
			"Quality monitoring", "Training purposes", "Improving the service",
			"inbound and outgoing", "will not send your information outside of the UK",
			"Emergency Services", "Health Professionals", "Care Providers",
			"automatically deleted when the survey requests are sent out",
			// The processor that sends the survey texts (issue 15).
			"Your telephone number will be shared with GOV.UK Notify who send our feedback survey text messages and will store the information in the UK.",
			"Your participation is voluntary", "Survey responses do not include any personally identifiable information",
			"health or social care requirements", "UK GDPR Article 9(2)(h)", "UK GDPR Article 6(1)(e)",
			"leicestershire.gov", "we will contact you to let you know",
			"Wycliffe House", "0303 123 1113", "01625 545 745", "informationgovernance@leics.gov.uk",
		},
		"chatbot": {
			"startaconversation.co.uk", "not intended to provide case specific information", "eligibility",
			"24-hour efficient service", "Microsoft", "will not store the information", "the EU or the US",
			"no longer than 12 months", "take reasonable steps to inform you of the changes",
			"in some cases, getting your information deleted",
			"Wycliffe House", "0303 123 1113 (local rate)", "01625 545 745 (national rate)", "www.ico.org.uk",
			"https://ico.org.uk/make-a-complaint/", "raised a complaint with the Council first",
		},
	}
	for system, phrases := range cases {
		r := render(t, policy.Default(), system)
		for _, ph := range phrases {
			if !strings.Contains(r.text, ph) {
				t.Errorf("%s notice lacks %q", system, ph)
			}
		}
	}
}

func TestSectionsInSeedOrder(t *testing.T) {
	want := []string{
		"Purpose", "What information do we need from you?", "Why do we need this?",
		"Why are we allowed to process your information?", "Who will we share this with?",
		"How will we keep it secure?", "How long will we keep it for?", "Will we ask for your feedback?",
		"What if something changes?", "What are your rights?",
	}
	for _, system := range []string{"chatbot", "call-recording"} {
		md := render(t, policy.Default(), system).md
		last := -1
		for _, h := range want {
			i := strings.Index(md, "\n## "+h+"\n")
			if i < 0 {
				continue // sections without content are left out
			}
			if i < last {
				t.Errorf("%s: section %q out of order", system, h)
			}
			last = i
		}
	}
	if md := render(t, policy.Default(), "call-recording").md; strings.Contains(md, "## Purpose") || !strings.Contains(md, "## Will we ask for your feedback?") {
		t.Error("call recording: no Purpose section (no description) but a feedback section expected")
	}
}

func TestHTMLStructure(t *testing.T) {
	for _, c := range []struct {
		p      *policy.Policy
		system string
	}{{policy.Default(), "chatbot"}, {policy.Default(), "call-recording"}, {variant(t), "archive"}} {
		t.Run(c.system, func(t *testing.T) {
			r := render(t, c.p, c.system)
			checkHTML(t, r.frag, true)
			checkHTML(t, r.doc, false)
			for _, want := range []string{`<h1 class="govuk-heading-l">`, `<h2 class="govuk-heading-m" id="` + c.system + `-`, `<p class="govuk-body">`, `<ul class="govuk-list govuk-list--bullet">`} {
				if !strings.Contains(r.frag, want) {
					t.Errorf("fragment lacks %s", want)
				}
			}
			if strings.Contains(r.frag, "<html") || strings.Contains(r.frag, "<main") {
				t.Error("the fragment must not be a page")
			}
		})
	}
}

func TestHTMLDocument(t *testing.T) {
	r := render(t, policy.Default(), "call-recording")
	for _, want := range []string{
		"<!DOCTYPE html>\n", `<html lang="en-GB"`, `<meta charset="utf-8">`,
		"<title>Customer Service Centre Phone Calls - Leicestershire County Council Fair Processing Notice</title>",
		`<main class="govuk-main-wrapper" id="main-content">`,
	} {
		if !strings.Contains(r.doc, want) {
			t.Errorf("document lacks %s", want)
		}
	}
	if !strings.HasPrefix(r.doc, "<!DOCTYPE html>") || strings.Count(r.doc, "<main") != 1 || !strings.Contains(r.doc, r.frag) {
		t.Error("document must start with the doctype and hold the fragment in one main")
	}
	if c := render(t, policy.Default(), "chatbot"); !strings.Contains(c.doc, "<title>Website Chatbot Fair Processing Notice</title>") {
		t.Error("chatbot document title")
	}
}

// Policy text is text: it is escaped in HTML and Markdown.
func TestEscaping(t *testing.T) {
	def := string(policy.DefaultYAML())
	y := strings.Replace(def, "  name: Leicestershire County Council", "  name: <script>alert(1)</script> & Co", 1)
	y = strings.Replace(y, "name: Quality monitoring", `name: "*Quality* <b>monitoring</b>"`, 1)
	y = strings.Replace(y, "name: Training purposes", `name: "- 1. [Training](javascript:x) | #purposes"`, 1)
	p := loadPolicy(t, y)

	r := render(t, p, "call-recording")
	for _, out := range []string{r.frag, r.doc} {
		if strings.Contains(out, "<script>") || strings.Contains(out, "<b>") {
			t.Error("policy text reached the HTML unescaped")
		}
		if !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co") {
			t.Error("the organisation name is not escaped in the HTML")
		}
	}
	checkHTML(t, r.frag, true)
	for _, want := range []string{`\<script\>alert(1)\</script\> \& Co`, `- \*Quality\* \<b\>monitoring\</b\>`, `- \- 1. \[Training\](javascript:x) \| \#purposes`} {
		if !strings.Contains(r.md, want) {
			t.Errorf("Markdown lacks the escaped text %s", want)
		}
	}
	ropa, err := ROPAHTML(p)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(ropa), "<script>") || !strings.Contains(string(ropa), "&lt;script&gt;") {
		t.Error("the record of processing is not escaped")
	}
}

func TestMarkdownLineStarts(t *testing.T) {
	cases := map[string]string{
		"1. first":  `1\. first`,
		"12) x":     `12\) x`,
		"- x":       `\- x`,
		"+ x":       `\+ x`,
		"2025 plan": "2025 plan",
		"# x":       `\# x`,
		"> x":       `\> x`,
		"a_b*c`d~":  "a\\_b\\*c\\`d\\~",
	}
	for in, want := range cases {
		if got := mdSpans([]span{text(in)}); got != want {
			t.Errorf("mdSpans(%q) = %q, want %q", in, got, want)
		}
	}
	if got := mdSpans([]span{text("See "), link("the (site)", "https://x.uk/a b(c)")}); got != `See [the (site)](https://x.uk/a%20b%28c%29)` {
		t.Errorf("link = %q", got)
	}
}

// The branches the default policy does not use: a storing processor, another safeguard, periods
// for several kinds, an event-based kind outside a survey, no team, no short name.
func TestVariantNotice(t *testing.T) {
	r := render(t, variant(t), "archive")
	for _, want := range []string{
		"This notice is for Document Archive.",
		"In this case we are using a legal obligation and a public task as the lawful condition for us to do this (UK GDPR Article 6(1)(c) and 6(1)(e)).",
		"Your letters will be shared with ScanCo who scan and store the letters and will store the information in Ireland.",
		"We store your information in the UK or the EU.",
		"Information will be shared within the EU under an International Data Transfer Agreement approved by the Information Commissioner.",
		"Scanned letters will normally be kept for no longer than 24 months.",
		"Index entries will normally be kept for no longer than 6 months and 10 days.",
		"Courtesy call numbers are deleted when the survey requests are sent out.",
		"we will take reasonable steps to inform you of the changes.",
		"You may request to see a copy of the personal information we hold about you. The law also provides you with other rights regarding your information including: in some cases, getting your information deleted.",
		"please contact the Data Protection Officer: dpo@example.gov.uk",
		"raised a complaint with Example Borough Council first",
		"The Information Commissioner's Office, Wycliffe House",
		"Telephone: 0303 123 1113 Make a complaint:",
	} {
		if !strings.Contains(r.text, want) {
			t.Errorf("variant notice lacks %q", want)
		}
	}
	for _, unwanted := range []string{"Purpose ", "Website:", "please visit", "Will we ask for your feedback?", "outside of the UK"} {
		if strings.Contains(r.text, unwanted) {
			t.Errorf("variant notice says %q", unwanted)
		}
	}
}

func TestJoinSeries(t *testing.T) {
	cases := map[string][]string{"": nil, "a": {"a"}, "a and b": {"a", "b"}, "a, b, and c": {"a", "b", "c"}}
	for want, in := range cases {
		if got := joinSeries(in); got != want {
			t.Errorf("joinSeries(%q) = %q", in, got)
		}
	}
	for in, want := range map[string]string{"https://www.ico.org.uk": "www.ico.org.uk", "https://x.uk/": "x.uk", "https://x.uk/a/": "https://x.uk/a/"} {
		if got := displayURL(in); got != want {
			t.Errorf("displayURL(%q) = %q", in, got)
		}
	}
}

func TestEveryPhraseTable(t *testing.T) {
	for sg := range policy.Safeguards {
		if transferPhrases[sg] == "" {
			t.Errorf("no notice phrase for safeguard %q", sg)
		}
	}
	for _, n := range []string{policy.NotifyContact, policy.NotifyReasonableSteps} {
		if notifyPhrases[n] == "" {
			t.Errorf("no notice phrase for notify %q", n)
		}
	}
}

func TestUnknownSystem(t *testing.T) {
	p := policy.Default()
	var buf bytes.Buffer
	if err := Markdown(&buf, p, "nope", ukStores); err == nil || !strings.Contains(err.Error(), `unknown system "nope"`) {
		t.Errorf("Markdown: %v", err)
	}
	if _, err := HTML(p, "nope", ukStores); err == nil {
		t.Error("HTML: no error")
	}
	if err := HTMLDocument(&buf, p, "nope", ukStores); err == nil {
		t.Error("HTMLDocument: no error")
	}
	if _, err := HTML(nil, "chatbot", ukStores); err == nil {
		t.Error("HTML(nil): no error")
	}
	if err := ROPACSV(&buf, nil); err == nil {
		t.Error("ROPACSV(nil): no error")
	}
	if buf.Len() != 0 {
		t.Errorf("output written on error: %q", buf.String())
	}
}

// Markdown and HTML say the same thing: every piece of text in the notice model is in both.
func TestMarkdownMatchesHTML(t *testing.T) {
	for _, system := range []string{"chatbot", "call-recording"} {
		p := policy.Default()
		d, err := build(p, system, ukStores)
		if err != nil {
			t.Fatal(err)
		}
		r := render(t, p, system)
		md := strings.ReplaceAll(r.md, `\`, "")
		var blocks []block
		blocks = append(blocks, d.Intro...)
		for _, s := range d.Sections {
			blocks = append(blocks, s.Blocks...)
		}
		for _, b := range blocks {
			spans := b.Para
			for _, it := range b.List {
				spans = append(spans, it...)
			}
			for _, s := range spans {
				if !strings.Contains(md, s.Text) || !strings.Contains(r.text, strings.TrimSpace(s.Text)) {
					t.Errorf("%s: %q is not in both formats", system, s.Text)
				}
			}
		}
	}
}

// The sentence that says where answers come from is generated from the chatbot's declared
// sources: a site added to systems[chatbot].sources is named, and nothing else changes.
func TestNoticeNamesDeclaredSources(t *testing.T) {
	const before = "The Chatbot will take your question(s) and provide information from our website or startaconversation.co.uk to search for the most suitable answer."
	const after = "The Chatbot will take your question(s) and provide information from our website, startaconversation.co.uk or the Scarfolk demo site to search for the most suitable answer."
	def := policy.Default()
	more, err := def.WithSources("more.yaml", "chatbot", policy.Source{Name: "the Scarfolk demo site", URL: "https://demo.localgov.example"})
	if err != nil {
		t.Fatal(err)
	}
	old, changed := render(t, def, "chatbot"), render(t, more, "chatbot")
	if !strings.Contains(old.text, before) || !strings.Contains(changed.text, after) || strings.Contains(changed.text, before) {
		t.Fatalf("notice does not follow the sources:\nbefore: %s\nafter:  %s", old.text, changed.text)
	}
	if got := strings.Replace(changed.text, after, before, 1); got != old.text {
		t.Errorf("adding a source changed more than the sources sentence:\n%s\n%s", old.text, got)
	}
	if got := strings.Replace(changed.md, "our website, startaconversation.co.uk or the Scarfolk demo site", "our website or startaconversation.co.uk", 1); got != old.md {
		t.Errorf("Markdown changed more than the sources sentence")
	}
	if render(t, def, "call-recording").md != render(t, more, "call-recording").md {
		t.Error("adding a chatbot source changed the call recording notice")
	}
}

// The notice says where information is stored (or that it never leaves the UK) only when every
// configured store of the system's data is somewhere the policy allows.
func TestStorageSentenceFollowsStores(t *testing.T) {
	const (
		storeUK   = "We store your information in the UK."
		storeUKEU = "We store your information in the UK or the EU."
		notOut    = "We will not send your information outside of the UK."
		shared    = "Information will be shared within"
	)
	cases := []struct {
		name   string
		p      *policy.Policy
		system string
		stores []string
		want   string // the storage sentence, or "" for none
		never  string
	}{
		{"chatbot, database in the UK", policy.Default(), "chatbot", []string{"UK"}, storeUK, ""},
		{"chatbot, GB counts as the UK", policy.Default(), "chatbot", []string{"gb"}, storeUK, ""},
		{"chatbot, database in Ireland", policy.Default(), "chatbot", []string{"IE"}, "", storeUK},
		{"chatbot, no store declared", policy.Default(), "chatbot", []string{""}, "", storeUK},
		{"chatbot, no stores given", policy.Default(), "chatbot", nil, "", storeUK},
		{"call recording, both in the UK", policy.Default(), "call-recording", []string{"UK", "UK"}, notOut, ""},
		{"call recording, blobs in the US", policy.Default(), "call-recording", []string{"UK", "US"}, "", notOut},
		{"call recording, database in France", policy.Default(), "call-recording", []string{"FR", "UK"}, "", notOut},
		{"variant, Ireland is in the EU", variant(t), "archive", []string{"UK", "IE"}, storeUKEU, ""},
		{"variant, a store in the US", variant(t), "archive", []string{"UK", "US"}, "", storeUKEU},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := renderStores(t, c.p, c.system, c.stores)
			md := strings.ReplaceAll(r.md, `\`, "")
			if c.want != "" && (!strings.Contains(r.text, c.want) || !strings.Contains(md, c.want)) {
				t.Errorf("the notice lacks %q", c.want)
			}
			if c.never != "" && (strings.Contains(r.text, c.never) || strings.Contains(md, c.never)) {
				t.Errorf("the notice says %q with stores %q", c.never, c.stores)
			}
			if c.system != "call-recording" && !strings.Contains(r.text, shared) {
				t.Errorf("the transfer sentence went too")
			}
		})
	}
}

// What stays of a caller's number with a recording follows service_areas[].keep_sealed_number:
// the default keeps only the fingerprint, and every area that keeps the sealed number is named.
func TestKeptNumbers(t *testing.T) {
	const fingerprint = "With each call recording we keep only a one-way fingerprint of your number so we can find your recordings if you ask."
	defaultDoc := string(policy.DefaultYAML())
	keepOne := strings.Replace(defaultDoc, "        name: Trading Standards\n", "        name: Trading Standards\n        keep_sealed_number: true\n", 1)
	keepAll := strings.ReplaceAll(defaultDoc, "        retention:\n          recording:", "        keep_sealed_number: true\n        retention:\n          recording:")
	cases := []struct {
		name      string
		doc       string
		want, not []string
	}{
		{"default", defaultDoc, []string{fingerprint}, []string{"we also keep your number"}},
		{"one area", keepOne, []string{fingerprint, "For calls about Trading Standards we also keep your number, encrypted, with the recording for as long as we keep the recording."}, nil},
		{"every area", keepAll, []string{"With each call recording we keep your number, encrypted, for as long as we keep the recording"}, []string{fingerprint}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.doc == defaultDoc && c.name != "default" {
				t.Fatal("the edit did not apply")
			}
			r := render(t, loadPolicy(t, c.doc), "call-recording")
			for _, w := range c.want {
				if !strings.Contains(r.text, w) {
					t.Errorf("notice lacks %q", w)
				}
			}
			for _, w := range c.not {
				if strings.Contains(r.text, w) {
					t.Errorf("notice says %q", w)
				}
			}
		})
	}
}

// A training retention (service_areas[].retention.training) is stated only for the areas that
// set it, in the retention section; the Article 30 record lists it too.
func TestTrainingRetentionSentence(t *testing.T) {
	defaultDoc := string(policy.DefaultYAML())
	one := strings.Replace(defaultDoc, "recording: {months: 9}", "recording: {months: 9}\n          training: {months: 24}", 1)
	all := strings.ReplaceAll(defaultDoc, "        retention:\n          recording:", "        retention:\n          training: {months: 18}\n          recording:")
	for _, c := range []struct {
		name, doc string
		want      []string
	}{
		{"default", defaultDoc, nil},
		{"one area", one, []string{"For calls about Adult Social Care, recordings chosen for training are kept for 24 months from when they are chosen."}},
		{"every area", all, []string{"Recordings chosen for training are kept for 18 months from when they are chosen."}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.doc == defaultDoc && c.want != nil {
				t.Fatal("the edit did not apply")
			}
			pol := loadPolicy(t, c.doc)
			ss, err := Sentences(pol, "call-recording", nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range ss {
				if strings.Contains(s.Text, "chosen for training") {
					if s.Section != "retention" {
						t.Errorf("in section %s: %q", s.Section, s.Text)
					}
					got = append(got, s.Text)
				}
			}
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("training sentences %q, want %q", got, c.want)
			}
		})
	}
}
