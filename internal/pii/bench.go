package pii

import (
	"regexp"
	"strings"
)

// NaiveRE is the baseline `fairline bench redact` compares against: one combined regular
// expression of the usual patterns for UK personal data, with no validation and no context. It
// finds more than it should (any 10 digits, any date) and misses names and addresses; it is
// there to show what the detector's checks cost, not as an alternative.
var NaiveRE = regexp.MustCompile(`(?i)\b(?:` +
	`[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}` + // e-mail
	`|(?:\+44\s?|0)\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}` + // UK phone
	`|\d{3}[\s-]?\d{3}[\s-]?\d{4}` + // NHS number
	`|\d{4}[\s-]?\d{4}[\s-]?\d{4}[\s-]?\d{1,4}` + // card
	`|[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]` + // NI number
	`|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}` + // postcode
	`|\d{2}-\d{2}-\d{2}` + // sort code
	`|\d{1,2}/\d{1,2}/\d{2,4}` + // date
	`|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}` + // IPv4
	`)\b`)

// NaiveRedact replaces every match of NaiveRE with "[redacted]".
func NaiveRedact(text string) string { return NaiveRE.ReplaceAllString(text, "[redacted]") }

// SampleMessages are chat-sized messages for benchmarks when no file is given: the mix of a
// council chatbot, most with no personal data, some with several items. All values are
// synthetic (Ofcom drama numbers, example.com addresses, checksum-valid invented numbers).
var SampleMessages = []string{
	"What day is my bin collection? I live in Glenfield.",
	"My NHS number is 943 476 5919 and my postcode is LE3 8RA",
	"How do I apply for a blue badge for my mum? She is 84.",
	"Hi, I'm Sarah Jones, can you call me on 07700 900461 about my carers assessment?",
	"Are the libraries open on bank holidays?",
	"The streetlight outside 12 Mill Lane, Wigston has been out for two weeks",
	"How much does a garden waste permit cost this year? Is it still £45?",
	"Please update my email to jo.bloggs@example.com, NI number AB123456C",
	"Is the A6 closed at Kibworth this weekend?",
	"My son Jack starts school in September, how do I apply for transport?",
	"I paid with card 4111 1111 1111 1111 but it says unpaid, case CAS-204518",
	"Where is the nearest recycling centre to Loughborough and when does it open?",
	"My dad was born on 12/03/1944 and needs help at home after a fall",
	"Can I pay my care contribution by direct debit? Sort code 20-00-00, account 12345678",
	"The 48 bus was 20 minutes late again this morning at 8:15",
	"Who do I talk to about a pothole on Station Road?",
	"council tax account 40182736 - my direct debit failed, call 0116 496 0872",
	"Do you offer help with energy bills for older people?",
	"My car AB12 CDE was damaged by a pothole, who do I claim from?",
	"Thanks for your help. Kind regards, Margaret Hall",
	"What are the opening hours of County Hall? Is 0116 232 3232 the right number?",
	"I need an assessment for my nan, she lives at Flat 3, 27 Station Road, LE18 2QT",
	"Is there a charge for a replacement blue bin?",
	"When is the next adult social care drop-in session in Hinckley?",
}

// Document builds a document of at least size bytes from messages, one per paragraph.
func Document(messages []string, size int) string {
	var b strings.Builder
	b.Grow(size + 1024)
	for b.Len() < size {
		for _, m := range messages {
			b.WriteString(m)
			b.WriteString("\n\n")
			if b.Len() >= size {
				break
			}
		}
	}
	return b.String()
}
