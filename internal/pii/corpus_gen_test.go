package pii

// The generator of testdata/pii/messages.jsonl. Run
//
//	go test ./internal/pii -run TestGenerateCorpus -update-corpus
//
// to rewrite it. It is deterministic (fixed seed): the file only changes when this code does.
// Every value is synthetic: Ofcom drama-range telephone numbers, RFC 2606 e-mail domains,
// RFC 5737/3849 documentation IP addresses, published test card numbers or numbers generated
// with a valid checksum, invented names and streets; no real person is described.

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite testdata/pii/messages.jsonl")

const corpusPath = "../../testdata/pii/messages.jsonl"

// corpusNow is the date the corpus is evaluated at (ages in messages agree with it).
var corpusNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

type labelled struct {
	Text     string      `json:"text"`
	Entities []labelSpan `json:"entities"`
}

type labelSpan struct {
	Type  string `json:"type"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

var (
	genFirst = strings.Fields(`Sarah Jack Mohammed Priya Aisha Oliver Amelia Harry Olivia Ravi Sunita Tomasz Agnieszka Chidi
		Ngozi Siobhan Declan Rhys Megan Hamza Fatima Mary Margaret George Arthur Doreen Kevin Zoë Anne-Marie Jo Gurpreet
		Kieran Leanne Darren Bethany Imran Yusuf Eilidh Callum Shauna Dev Kavita Barbara Keith Elsie Alfie Isla Noah`)
	genSurname = strings.Fields(`Smith Patel Jones O'Neill Khan Williams Mistry Kowalski Okafor Taylor Brown Hughes Begum Evans
		Chauhan Lewis Walker McDonald Ahmed Wright Thompson Davies Robinson Clarke Sharma Nowak Bennett Parmar Hall Green`)
	genStreets = []string{"Mill Lane", "Station Road", "Church Street", "London Road", "Victoria Avenue", "Oak Close",
		"Elm Drive", "Beaumont Way", "Knighton Crescent", "Main Street", "The Green", "St Mary's Road", "Park Road",
		"Holly Court", "Meadow Gardens", "Forest Rise", "Welford Place", "Shakespeare Terrace", "Narborough Road",
		"Hinckley Road", "Ashby Road", "Cedar Grove", "Swithland Lane", "Groby Road", "Uppingham Road", "Willow Walk",
		"Brookside Close", "Chapel Street", "Orchard Way", "Kingfisher Mews"}
	genTowns = []string{"Glenfield", "Wigston", "Oadby", "Loughborough", "Hinckley", "Melton Mowbray",
		"Market Harborough", "Coalville", "Lutterworth", "Syston", "Birstall", "Anstey", "Blaby", "Braunstone Town"}
	genOutward  = strings.Fields(`LE1 LE2 LE3 LE4 LE5 LE7 LE8 LE9 LE10 LE11 LE12 LE13 LE16 LE17 LE18 LE19 LE65 LE67 DE74 CV13 NG10 PE9`)
	genRelation = strings.Fields(`son daughter husband wife partner mum dad grandson granddaughter nan brother sister neighbour`)
	genRooms    = []string{"0113 496 0", "0114 496 0", "0116 496 0", "0117 496 0", "0118 496 0", "0121 496 0", "0131 496 0",
		"0141 496 0", "0151 496 0", "0161 496 0", "020 7946 0", "029 2018 0", "0808 157 0"}
	genCards = []string{"4111 1111 1111 1111", "5555 5555 5555 4444", "3782 822463 10005", "4000 0566 5566 5556",
		"5200 8282 8282 8210", "6011 1111 1111 1117", "4242424242424242", "5105 1051 0510 5100"}
)

type gen struct {
	r   *rand.Rand
	dob time.Time
}

func (g *gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }
func (g *gen) digits(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + g.r.IntN(10)))
	}
	return b.String()
}

func (g *gen) nhs() string {
	for {
		d := []byte(fmt.Sprint(4+g.r.IntN(3)) + g.digits(8))
		sum := 0
		for i := 0; i < 9; i++ {
			sum += int(d[i]-'0') * (10 - i)
		}
		c := 11 - sum%11
		if c == 11 {
			c = 0
		}
		if c == 10 {
			continue
		}
		s := string(d) + fmt.Sprint(c)
		switch g.r.IntN(3) {
		case 0:
			return s[:3] + " " + s[3:6] + " " + s[6:]
		case 1:
			return s
		}
		return s[:3] + "-" + s[3:6] + "-" + s[6:]
	}
}

func (g *gen) nino() string {
	const first, second = "ABCEGHJKLMNPRSTWXYZ", "ABCEGHJKLMNPRSTWXYZ"
	for {
		p := string(first[g.r.IntN(len(first))]) + string(second[g.r.IntN(len(second))])
		switch p {
		case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
			continue
		}
		d := g.digits(6)
		suf := string("ABCD"[g.r.IntN(4)])
		switch g.r.IntN(4) {
		case 0:
			return p + " " + d[:2] + " " + d[2:4] + " " + d[4:] + " " + suf
		case 1:
			return strings.ToLower(p + d + suf)
		}
		return p + d + suf
	}
}

func (g *gen) postcode() string {
	const letters = "ABDEFGHJLNPQRSTUWXYZ"
	out := g.pick(genOutward)
	in := fmt.Sprint(g.r.IntN(10)) + string(letters[g.r.IntN(len(letters))]) + string(letters[g.r.IntN(len(letters))])
	switch g.r.IntN(5) {
	case 0:
		return out + in
	case 1:
		return strings.ToLower(out + " " + in)
	}
	return out + " " + in
}

func (g *gen) phone() string {
	switch g.r.IntN(6) {
	case 0:
		return "07700 900" + g.digits(3)
	case 1:
		return "+44 7700 900" + g.digits(3)
	case 2:
		n := g.pick(genRooms) + g.digits(3)
		return "+44 " + strings.TrimPrefix(n, "0")
	case 3:
		return strings.ReplaceAll(g.pick(genRooms)+g.digits(3), " ", "")
	case 4:
		if g.r.IntN(2) == 0 {
			return "+1 202 555 01" + g.digits(2)
		}
		return "+33 1 99 00 " + g.digits(2) + " " + g.digits(2)
	}
	return g.pick(genRooms) + g.digits(3)
}

func (g *gen) email() string {
	f, s := strings.ToLower(g.pick(genFirst)), strings.ToLower(g.pick(genSurname))
	f = strings.NewReplacer("ë", "e", "'", "", "-", "").Replace(f)
	s = strings.NewReplacer("'", "").Replace(s)
	dom := g.pick([]string{"example.com", "example.org", "example.co.uk", "example.net"})
	switch g.r.IntN(3) {
	case 0:
		return f + "." + s + "@" + dom
	case 1:
		return f + s + fmt.Sprint(g.r.IntN(90)+10) + "@" + dom
	}
	return f[:1] + s + "@" + dom
}

func (g *gen) card() string {
	if g.r.IntN(2) == 0 {
		return g.pick(genCards)
	}
	d := []byte("4" + g.digits(14) + "0")
	for c := byte('0'); c <= '9'; c++ {
		d[15] = c
		if luhn(d) {
			break
		}
	}
	s := string(d)
	return s[:4] + " " + s[4:8] + " " + s[8:12] + " " + s[12:]
}

func (g *gen) sortCode() string {
	d := g.digits(6)
	if g.r.IntN(3) == 0 {
		return d[:2] + " " + d[2:4] + " " + d[4:]
	}
	return d[:2] + "-" + d[2:4] + "-" + d[4:]
}

func (g *gen) setDOB() {
	age := 18 + g.r.IntN(75)
	g.dob = corpusNow.AddDate(-age, -g.r.IntN(11)-1, -g.r.IntN(27))
}

func (g *gen) age() string {
	a := corpusNow.Year() - g.dob.Year()
	if corpusNow.YearDay() < g.dob.YearDay() {
		a--
	}
	return fmt.Sprint(a)
}

func (g *gen) dobText() string {
	d := g.dob
	switch g.r.IntN(5) {
	case 0:
		return d.Format("02/01/2006")
	case 1:
		return d.Format("2 January 2006")
	case 2:
		return d.Format("2/1/2006")
	case 3:
		return d.Format("January 2, 2006")
	}
	return d.Format("02-01-2006")
}

func (g *gen) licence() string {
	sur := strings.ToUpper(strings.NewReplacer("'", "", "-", "").Replace(g.pick(genSurname)))
	for len(sur) < 5 {
		sur += "9"
	}
	sur = sur[:5]
	y := 1950 + g.r.IntN(55)
	m := 1 + g.r.IntN(12)
	if g.r.IntN(2) == 0 {
		m += 50
	}
	day := 1 + g.r.IntN(28)
	init := string(byte('A'+g.r.IntN(26))) + string(byte('A'+g.r.IntN(26)))
	s := fmt.Sprintf("%s%d%02d%02d%d%s9%s", sur, (y/10)%10, m, day, y%10, init, string(byte('A'+g.r.IntN(26)))+string(byte('A'+g.r.IntN(26))))
	if g.r.IntN(3) == 0 {
		return s[:5] + " " + s[5:11] + " " + s[11:]
	}
	return s
}

func (g *gen) reg() string {
	const L = "ABCDEFGHJKLMNOPRSTUVWXY"
	l := func() string { return string(L[g.r.IntN(len(L))]) }
	switch g.r.IntN(4) {
	case 0:
		return l() + fmt.Sprint(1+g.r.IntN(999)) + " " + l() + l() + l()
	}
	age := []string{"12", "15", "19", "21", "24", "61", "66", "70", "73", "09"}[g.r.IntN(10)]
	return l() + l() + age + " " + l() + l() + l()
}

func (g *gen) ip() string {
	switch g.r.IntN(4) {
	case 0:
		return fmt.Sprintf("192.0.2.%d", 1+g.r.IntN(254))
	case 1:
		return fmt.Sprintf("198.51.100.%d", 1+g.r.IntN(254))
	case 2:
		return fmt.Sprintf("203.0.113.%d", 1+g.r.IntN(254))
	}
	return fmt.Sprintf("2001:db8:%x::%x", g.r.IntN(65535), 1+g.r.IntN(4095))
}

func (g *gen) address() string {
	num := fmt.Sprint(1 + g.r.IntN(180))
	if g.r.IntN(8) == 0 {
		num += "a"
	}
	st := g.pick(genStreets)
	if g.r.IntN(6) == 0 {
		st = strings.ToLower(st)
	}
	a := num + " " + st
	if g.r.IntN(5) == 0 {
		a = "Flat " + fmt.Sprint(1+g.r.IntN(12)) + ", " + a
	}
	return a
}

func (g *gen) name() string { return g.pick(genFirst) }
func (g *gen) fullName() string {
	return g.pick(genFirst) + " " + g.pick(genSurname)
}

// slot renders one {SLOT}; the type is "" for unlabelled filler.
func (g *gen) slot(name string) (string, string) {
	switch name {
	case "NHS":
		return g.nhs(), string(NHSNumber)
	case "NINO":
		return g.nino(), string(NINO)
	case "PC":
		return g.postcode(), string(Postcode)
	case "PHONE":
		return g.phone(), string(Phone)
	case "EMAIL":
		return g.email(), string(Email)
	case "CARD":
		return g.card(), string(Card)
	case "SORT":
		return g.sortCode(), string(SortCode)
	case "ACCT":
		return g.digits(8), string(AccountNumber)
	case "DOB":
		return g.dobText(), string(DateOfBirth)
	case "AGE":
		return g.age(), ""
	case "DL":
		return g.licence(), string(DrivingLicence)
	case "PASSPORT":
		return fmt.Sprint(1+g.r.IntN(8)) + g.digits(8), string(Passport)
	case "REG":
		return g.reg(), string(VehicleReg)
	case "IP":
		return g.ip(), string(IPAddress)
	case "ADDR":
		return g.address(), string(Address)
	case "NAME":
		return g.name(), string(Name)
	case "FULLNAME":
		return g.fullName(), string(Name)
	case "SURNAME":
		return g.pick(genSurname), string(Name)
	case "REL":
		return g.pick(genRelation), ""
	case "CTAX":
		return g.digits(8), "ref:council-tax-account"
	case "CASE":
		return g.pick([]string{"CAS-", "CAS", "APP-", "ASC-"}) + g.digits(6), "ref:case-reference"
	case "UPRN":
		return "1000" + g.digits(8), "ref:uprn"
	case "TOWN":
		return g.pick(genTowns), ""
	case "STREET":
		return g.pick(genStreets), ""
	case "PRICE":
		return g.pick([]string{"£12.50", "£1,250", "£35", "£4.20", "£120.00", "£2.75", "£65"}), ""
	case "TIME":
		return g.pick([]string{"10:30", "9am", "5.30pm", "14:00", "8:15", "noon", "7pm"}), ""
	case "YEAR":
		return fmt.Sprint(2019 + g.r.IntN(8)), ""
	case "ROAD":
		return g.pick([]string{"A6", "M1", "A46", "A47", "M69", "A5199", "B4114", "A607", "A50"}), ""
	case "BUS":
		return g.pick([]string{"48", "14A", "X5", "25", "Skylink", "158", "8", "X3"}), ""
	case "EVENT":
		return g.pick([]string{"EV-2024-0012", "EVT-5531", "LCC-FEST-2025", "WS-118", "EV2025-77"}), ""
	case "FDATE":
		return g.pick([]string{"12/03/2026", "3 April 2026", "14/07/2026", "1st May", "21-08-2026", "30 June 2026"}), ""
	case "N":
		return fmt.Sprint(2 + g.r.IntN(20)), ""
	case "COUNCIL":
		return g.pick([]string{"0116 232 3232", "0116 2323232"}), ""
	}
	panic("unknown slot " + name)
}

// corpusTemplates are messages in the style of a council chatbot and staff comments.
var corpusTemplates = []string{
	// Health and social care.
	"My NHS number is {NHS} and my postcode is {PC}",
	"hi my mums nhs no is {NHS}, can she get help with meals at home?",
	"I need a care assessment for my {REL} {NAME}. Her NHS number is {NHS}.",
	"Can you tell me if my carers assessment has been done? NHS {NHS}, DOB {DOB}",
	"My name is {FULLNAME} and I care for my {REL}. We live at {ADDR}, {TOWN} {PC}.",
	"Hello, I'm {NAME}. My dad is {AGE} and needs a stairlift, his date of birth is {DOB}",
	"My {REL} {NAME} is {AGE} years old, born {DOB}, and has dementia. Who do I talk to about respite?",
	"Referral for Mrs {SURNAME}, {ADDR}, {PC}, tel {PHONE}, NHS {NHS}",
	"Please call me back on {PHONE} about my nan's care package",
	"Is First Contact Plus the right place? my number is {PHONE} and email {EMAIL}",
	// Blue badge and transport.
	"I want to renew my blue badge. My NI number is {NINO} and I was born on {DOB}",
	"Blue badge application for {FULLNAME}, date of birth {DOB}, national insurance {NINO}",
	"My car reg is {REG}, I got a parking ticket outside {ADDR} but I have a blue badge",
	"can I park my van {REG} on the verge on {STREET}?",
	"The pothole outside {ADDR} damaged my car, registration {REG}. Who do I claim from?",
	"My driving licence number is {DL}, do you need it for the concessionary pass?",
	"I have a bus pass query, my name is {FULLNAME} and my postcode is {PC}",
	"Does the {BUS} bus still stop at {STREET} in {TOWN}? It was late at {TIME} today",
	"There are roadworks on the {ROAD} near {TOWN} again, how long will they last?",
	"Is the {ROAD} closed at junction {N} this weekend?",
	// Schools and families.
	"My son {NAME} starts school in September, we live at {ADDR}, {PC}",
	"I am applying for a school place for my daughter {FULLNAME}, born {DOB}",
	"Hi this is {FULLNAME}, I applied for a school transport pass, reference {CASE}",
	"My {REL}, {NAME}, needs an EHCP assessment. Case number {CASE}. Contact {EMAIL}",
	"Free school meals for my children {NAME} and {NAME}? My NI number is {NINO}",
	"Can my son {NAME} get help with travel to college? Email me at {EMAIL} or ring {PHONE}",
	// Money and payments.
	"I paid the invoice with card {CARD} but it says unpaid",
	"Can I pay my care contribution by direct debit? Sort code {SORT}, account number {ACCT}",
	"please refund to sort code {SORT} account {ACCT}, account holder {FULLNAME}",
	"I was charged twice on my visa {CARD} for the library fine",
	"my council tax account is {CTAX}, why has my bill gone up by {PRICE}?",
	"Council tax reference {CTAX} - I moved out of {ADDR} in {YEAR}",
	"The UPRN for my house is {UPRN}, can you check my bin collection day?",
	"Application {CASE} for a dropped kerb, how long does it take?",
	"My passport number is {PASSPORT}, do you need it for the registration appointment?",
	"For the ID check: passport {PASSPORT}, expires {YEAR}",
	// Digital and admin.
	"I can't log in to my account, my IP is {IP} and it says blocked",
	"The form rejected me from {IP}, my email is {EMAIL}",
	"Staff note: resident {FULLNAME} called from {PHONE} re missed bin at {ADDR}.",
	"Comment: spoke to Mr {SURNAME} ({PHONE}), wants a callback about case {CASE}",
	"Change of address for {FULLNAME}: now {ADDR}, {TOWN}, {PC}",
	"Please update my email to {EMAIL} and my mobile to {PHONE}",
	"I'm {NAME} and I'm {AGE}, born {DOB}. Am I eligible for the warm homes grant?",
	"Dear Sir, my neighbour at {ADDR} is burning rubbish every night. Regards, {FULLNAME}",
	"Thanks for your help. Kind regards, {FULLNAME}",
	"my name's {NAME}, i live in {TOWN}, postcode {PC}",
	"Hiya it's {NAME} again, did you get my email from {EMAIL}?",
	"My postcode is {PC}, when is the recycling centre open?",
	"Who do I contact about the flooding on {STREET}? Im at {ADDR}",
	"Fly tipping at the back of {ADDR} {PC}, please send someone",
	"I'm ringing for my {REL} {FULLNAME}, {AGE}, DOB {DOB}",
	"Mum is aged {AGE} ({DOB}) and lives alone at {ADDR}",
	"Please send the forms to {ADDR}, {TOWN}, {PC} FAO {FULLNAME}",
	"Our address is {ADDR}, {PC} and my phone is {PHONE}",
	"Can I get a copy of my data? I'm {FULLNAME}, {EMAIL}, NHS {NHS}",
	"My son is called {NAME} and he is {N}, can he go to the holiday club?",
	"Name: {FULLNAME}\nAddress: {ADDR}\nPostcode: {PC}\nTel: {PHONE}",
	"i need to report a change, NI {NINO}, new number {PHONE}",
	"Hi, my name is {FULLNAME}. My card {CARD} was declined for the parking permit.",
	"parking permit for {REG} at {ADDR} please",
	"I am {FULLNAME} and I want to complain about how my {REL}'s care was handled",
	"Contact details: {EMAIL} / {PHONE}",
	"Dr {SURNAME} at the surgery said to contact you about my {REL}'s care",
	"Is there help for carers? I look after my {REL} {NAME} who is {N}.",
	// Mentions of the council's own contact points (public: not labelled).
	"I rang {COUNCIL} but nobody answered, my number is {PHONE}",
	"Is {COUNCIL} the right number for adult social care?",
	"Should I send it to County Hall, Glenfield, Leicester, LE3 8RA or email informationgovernance@leics.gov.uk?",
}

// corpusNegatives hold no personal data, only look-alikes: prices, times, years, road and
// bus route numbers, event references, dates that are not dates of birth.
var corpusNegatives = []string{
	"How much is a replacement bin? Is it still {PRICE}?",
	"What time does the recycling centre in {TOWN} open? Is it {TIME}?",
	"Are the libraries open on bank holidays in {YEAR}?",
	"The {BUS} bus from {TOWN} was {N} minutes late again",
	"Is the {ROAD} going to be gritted tonight?",
	"I have a question about event {EVENT}, is it still on?",
	"My appointment is on {FDATE} at {TIME}, can I move it?",
	"How do I apply for a dropped kerb and how much does it cost? I saw {PRICE} online",
	"Which bin goes out on {FDATE}?",
	"When is the next council meeting? The agenda said item {N}",
	"The streetlight on {STREET} in {TOWN} has been out for {N} days",
	"Can I book the hall for {N} people on {FDATE}?",
	"Is the {ROAD} open between junction {N} and {N}?",
	"How many hours of care is {N} visits a week?",
	"What is the council tax band D charge for {YEAR}?",
	"Do you still run the {BUS} service on Sundays after {TIME}?",
	"The library fine was {PRICE}, can I pay online?",
	"Where can I find the privacy notice for the chatbot?",
	"Is there a charge for the tip if I have a van?",
	"I tried to call {COUNCIL} about the potholes on {STREET}",
	"The council's number {COUNCIL} is engaged all day",
	"Room {N} at County Hall, is it accessible?",
	"Who runs the park and ride at {TOWN}? It costs {PRICE} for {N} people",
	"The road works on {STREET} started at {TIME} and it's {YEAR}, not acceptable",
	"Does ticket {EVENT} cover parking?",
	"What are the opening times at Loughborough library on {FDATE}?",
	"Is the {ROAD} closed near {TOWN}?",
	"My grandson is {N} and wants to volunteer, what is available?",
	"Please can someone fix the sign at the corner of {STREET} and {STREET}",
	"How much is a parking permit for a year? Is it {PRICE} or more?",
	"There are {N} potholes between {STREET} and the {ROAD} roundabout",
	"is the household waste site at {TOWN} open at {TIME} on {FDATE}?",
}

func renderTemplate(g *gen, tpl string) labelled {
	g.setDOB()
	var b strings.Builder
	var ents []labelSpan
	for {
		i := strings.IndexByte(tpl, '{')
		if i < 0 {
			b.WriteString(tpl)
			break
		}
		j := strings.IndexByte(tpl[i:], '}') + i
		b.WriteString(tpl[:i])
		text, typ := g.slot(tpl[i+1 : j])
		if typ != "" {
			ents = append(ents, labelSpan{Type: typ, Start: b.Len(), End: b.Len() + len(text)})
		}
		b.WriteString(text)
		tpl = tpl[j+1:]
	}
	if ents == nil {
		ents = []labelSpan{}
	}
	return labelled{Text: b.String(), Entities: ents}
}

func generateCorpus() []labelled {
	g := &gen{r: rand.New(rand.NewPCG(20261123, 4))}
	var out []labelled
	for round := 0; round < 7; round++ {
		for _, tpl := range corpusTemplates {
			out = append(out, renderTemplate(g, tpl))
		}
		if round < 5 {
			for _, tpl := range corpusNegatives {
				out = append(out, renderTemplate(g, tpl))
			}
		}
	}
	for _, h := range handwritten {
		out = append(out, renderHandwritten(h))
	}
	return out
}

func TestGenerateCorpus(t *testing.T) {
	if !*updateCorpus {
		t.Skip("run with -update-corpus to rewrite " + corpusPath)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, m := range generateCorpus() {
		if err := enc.Encode(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(corpusPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	for _, h := range heldout {
		if err := enc.Encode(renderHandwritten(h)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(heldoutPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

const heldoutPath = "../../testdata/pii/heldout.jsonl"

// handwritten are messages written one by one, not from templates, to test the detector on
// phrasing it was not built around. [[type|value]] marks a labelled entity.
var handwritten = []string{
	"hi there, its about my mum [[name|Edna]], she's 91 and fell last week. can someone visit? we're at [[address|3 Beech Close]], [[postcode|LE18 2QT]]",
	"NHS no. [[nhs_number|401 023 2137]] - please pass to the OT team",
	"I rang 101 and they said ring you. my number [[phone|07700 900461]]",
	"My daughter's name is [[name|Lily-Mae]] and she is 6, can she get a bus pass?",
	"Re: [[ref:case-reference|CAS-882310]]. Still waiting for a reply after 3 weeks!!!",
	"email: [[email|p.okoro@example.co.uk]] tel: [[phone|0116 496 0872]]",
	"Can I get help paying for a funeral? My husband [[name|Derek]] passed away on 2 March.",
	"Please note new address [[address|27 Forest Rise]], [[postcode|le6 0ab]] from Monday",
	"the bin men missed [[address|14a Main Street]] AGAIN",
	"Hello my name is [[name|Parveen Akhtar]] I need to cancel my mums care, her DOB is [[date_of_birth|04/07/1938]]",
	"We paid £45.00 on 12/05/2026 for the garden waste permit and haven't had a sticker",
	"Is the number 58 bus diverted because of the A6 works at Kibworth?",
	"Ticket ref EV-2025-0419 for the Bosworth event, can I get a refund?",
	"NI: [[national_insurance_number|JG 10 38 47 A]]",
	"my ni number is [[national_insurance_number|jm246813d]] do you need anything else",
	"I'm [[name|Callum]], I'm 17 and I'm a young carer for my Mum",
	"this is [[name|Tracey]] from [[address|8 Orchard Way]], the fence is down",
	"Card ending 4242 was charged twice, can you refund?",
	"Pay by card [[payment_card|4929 1234 5678 9007]] expiry 09/28",
	"I typed 4929 1234 5678 9006 but the form says the card number is wrong",
	"pls ring [[phone|+44 7700 900318]] after 5pm",
	"I moved from [[address|52 Ashby Road]] Loughborough to [[address|9 Cedar Grove]] Shepshed in 2023",
	"School admissions for [[name|Oscar Brennan]] born [[date_of_birth|19 August 2019]]",
	"What's the phone number for the registration office? Is it [[phone|0116 305 6565]]? (not declared in the policy, so redacted)",
	"I've been waiting since 9:15 for the Hinckley Road roadworks to finish",
	"DOB [[date_of_birth|12.11.1949]], NHS [[nhs_number|4505577104]], name [[name|Frank]]",
	"My UPRN is [[ref:uprn|100031234567]] according to the land registry",
	"council tax a/c [[ref:council-tax-account|40182736]] - direct debit failed",
	"The car parked across my drive is [[vehicle_registration|LB07 SEO]], it's been there 3 days",
	"number plate [[vehicle_registration|K815 NRT]] abandoned on Welford Place",
	"I live on London Road, is my street in the clean air zone?",
	"Mr [[name|Adeyemi]] needs an interpreter for the assessment",
	"Can I speak to someone about my son [[name|Tyler]]'s EHCP?",
	"Kind regards,\n[[name|Janet Marsh]]",
	"Cheers, [[name|Dave]]",
	"My address is [[address|Apartment 4, 61 Granby Street]], [[postcode|LE1 6FB]]",
	"We had 40mm of rain and the drain at junction 22 is blocked",
	"Opening times for Coalville library please, is it 9 till 5?",
	"Please check my account, sort code [[sort_code|30-94-57]], acc no [[bank_account|00412345]]",
	"The IP [[ip_address|203.0.113.77]] keeps getting captcha errors on your site",
	"Version 2.4.1 of the app crashes on my phone",
	"My licence [[driving_licence|JOHNS 801225 AB9CD]] was sent to the wrong address",
	"Send it to my work email [[email|sam.king@example.org]] not the old one",
	"hi, im [[name|Kelly]] my landline is [[phone|0121 496 0277]]",
	"Could you tell me if 2026 council tax bills have gone out?",
	"There's a dead badger on the A47 near Houghton, about 200 yards past the garage",
	"Contact my social worker [[name|Anita Shah]] on [[phone|0161 496 0925]] please",
	"My granddad [[name|Wilf]] is 88 ([[date_of_birth|3/2/1938]]) and cannot manage stairs",
	"Room 12 at the Symington Building, 10:00 meeting",
	"I paid £1,234.56 for the care home in March, invoice INV-778812",
	"My passport [[passport|533482671]] is with the Home Office, can I use my driving licence?",
	"My son [[name|Ethan]] and daughter [[name|Grace]] need school places",
	"Who do I contact about my father, [[name|Leonard Price]]? He lives at [[address|112 Uppingham Road]]",
	"We are at [[postcode|LE4 9HA]], is there a food bank near us?",
	"Could you send the form to flat 2 please",
	"the postcode for County Hall is LE3 8RA right?",
	"Call us on 0116 232 3232",
	"Phone 0303 123 1113 for the ICO",
	"I was born in 1962, do I qualify for a bus pass yet?",
	"my date of birth is the [[date_of_birth|4th of May 1977]] not 1978",
	"dropped kerb application [[ref:case-reference|APP-552190]] was refused, why?",
	"I'll be in the office between 2 and 4 on Thursday",
	"Tel [[phone|(0116) 496 0193]] or mobile [[phone|07700900872]]",
	"Hello, this is [[name|Mohammed Iqbal]], my Nan needs help with shopping",
	"My case worker said to quote [[ref:case-reference|ASC-109284]] when I call",
}

// renderHandwritten turns [[type|value]] markup into a labelled message.
func renderHandwritten(s string) labelled {
	var b strings.Builder
	ents := []labelSpan{}
	for {
		i := strings.Index(s, "[[")
		if i < 0 {
			b.WriteString(s)
			break
		}
		j := strings.Index(s[i:], "]]") + i
		b.WriteString(s[:i])
		typ, val, _ := strings.Cut(s[i+2:j], "|")
		ents = append(ents, labelSpan{Type: typ, Start: b.Len(), End: b.Len() + len(val)})
		b.WriteString(val)
		s = s[j+2:]
	}
	return labelled{Text: b.String(), Entities: ents}
}

// heldout are messages written after the detector was finished and never used to tune it:
// testdata/pii/heldout.jsonl, reported separately (TestQualityHeldOut) as an estimate for
// unseen text. After the first run three labelling mistakes were corrected (an NHS number
// written with a wrong check digit, a title inside a name span, a baby's date of birth left
// unlabelled); the detector was not changed for them.
var heldout = []string{
	"Hi, my mother [[name|Gladys Pearson]] has been discharged from the LRI and needs a care package. Her NHS number is [[nhs_number|485 777 3457]].",
	"can u ring me back on [[phone|07700 900 512]] pls its about my housing benefit",
	"I need to change the address on my blue badge to [[address|41 Jubilee Road]], [[postcode|LE11 5AT]]",
	"What are the bin days for [[postcode|LE17 4DW]]?",
	"My name's [[name|Craig]] and I want to report a dog fouling problem near the school",
	"Reference [[ref:case-reference|CAS-310977]] - nobody has been out to fix the light yet",
	"Please can you email the assessment to [[email|helen.w@example.net]]",
	"I'm trying to register my son's birth, he was born on [[date_of_birth|2 May 2026]], what do I need?",
	"my dad [[name|Ron]] is 79 and keeps falling, is there any equipment that can help?",
	"the A426 at Dunton Bassett is flooded again, 3rd time this month",
	"Can I pay £75 for the garden bin by card over the phone?",
	"Our UPRN is [[ref:uprn|200003198765]], the planning portal says it doesn't exist",
	"Driving licence no. [[driving_licence|PEARS707152GM9XK]] - for the blue badge",
	"My National Insurance number is [[national_insurance_number|NH 73 52 19 B]]",
	"Hello I'm [[name|Agata Zielinska]], I need a translator for my meeting on Tuesday at 2pm",
	"Bus 17 didn't turn up at 7.40 this morning, is the route changing?",
	"Please phone my daughter [[name|Rachel]] on [[phone|0116 496 0717]] rather than me",
	"I think the council sent the letter to [[address|18 Grange Drive]] instead of 81",
	"Account name Mr [[name|P Singh]], sort code [[sort_code|40-47-84]], account [[bank_account|70872311]]",
	"He was born [[date_of_birth|14/02/1961]] and his NI number is [[national_insurance_number|PE461927A]]",
	"I got a PCN for my car [[vehicle_registration|FT19 WLU]] on Belvoir Street but I was loading",
	"Card number [[payment_card|5425 2334 3010 9903]], I need a refund for the course I cancelled",
	"Is there a Saturday opening at Shepshed library? Last time I went it was shut at 11",
	"My grandson [[name|Kai]] needs a school place for Year 7 in 2027",
	"Email from [[email|d.ohara@example.com]]: my neighbour's tree is over the footpath on Park Lane",
	"Tel: [[phone|+44 116 496 0555]]",
	"Can I book the registry office for 14 March 2027?",
	"hi its [[name|Maureen]] from [[address|Flat 7, 2 Regent Street]], the heating in the block has failed",
	"My husband ([[date_of_birth|05/11/1947]]) is 78 and can't use the bus any more",
	"My passport number is [[passport|109876543]] and it expires next year",
	"IP address [[ip_address|198.51.100.23]] was blocked from the payments page",
	"Please update: [[name|Yasmin Hussain]], [[address|6 Tudor Close]], [[postcode|LE9 6PQ]], [[phone|07700 900219]]",
	"How many Leicestershire libraries open on Sundays? I counted 4",
	"The council tax for band B in Blaby is £1,745 a year?",
	"my council tax acc is [[ref:council-tax-account|52019384]] and I've paid twice",
	"Who is the councillor for Oadby? I live at [[address|3 Brabazon Road]]",
	"Thank you, [[name|Priti]]",
	"My brother [[name|Sanjay]] has autism and needs respite care, he's 24",
	"Event ref LF-2026-118, can I bring a wheelchair?",
	"I'm [[name|George]], 84, born [[date_of_birth|7 July 1941]], do I need to reapply for my bus pass?",
	"My email is [[email|george_h1941@example.org]] and my landline is [[phone|0116 496 0391]]",
	"Is 0116 232 3232 open on bank holidays?",
	"The lights at junction 21A of the M1 have been out for a week",
	"School transport for [[name|Alfie Moss]], [[address|27 Sycamore Avenue]], Syston",
}
