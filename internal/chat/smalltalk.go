package chat

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/search"
)

// Conversation basics. Residents greet the bot, thank it, ask whether it is
// a person, ask for a person or want to complain; searching the website for
// "hello" or "thank you" finds a page that merely contains the words (an
// email address, a fostering story), so such messages get a short, honest
// reply of their own and no page. Only a message that is wholly one of
// these is recognised: "hello, how do I renew my bus pass" is a question
// and is searched. The reply is a Handoff whose Reason names the kind, so
// the widget and /ask show it like any other; the turn is stored (redacted)
// with no service area and, not being a not_found, never reaches the
// unanswered list.

// Reasons of conversation replies (Handoff.Reason).
const (
	ReasonGreeting   = "greeting"
	ReasonThanks     = "thanks"
	ReasonAboutBot   = "about_bot"   // "are you a robot"
	ReasonContact    = "contact"     // "can I speak to someone"
	ReasonComplaint  = "complaint"   // "I want to complain"
	ReasonNoQuestion = "no_question" // only emoji or punctuation
)

// The phrasings, matched against the whole normalised message (lower case,
// words of letters and digits, apostrophes dropped, runs of one letter
// squeezed to one so "hellooo" and "thankss" match). The patterns are
// squeezed the same way when compiled, so they are written in plain
// spelling; misspellings people often type are listed.
var (
	greetWords  = `(?:hello|hallo|hullo|helo|hi|hiya|hey|heya|hai|howdy|greetings|yo|good (?:morning|afternoon|evening|day)|gud (?:morning|afternoon|evening)|morning|afternoon|evening)`
	greetRE     = talkRE(greetWords + `(?: (?:there|all|everyone|everybody|bot|chatbot|again))?(?: how are (?:you|u)(?: doing)?(?: today)?)?|how are (?:you|u)(?: doing)?(?: today)?`)
	thanksWords = `(?:thanks|thank you|thankyou|thank u|thanku|thanx|thnx|thx|thnks|thanks you|thnaks|tahnks|thnak you|thamk you|ty|tyvm|cheers|ta|many thanks)`
	thanksRE    = talkRE(`(?:(?:ok|okay|great|brilliant|perfect|lovely|fab|fantastic|excellent|super|amazing|that s|thats|that is|that was) )*` +
		thanksWords + `(?: (?:very much|so much|a lot|a million|again|loads|for (?:your|the|all your|all the) help|for helping|for that|for this))?(?: (?:bye|goodbye))?` +
		`|(?:that s|thats|that is|that was|very) (?:helpful|useful|great|perfect|brilliant)(?: thanks| thank you)?`)
	botNouns = `(?:a |an )?(?:robot|bot|chatbot|chat bot|human|human being|real human|real person|person|real|computer|machine|ai|automated|program|live person|live agent)`
	botRE    = talkRE(`(?:are|r) (?:you|u) ` + botNouns + `(?: or ` + botNouns + `)?` +
		`|am i (?:talking|speaking|chatting) (?:to|with) ` + botNouns + `(?: or ` + botNouns + `)?` +
		`|is (?:this|that|it) ` + botNouns + `(?: or ` + botNouns + `)?` +
		`|who am i (?:talking|speaking|chatting) (?:to|with)|what are you|who are you`)
	wantTo    = `(?:(?:can|could|may|can t|cant) i |i (?:want|need|wish|would like|d like|would love) to |id like to |i wanna |let me |please let me |how (?:do|can|could) i )?`
	people    = `(?:someone|somebody|anyone|anybody|a person|a real person|a real human|a human|a human being|a live person|an operator|operator|an agent|a live agent|agent|an adviser|an advisor|adviser|advisor|a member of staff|staff|an officer|customer services|customer service|a real one|you|the council|someone at the council)`
	contactRE = talkRE(wantTo + `(?:talk|speak|chat) (?:to|with) ` + people + `(?: (?:now|today|at the council|directly|instead))?` +
		`|` + wantTo + `(?:phone|call|ring|telephone|email|contact|reach|get in touch with) (?:you|someone|somebody|the council|a person|a human|anyone)(?: directly| up)?` +
		`|(?:what is|whats|what s) (?:your|the council s|the councils|the|a) (?:phone|telephone|contact) (?:number|details)` +
		`|(?:your |the council s |the councils )?(?:phone|telephone|contact) (?:number|details)` +
		`|(?:a )?(?:human|real person|person|operator|agent|adviser|advisor|customer services|live agent)|contact(?: us| you| the council)?`)
	complaintRE = talkRE(`(?:i (?:want|need|wish|would like|d like) to |id like to |i wanna |(?:how|where) (?:do|can|could) i |can i |could i )?` +
		`(?:complain|make a complaint|raise a complaint|log a complaint|file a complaint|submit a complaint|report a complaint)` +
		`|i (?:have|ve got|have got) a complaint|complaint|complaints|complaints procedure|making a complaint`)
	// Words around a request that do not change it: "hi, can I speak to
	// someone please".
	lead  = regexp.MustCompile(`^(?:` + squeeze(greetWords) + `(?: there)?|ok|okay|yes|yeah|sorry|excuse me|um|erm|please|hi bot) `)
	trail = regexp.MustCompile(` (?:please|pls|plz|thanks|thank you|ta|now)$`)
)

// talkRE compiles a whole-message pattern written in plain spelling.
func talkRE(pat string) *regexp.Regexp { return regexp.MustCompile(`^(?:` + squeeze(pat) + `)$`) }

// squeeze turns each run of one letter into the letter once.
func squeeze(s string) string {
	var b strings.Builder
	var last rune
	for _, r := range s {
		if r == last && unicode.IsLetter(r) {
			continue
		}
		b.WriteRune(r)
		last = r
	}
	return b.String()
}

