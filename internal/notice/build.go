package notice

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fairline/fairline/internal/policy"
)

// The notice is built once, as a small document model of sections, paragraphs and lists, and
// then rendered by the Markdown and HTML templates, so both formats say exactly the same thing.
// Every sentence below names, in a comment, the policy field it comes from (see docs/policy.md).

type span struct {
	Text string
	Href string // a link when set
}

type block struct {
	Para []span   // a paragraph, or
	List [][]span // a bulleted list
}

type section struct {
	ID      string
	Heading string
	Blocks  []block
}

type document struct {
	SystemID string
	Title    string
	// DocTitle is the <title> of a standalone page.
	DocTitle string
	Intro    []block
	Sections []section
}

func text(s string) span { return span{Text: s} }

func link(label, href string) span { return span{Text: label, Href: href} }

func para(spans ...span) block { return block{Para: spans} }

// sentences makes one paragraph of sentences, skipping empty ones.
func sentences(ss ...string) block {
	var out []string
	for _, s := range ss {
		if s = clean(s); s != "" {
			out = append(out, s)
		}
	}
	return para(text(strings.Join(out, " ")))
}

func list(items ...string) block {
	b := block{}
	for _, it := range items {
		b.List = append(b.List, []span{text(clean(it))})
	}
	return b
}

// clean collapses the whitespace of YAML prose (folded lines, indentation) to single spaces.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

// sentence makes s a sentence ending in a full stop.
func sentence(s string) string {
	s = clean(s)
	if s == "" || strings.ContainsAny(s[len(s)-1:], ".!?:") {
		return s
	}
	return s + "."
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// displayURL is how a web address is shown: without the scheme and a trailing slash on a bare
// host ("www.ico.org.uk"); complaint pages keep their full address.
func displayURL(u string) string {
	d := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	if strings.Count(d, "/") == 1 && strings.HasSuffix(d, "/") || !strings.Contains(d, "/") {
		return strings.TrimSuffix(d, "/")
	}
	return u
}

// joinSeries joins items as "a, b, and c" (with the serial comma, as the council's notices do).
func joinSeries(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	case 2:
		return items[0] + " and " + items[1]
	}
	return strings.Join(items[:len(items)-1], ", ") + ", and " + items[len(items)-1]
}

// transferPhrases finish "Information will be shared within X ..." for each policy.Safeguards key.
var transferPhrases = map[string]string{
	"adequacy":    "providing the organisation is considered 'Adequate' under the UK General Data Protection Regulation",
	"idta":        "under an International Data Transfer Agreement approved by the Information Commissioner",
	"uk-addendum": "under the Information Commissioner's UK Addendum to the EU Standard Contractual Clauses",
}

// notifyPhrases finish "If we need to change something like who we want to share this
// information with, ..." for each changes.notify value.
var notifyPhrases = map[string]string{
	policy.NotifyContact:         "we will contact you to let you know.",
	policy.NotifyReasonableSteps: "we will take reasonable steps to inform you of the changes.",
}

// builder collects the first error of the policy's text expansions.
type builder struct {
	p   *policy.Policy
	s   *policy.System
	err error
	// storedAsAllowed: every configured store of the system's data is in a location its
	// storage.locations allow, so the notice may say where the data is.
	storedAsAllowed bool
}

// prose expands a policy text's placeholders ({retention:KIND}, {sources}, {service_areas}).
func (b *builder) prose(t string) string {
	out, err := b.p.Text(b.s.ID, t)
	if err != nil && b.err == nil {
		b.err = err
	}
	return out
}

