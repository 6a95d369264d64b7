package pii

import "testing"

// The organisation's own contact points are kept only where they are the organisation's.
func TestOwnContactOfTheCouncil(t *testing.T) {
	d := corpusDetector(t) // the default policy: County Hall, Glenfield, Leicester, LE3 8RA; 0116 232 3232
	for _, c := range []struct {
		text string
		want []Type
	}{
		{"I live at LE3 8RA", []Type{Postcode}},
		{"I live at LE3 8RA, near County Hall", []Type{Postcode}},
		{"I live near County Hall, my postcode is LE3 8RA", []Type{Postcode}},
		{"we live at 12 Mill Lane, Glenfield, LE3 8RA", []Type{Address, Postcode}},
		{"my number is 0116 232 3232", []Type{Phone}},
		{"call me on 0116 232 3232 after 5", []Type{Phone}},
		{"The council's address is County Hall, Glenfield, Leicester, LE3 8RA isn't it?", nil},
		{"I'm sending the form to County Hall, Glenfield, LE3 8RA", nil},
		{"the postcode for County Hall is LE3 8RA", nil},
		{"Is 0116 232 3232 open on Sunday?", nil},
		{"Call us on 0116 232 3232", nil},
		{"I live in Glenfield. Is the postcode for County Hall LE3 8RA?", nil},
	} {
		var got []Type
		for _, e := range d.detect(c.text) {
			got = append(got, e.Type)
		}
		if len(got) != len(c.want) {
			t.Errorf("%q: found %v, want %v", c.text, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%q: found %v, want %v", c.text, got, c.want)
			}
		}
	}
}
