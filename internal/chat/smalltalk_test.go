package chat

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fairline/fairline/internal/kb"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

// Messages that are wholly conversation get their kind; real questions,
// however they start, get "" and are searched.
func TestSmalltalkKinds(t *testing.T) {
	cases := []struct{ msg, want string }{
		// greetings, with punctuation, capitals and misspellings
		{"hello", ReasonGreeting},
		{"Hello!", ReasonGreeting},
		{"hi there", ReasonGreeting},
		{"HI THERE!!!", ReasonGreeting},
		{"helo", ReasonGreeting},
		{"hellooo", ReasonGreeting},
		{"hiya", ReasonGreeting},
		{"hey", ReasonGreeting},
		{"good morning", ReasonGreeting},
		{"Good afternoon :)", ReasonGreeting},
		{"goood morning", ReasonGreeting},
		{"hi, how are you?", ReasonGreeting},
		// thanks
		{"thank you", ReasonThanks},
		{"Thanks!", ReasonThanks},
		{"thanks!!", ReasonThanks},
		{"cheers", ReasonThanks},
		{"thx", ReasonThanks},
		{"thnaks", ReasonThanks},
		{"thankss", ReasonThanks},
		{"thank u", ReasonThanks},
		{"many thanks", ReasonThanks},
		{"ok thanks", ReasonThanks},
		{"Thank you very much.", ReasonThanks},
		{"thanks for your help", ReasonThanks},
		{"that's helpful, thanks", ReasonThanks},
		{"Thank you ’", ReasonThanks},
		// is it a person
		{"are you a robot", ReasonAboutBot},
		{"Are you a robot?", ReasonAboutBot},
		{"r u a bot", ReasonAboutBot},
		{"am I talking to a real person?", ReasonAboutBot},
		{"am i speaking to a human", ReasonAboutBot},
		{"is this a bot?", ReasonAboutBot},
		{"are you human or a machine", ReasonAboutBot},
		{"hi, are you a real person?", ReasonAboutBot},
		// asking for a person or a phone call
		{"talk to a person", ReasonContact},
		{"I want to speak to someone", ReasonContact},
		{"speak to someone", ReasonContact},
		{"can I speak to a human please", ReasonContact},
		{"Can I phone you?", ReasonContact},
		{"can i call you", ReasonContact},
		{"what's your phone number?", ReasonContact},
		{"hi, can I talk to a real person", ReasonContact},
		{"how do I contact the council", ReasonContact},
		{"human please", ReasonContact},
		{"i'd like to speak to an advisor", ReasonContact},
		// complaints
		{"I want to complain", ReasonComplaint},
		{"i want to make a complaint", ReasonComplaint},
		{"How do I complain?", ReasonComplaint},
		{"complaint", ReasonComplaint},
		{"I'd like to make a complaint please", ReasonComplaint},
		// nothing to read
		{"😀", ReasonNoQuestion},
		{"👍👍", ReasonNoQuestion},
		{"?!", ReasonNoQuestion},
		{"🙂 🙂 ...", ReasonNoQuestion},
		// real questions: searched
		{"hello, how do I renew my bus pass", ""},
		{"Hello how do i renew my bus pass?", ""},
		{"hi I need to report a pothole", ""},
		{"thanks, and how do I pay council tax", ""},
		{"thank you for the bin info, when is the next collection", ""},
		{"how do I complain about a noisy neighbour", ""},
		{"complaint about my bin not being collected", ""},
		{"can I speak to someone about my council tax", ""},
		{"phone number for the library", ""},
		{"contact the blue badge team", ""},
		{"good morning, where is the nearest recycling centre", ""},
		{"robot lawnmower noise", ""},
		{"are you open on bank holidays", ""},
		{"is the tip open", ""},
		{"hi-vis vests for volunteers", ""},
		{"cheers pub licence", ""},
		{"hey how much is a parking permit", ""},
		{"person with a disability parking", ""},
		{"report a pothole", ""},
		{"capital of France", ""},
		{"2024", ""},
		{"diolch", ""},
	}
	for _, c := range cases {
		if got := smalltalk(c.msg); got != c.want {
			t.Errorf("smalltalk(%q) = %q, want %q", c.msg, got, c.want)
		}
	}
}

// FuzzSmalltalk: any text is classified without panicking, and a message
// with a letter or digit is never "no question".
func FuzzSmalltalk(f *testing.F) {
	for _, s := range []string{"hello", "thank you", "😀", "", "hi, can I talk to a real person", "ﬀ ß İ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		k := smalltalk(s)
		if k == ReasonNoQuestion && normTalk(s) != "" {
			t.Errorf("%q: no question although it has words", s)
		}
	})
}