func build(p *policy.Policy, systemID string, stores []string) (*document, error) {
	if p == nil {
		return nil, errors.New("notice: no policy")
	}
	s, ok := p.System(systemID)
	if !ok {
		return nil, fmt.Errorf("notice: unknown system %q", systemID)
	}
	b := &builder{p: p, s: s, storedAsAllowed: len(stores) > 0}
	for _, loc := range stores {
		if !p.StorageLocationAllowed(s.ID, loc) {
			b.storedAsAllowed = false
		}
	}
	d := &document{SystemID: s.ID, Title: s.Title, DocTitle: s.Title}
	if !strings.Contains(s.Title, s.Name) {
		d.DocTitle = s.Name + " - " + s.Title
	}

	// systems[].applies_to (which may name the service areas with {service_areas}), or name.
	appliesTo := b.prose(s.AppliesTo)
	if appliesTo == "" {
		appliesTo = s.Name
	}
	d.Intro = []block{sentences(
		"This notice is to tell you about why we need your information and how we will handle it.",
		"This notice is for "+appliesTo+".",
	)}

	add := func(key, heading string, blocks ...block) {
		if len(blocks) > 0 {
			d.Sections = append(d.Sections, section{ID: s.ID + "-" + key, Heading: heading, Blocks: blocks})
		}
	}
	add("purpose", "Purpose", b.purpose()...)
	add("information", "What information do we need from you?", b.information()...)
	add("why", "Why do we need this?", b.why()...)
	add("lawful-basis", "Why are we allowed to process your information?", b.lawfulBasis()...)
	add("sharing", "Who will we share this with?", b.sharing()...)
	add("security", "How will we keep it secure?", b.security()...)
	add("retention", "How long will we keep it for?", b.retention()...)
	add("feedback", "Will we ask for your feedback?", b.survey()...)
	add("changes", "What if something changes?", b.changes()...)
	add("rights", "What are your rights?", b.rights()...)
	if b.err != nil {
		return nil, fmt.Errorf("notice: %s: %w", s.ID, b.err)
	}
	return d, nil
}

func (b *builder) purpose() []block {
	s := b.s
	if s.Description == "" && len(s.NotFor) == 0 {
		return nil
	}
	ss := []string{sentence(b.prose(s.Description))} // systems[].description
	for i, x := range s.NotFor {                     // systems[].not_for[].text
		if i == 0 {
			ss = append(ss, sentence("It is not intended to "+b.prose(x.Text)))
		} else {
			ss = append(ss, sentence("It is also not intended to "+b.prose(x.Text)))
		}
	}
	return []block{sentences(ss...)}
}

func (b *builder) information() []block {
	var out []block
	for _, t := range b.s.Information { // systems[].information[]
		out = append(out, sentences(sentence(b.prose(t))))
	}
	return out
}

func (b *builder) why() []block {
	var names []string
	for _, pu := range b.s.Purposes { // systems[].purposes[].name
		names = append(names, b.prose(pu.Name))
	}
	out := []block{sentences("We need this information for:"), list(names...)}
	for _, t := range b.s.Why { // systems[].why[]
		out = append(out, sentences(sentence(b.prose(t))))
	}
	return out
}

// lawfulBasis states the Article 6 bases and any Article 9 condition (systems[].lawful_bases[]).
func (b *builder) lawfulBasis() []block {
	refs := func(bs []policy.LawfulBasis) (texts []string, ref string) {
		var arts []string
		for _, l := range bs {
			texts = append(texts, clean(l.Text))
			arts = append(arts, l.Article)
		}
		return texts, "UK GDPR Article " + policy.JoinAnd(arts)
	}
	texts, ref := refs(b.s.Article6())
	out := []block{sentences(
		"Data protection law allows us to process your information within certain conditions.",
		fmt.Sprintf("In this case we are using %s as the lawful condition for us to do this (%s).", policy.JoinAnd(texts), ref),
	)}
	if a9 := b.s.Article9(); len(a9) > 0 {
		texts, ref := refs(a9)
		out = append(out, sentences(
			"In some cases, we also need an appropriate lawful reason to process sensitive data.",
			fmt.Sprintf("In those cases, we are processing your sensitive personal data because of %s (%s).", policy.JoinAnd(texts), ref),
		))
	}
	return out
}

// sharing states the processors (systems[].processors[]) and the only organisations data may be
// disclosed to (systems[].recipients[]), which policy.RecipientAllowed enforces.
func (b *builder) sharing() []block {
	out := []block{sentences(
		"Sometimes we need to share your information with others.",
		"We will only do this when it is necessary in order to offer you this service, or if we are required to do so by law.",
	)}
	var ss []string
	for _, pr := range b.s.Processors {
		var locs []string
		for _, c := range pr.Countries {
			locs = append(locs, policy.LocationName(c))
		}
		if pr.Stores {
			ss = append(ss, fmt.Sprintf("%s will be shared with %s who %s and will store the information in %s.", capitalise(clean(pr.Receives)), clean(pr.Name), clean(pr.Role), policy.JoinOr(locs)))
		} else {
			ss = append(ss, fmt.Sprintf("%s will be shared with %s who %s but will not store the information.", capitalise(clean(pr.Receives)), clean(pr.Name), clean(pr.Role)))
		}
	}
	ss = append(ss, "We do not plan to share it with anyone else or use it for anything else.")
	out = append(out, sentences(ss...))
	if len(b.s.Recipients) > 0 {
		var names []string
		for _, r := range b.s.Recipients {
			names = append(names, r.Name)
		}
		out = append(out,
			sentences("When it is necessary, we may disclose your personal information to the following organisations:"),
			list(names...))
	}
	return out
}