// normTalk is the message as the phrasings are matched: lower case, each
// run of characters other than letters and digits a single space,
// apostrophes dropped ("what's" is "whats"), letters squeezed.
func normTalk(s string) string {
	var b strings.Builder
	space := true
	for _, r := range strings.ToLower(s) {
		switch {
		case r == '\'' || r == '’' || r == '‘':
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
			space = false
		case !space:
			b.WriteByte(' ')
			space = true
		}
	}
	return squeeze(strings.TrimSpace(b.String()))
}

// smalltalk reports which conversation reply msg (the redacted question)
// wants, or "" when it is a question to search.
func smalltalk(msg string) string {
	n := normTalk(msg)
	if n == "" {
		return ReasonNoQuestion
	}
	if kind := matchTalk(n, true); kind != "" {
		return kind
	}
	// Strip politeness around a request and try again; a greeting or
	// thanks alone was matched above.
	core := n
	for {
		c := trail.ReplaceAllString(lead.ReplaceAllString(core, ""), "")
		if c == core {
			break
		}
		core = c
	}
	if core == n || core == "" {
		return ""
	}
	return matchTalk(core, false)
}

func matchTalk(n string, all bool) string {
	switch {
	case all && greetRE.MatchString(n):
		return ReasonGreeting
	case all && thanksRE.MatchString(n):
		return ReasonThanks
	case botRE.MatchString(n):
		return ReasonAboutBot
	case complaintRE.MatchString(n):
		return ReasonComplaint
	case contactRE.MatchString(n):
		return ReasonContact
	}
	return ""
}

var complainTitle = regexp.MustCompile(`(?i)\bcomplain`)

// converse is the reply to a conversation message of kind (from smalltalk):
// fixed text, the policy's contact routes where a person is wanted, and for
// a complaint the site's page on complaints when it has one. No search of
// the question, no service area.
func (s *Service) converse(ctx context.Context, ix *search.Index, pol *policy.Policy, kind string) outcome {
	org := pol.Organisation.Name
	if org == "" {
		org = "the council"
	}
	var msg string
	routes := []Route{}
	switch kind {
	case ReasonGreeting:
		msg = "Hello. I'm an automated assistant: I can help you find information and services on " + org + "'s website. What would you like to know?"
	case ReasonThanks:
		msg = "You're welcome. If there is anything else you'd like to find on " + org + "'s website, just ask."
	case ReasonAboutBot:
		msg = "I'm an automated assistant, not a person. I find answers on " + org + "'s website and show you where they come from. To speak to someone, use one of these:"
		routes = policyRoutes(pol)
	case ReasonContact:
		msg = "I'm an automated assistant and can't put you through to a person. You can contact " + org + " here:"
		routes = policyRoutes(pol)
	case ReasonComplaint:
		msg = "I can't take a complaint, but you can make one to " + org + ". Use one of these:"
		for _, r := range s.search(ctx, ix, "complaints", 10) {
			if complainTitle.MatchString(r.Title) {
				routes = append(routes, Route{Kind: "page", Label: r.Title, URL: r.URL})
				break
			}
		}
		routes = append(routes, policyRoutes(pol)...)
	default: // ReasonNoQuestion
		msg = "I couldn't find a question in that. Please type what you'd like to know in words."
	}
	return outcome{reason: kind, resp: Response{Answer: msg, Sources: []Source{}, Choices: []Source{}, Redacted: []string{},
		Handoff: &Handoff{Reason: kind, Message: msg, Routes: routes}}}
}

// policyRoutes are the council's general contact routes as the policy
// publishes them: its phone numbers, then its website. They are what a
// resident is given when no page of the site fits their question (or when
// they ask for a person), because a page found by a weak match would be
// unrelated to what they asked.
func policyRoutes(pol *policy.Policy) []Route {
	routes := []Route{}
	o := pol.Organisation
	for i, p := range o.PublicContacts.Phones {
		if i == 2 {
			break
		}
		if tel := telURL(p); tel != "" {
			routes = append(routes, Route{Kind: "phone", Label: p, URL: tel})
		}
	}
	if u, err := url.Parse(o.Website); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		label := o.Name
		if label == "" {
			label = "The council's website"
		}
		routes = append(routes, Route{Kind: "page", Label: label, URL: o.Website})
	}
	return routes
}

// A greeting before a question and thanks after it are not what is asked:
// searched, "hello" and "thanks" count against every page that lacks them
// and can sink the right one below the answer threshold.
var (
	politeLead  = regexp.MustCompile(`(?i)^[\s\p{P}\p{S}]*(?:(?:hel+o+|hal+o+|hul+o+|hi+|hiya|hey+|heya|good (?:morning|afternoon|evening|day)|(?:ok|okay|um+|erm+)|dear (?:sir|madam|sir or madam|council))(?:\s+(?:there|all|everyone))?[\s,.!;:…]+)+`)
	politeTrail = regexp.MustCompile(`(?i)(?:[\s,.!;:…]+(?:thanks|thank you|thank u|thx|cheers|ta|please|pls|plz)(?:\s+(?:very much|so much|a lot|in advance))?)+[\s\p{P}\p{S}]*$`)
)

// withoutPoliteness is query (a question smalltalk did not claim) without a
// leading greeting and trailing thanks; the question itself when nothing
// would be left.
func withoutPoliteness(query string) string {
	q := politeTrail.ReplaceAllString(politeLead.ReplaceAllString(query, ""), "")
	if normTalk(q) == "" {
		return query
	}
	return q
}