// Through the service: conversation messages get their reply, no page, no
// service area, contact routes where a person is wanted; they are stored
// but never listed as unanswered; a question that starts with a greeting
// is still answered from the site.
func TestConversationBasics(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		pol := f.pol()
		cases := []struct {
			msg, reason string
			routes      bool
		}{
			{"hello", ReasonGreeting, false},
			{"thank you", ReasonThanks, false},
			{"are you a robot", ReasonAboutBot, true},
			{"am I talking to a real person?", ReasonAboutBot, true},
			{"talk to a person", ReasonContact, true},
			{"can I phone you", ReasonContact, true},
			{"I want to complain", ReasonComplaint, true},
			{"😀👍", ReasonNoQuestion, false},
		}
		for _, c := range cases {
			resp, err := f.svc.Ask(ctx, Request{Message: c.msg})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Handoff == nil || resp.Handoff.Reason != c.reason {
				t.Fatalf("%q: %+v, want a %s reply", c.msg, resp, c.reason)
			}
			if len(resp.Sources) != 0 || resp.ServiceArea != "" {
				t.Errorf("%q: sources %+v, area %q", c.msg, resp.Sources, resp.ServiceArea)
			}
			if resp.Answer == "" || resp.Answer != resp.Handoff.Message {
				t.Errorf("%q: answer %q, message %q", c.msg, resp.Answer, resp.Handoff.Message)
			}
			for _, r := range resp.Handoff.Routes {
				if strings.Contains(r.URL, "demo.localgov.example") || strings.Contains(r.Label, "example") {
					t.Errorf("%q: route to a site page %+v", c.msg, r)
				}
			}
			if c.routes {
				want := policyRoutes(pol)
				if len(want) == 0 || len(resp.Handoff.Routes) != len(want) {
					t.Errorf("%q: routes %+v, want the policy's %+v", c.msg, resp.Handoff.Routes, want)
				}
			} else if len(resp.Handoff.Routes) != 0 {
				t.Errorf("%q: routes %+v", c.msg, resp.Handoff.Routes)
			}
			turns, err := db.Q().ChatTurns(ctx, resp.ConversationID)
			if err != nil || len(turns) != 1 || turns[0].Handoff != c.reason || turns[0].ServiceArea != "" {
				t.Errorf("%q: stored %+v (%v)", c.msg, turns, err)
			}
		}
		// A greeting in front of a question does not stop it being answered.
		resp, err := f.svc.Ask(ctx, Request{Message: "Hello, how do I apply for a blue badge?"})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Handoff != nil || len(resp.Sources) == 0 || !strings.Contains(resp.Sources[0].URL, "blue-badge") {
			t.Errorf("greeting + question not answered: %+v", resp)
		}
		rep, err := f.svc.Report(ctx, f.clock.Now().AddDate(0, 0, -1), f.clock.Now().AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Unanswered) != 0 {
			t.Errorf("conversation listed as unanswered: %+v", rep.Unanswered)
		}
		for _, d := range rep.Days {
			if d.ServiceArea == "" && d.Questions != len(cases) {
				t.Errorf("day without area counts %d questions, want %d", d.Questions, len(cases))
			}
		}
	})
}

func TestWithoutPoliteness(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Hello, how do I apply for a blue badge?", "how do I apply for a blue badge?"},
		{"hi there! when is my bin collection", "when is my bin collection"},
		{"Good morning. Hello, where is the tip", "where is the tip"},
		{"helloooo how do i renew my bus pass thanks", "how do i renew my bus pass"},
		{"how do I pay council tax? Thank you very much!", "how do I pay council tax?"},
		{"can you collect my bins please", "can you collect my bins"},
		{"hi-vis vests", "hi-vis vests"},
		{"history of the town hall", "history of the town hall"},
		{"hello", "hello"},
		{"thanks", "thanks"},
		{"high street parking", "high street parking"},
		{"data protection", "data protection"},
		{"hey", "hey"},
	}
	for _, c := range cases {
		if got := withoutPoliteness(c.in); got != c.want {
			t.Errorf("withoutPoliteness(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// A complaint is routed to the site's page on complaints when it has one,
// then to the council's general routes.
func TestComplaintRoutesToComplaintsPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		k := kb.New(db, kb.Options{Hooks: f.svc.Hooks(), Policy: f.pol, Audit: f.audit})
		page := `{"url":"https://demo.localgov.example/make-a-complaint","title":"Make a complaint","html":"<main><h1>Make a complaint</h1><p>Tell us what went wrong and we will put it right. Use our online form to complain about a council service.</p></main>"}`
		if _, err := k.Import(ctx, strings.NewReader(page+"\n")); err != nil {
			t.Fatal(err)
		}
		resp, err := f.svc.Try(ctx, "I want to make a complaint")
		if err != nil {
			t.Fatal(err)
		}
		if resp.Handoff == nil || resp.Handoff.Reason != ReasonComplaint {
			t.Fatalf("not a complaint reply: %+v", resp)
		}
		want := append([]Route{{Kind: "page", Label: "Make a complaint", URL: "https://demo.localgov.example/make-a-complaint"}}, policyRoutes(f.pol())...)
		if len(resp.Handoff.Routes) != len(want) {
			t.Fatalf("routes %+v, want %+v", resp.Handoff.Routes, want)
		}
		for i := range want {
			if resp.Handoff.Routes[i] != want[i] {
				t.Errorf("route %d = %+v, want %+v", i, resp.Handoff.Routes[i], want[i])
			}
		}
	})
}