// security states systems[].security[], then where data is kept (storage.locations) and whether
// it leaves the UK (international_transfers). Where it is kept is stated only when every
// configured store is in one of those locations (storedAsAllowed).
func (b *builder) security() []block {
	var out []block
	for _, t := range b.s.Security {
		out = append(out, sentences(sentence(b.prose(t))))
	}
	tr := b.s.InternationalTransfers
	if len(tr.Countries) == 0 {
		// Parse guarantees storage locations and processors are all in the UK here.
		if !b.storedAsAllowed {
			return out
		}
		return append(out, sentences("We will not send your information outside of the UK."))
	}
	var stored, shared []string
	for _, c := range b.s.Storage.Locations {
		stored = append(stored, policy.LocationName(c))
	}
	for _, c := range tr.Countries {
		shared = append(shared, policy.LocationName(c))
	}
	where := ""
	if b.storedAsAllowed {
		where = fmt.Sprintf("We store your information in %s.", policy.JoinOr(stored))
	}
	return append(out, sentences(
		where,
		fmt.Sprintf("Information will be shared within %s %s.", policy.JoinOr(shared), transferPhrases[tr.Safeguard]),
	))
}

// retention states how long each kind of personal data is kept (data_kinds[].retention and
// service_areas[].retention); the survey's phone numbers are stated with the survey.
func (b *builder) retention() []block {
	s := b.s
	out := []block{sentences("We will only keep this information for as long as necessary or as the law requires.")}
	var simple []policy.DataKind
	for _, k := range s.DataKinds {
		if k.PersonalData && !s.RetentionVariesByArea(k.ID) && !k.Retention.IsEvent() && !k.Retention.IsZero() {
			simple = append(simple, k)
		}
	}
	var ss []string
	for _, k := range s.DataKinds {
		switch {
		case !k.PersonalData || s.Survey != nil && k.ID == s.Survey.PhoneNumberKind:
			continue
		case s.RetentionVariesByArea(k.ID):
			if len(ss) > 0 {
				out, ss = append(out, sentences(ss...)), nil
			}
			var items []string
			for i := range s.ServiceAreas {
				a := &s.ServiceAreas[i]
				items = append(items, fmt.Sprintf("For %s related %s this will be %s.", a.Name, clean(k.Name), s.AreaRetention(k.ID, a)))
			}
			out = append(out, sentences(fmt.Sprintf("How long we keep %s depends on the service area:", clean(k.Name))), list(items...))
		case k.Retention.IsEvent():
			ev, _ := policy.LookupEvent(k.Retention.UntilEvent)
			ss = append(ss, fmt.Sprintf("%s are deleted %s.", capitalise(clean(k.Name)), ev.When))
		case len(simple) == 1:
			ss = append(ss, fmt.Sprintf("For this service that would normally be no longer than %s.", k.Retention))
		default:
			ss = append(ss, fmt.Sprintf("%s will normally be kept for no longer than %s.", capitalise(clean(k.Name)), k.Retention))
		}
	}
	ss = append(ss, trainingRetention(s)...)
	if len(ss) > 0 {
		out = append(out, sentences(ss...))
	}
	return out
}

// trainingRetention states service_areas[].retention.training, only for the areas that set
// it: a call chosen for training keeps its own copy for that long from when it was chosen,
// beyond the recording's period (internal/quality). Areas with the same period share a
// sentence; when every area has it, the sentence names none.
func trainingRetention(s *policy.System) []string {
	var periods []policy.Retention
	areas := map[policy.Retention][]string{}
	for _, a := range s.ServiceAreas {
		r, ok := s.TrainingRetention(a.ID)
		if !ok {
			continue
		}
		if areas[r] == nil {
			periods = append(periods, r)
		}
		areas[r] = append(areas[r], a.Name)
	}
	var out []string
	for _, r := range periods {
		if len(periods) == 1 && len(areas[r]) == len(s.ServiceAreas) {
			return []string{fmt.Sprintf("Recordings chosen for training are kept for %s from when they are chosen.", r)}
		}
		out = append(out, fmt.Sprintf("For calls about %s, recordings chosen for training are kept for %s from when they are chosen.",
			policy.JoinAnd(areas[r]), r))
	}
	return out
}

// survey states systems[].survey: voluntary, numbers deleted on sending, responses anonymous.
func (b *builder) survey() []block {
	sv := b.s.Survey
	if sv == nil {
		return nil
	}
	ss := []string{sentence(b.prose(sv.Description))}
	if sv.Voluntary {
		ss = append(ss, "Your participation is voluntary, and you can ignore any requests if you don't wish to take part.")
	}
	if k, ok := b.s.DataKind(sv.PhoneNumberKind); ok && k.Retention.IsEvent() {
		ev, _ := policy.LookupEvent(k.Retention.UntilEvent)
		ss = append(ss, fmt.Sprintf("For this purpose, we ensure that %s are automatically deleted %s.", clean(k.Name), ev.When))
	}
	if k, ok := b.s.DataKind(sv.ResponseKind); ok && !k.PersonalData {
		ss = append(ss, fmt.Sprintf("%s do not include any personally identifiable information.", capitalise(clean(k.Name))))
	}
	return append([]block{sentences(ss...)}, b.keptNumbers()...)
}

// keptNumbers says what stays of a caller's number once the survey's copy is gone
// (service_areas[].keep_sealed_number): by default a keyed fingerprint only, which is how a
// subject access search by number still finds the recordings.
func (b *builder) keptNumbers() []block {
	if len(b.s.ServiceAreas) == 0 {
		return nil
	}
	var kept []string
	for _, a := range b.s.ServiceAreas {
		if a.KeepSealedNumber {
			kept = append(kept, a.Name)
		}
	}
	if len(kept) == len(b.s.ServiceAreas) {
		return []block{sentences("With each call recording we keep your number, encrypted, for as long as we keep the recording, so we can find your recordings if you ask.")}
	}
	ss := []string{"With each call recording we keep only a one-way fingerprint of your number so we can find your recordings if you ask."}
	if len(kept) > 0 {
		ss = append(ss, fmt.Sprintf("For calls about %s we also keep your number, encrypted, with the recording for as long as we keep the recording.", policy.JoinAnd(kept)))
	}
	return []block{sentences(ss...)}
}

// changes states systems[].changes.
func (b *builder) changes() []block {
	var out []block
	if u := b.s.Changes.UpdateYourDetailsURL; u != "" {
		out = append(out, para(
			text("If the information you provided changes or your circumstances change, please visit "),
			link(displayURL(u), u),
			text("."),
		))
	}
	out = append(out, sentences("If we need to change something like who we want to share this information with, "+notifyPhrases[b.s.Changes.Notify]))
	return out
}

// rights states the top-level rights[], the data protection officer and the supervisory
// authority (organisation.data_protection_officer, organisation.supervisory_authority).
func (b *builder) rights() []block {
	p := b.p
	var out []block
	var ss, others []string
	for _, r := range p.Rights {
		t := clean(r.Text)
		if r.InSomeCases {
			t = "in some cases, " + t
		}
		if r.ID == "access" {
			ss = append(ss, sentence("You may request to "+t))
		} else {
			others = append(others, t)
		}
	}
	if len(others) > 0 {
		ss = append(ss, "The law also provides you with other rights regarding your information including: "+joinSeries(others)+".")
	}
	out = append(out, sentences(ss...))

	o := p.Organisation
	contact := "please contact the Data Protection Officer: "
	if o.DPO.Team != "" {
		contact = "please contact the " + clean(o.DPO.Team) + ": "
	}
	out = append(out, para(
		text("If you are unhappy with the way your data is being handled or if you need to contact "+clean(o.Name)+"'s Data Protection Officer, "+contact),
		link(o.DPO.Email, "mailto:"+o.DPO.Email),
	))

	sa := o.SupervisoryAuthority
	short := o.ShortName
	if short == "" {
		short = o.Name
	}
	out = append(out, sentences(
		"If you are not satisfied with any response you may receive from us based on a complaint or concern about your personal information, you then have the option of contacting the "+sa.Name+" to take that complaint further.",
		"The "+sa.Name+" does like to see that you have raised a complaint with "+short+" first and received a response before contacting them.",
		"If you do wish to contact them, the address details can be found below:",
	))
	out = append(out, sentences("The "+sa.Name+", "+sa.Address))
	if len(sa.Phones) > 0 {
		var phones []string
		for _, ph := range sa.Phones {
			if ph.Rate != "" {
				phones = append(phones, ph.Number+" ("+ph.Rate+")")
			} else {
				phones = append(phones, ph.Number)
			}
		}
		out = append(out, sentences("Telephone: "+policy.JoinOr(phones)))
	}
	if sa.Website != "" {
		out = append(out, para(text("Website: "), link(displayURL(sa.Website), sa.Website)))
	}
	out = append(out, para(text("Make a complaint: "), link(sa.ComplaintURL, sa.ComplaintURL)))
	return out
}
