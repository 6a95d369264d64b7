package web_test

import (
	"context"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/auth"
)

// otherRoles reads the console home's "Sections for other roles" list:
// section label → the roles named as opening it.
func otherRoles(body string) map[string]string {
	out := map[string]string{}
	_, list, ok := strings.Cut(body, "Sections for other roles")
	if !ok {
		return out
	}
	list, _, _ = strings.Cut(list, "</ul>")
	for _, m := range regexp.MustCompile(`<li><strong>([^<]+)</strong>:[^<]*For: ([^<]*)\.</li>`).FindAllStringSubmatch(list, -1) {
		out[html.UnescapeString(m[1])] = html.UnescapeString(m[2])
	}
	return out
}

// TestConsoleHomeNamesOtherRolesSections: the console home tells each role
// which sections it does not open and which roles do, so the first
// administrator knows why recordings, disclosures and the audit log are
// missing.
func TestConsoleHomeNamesOtherRolesSections(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("admin@example.gov.uk", auth.Administrator)
	s.addUser("ig@example.gov.uk", auth.InformationGovernance)
	s.addUser("auditor@example.gov.uk", auth.Auditor)
	for _, tt := range []struct {
		email  string
		want   map[string]string
		absent []string
	}{
		{"admin@example.gov.uk", map[string]string{
			"Recordings":  "Team leader, Quality assessor or Information governance",
			"Disclosures": "Information governance or Auditor",
			"Audit log":   "Information governance or Auditor",
		}, []string{"Users", "API tokens", "Policy", "Home", "Your account"}},
		{"ig@example.gov.uk", map[string]string{"Users": "Administrator", "API tokens": "Administrator"},
			[]string{"Recordings", "Disclosures", "Audit log", "Policy"}},
		{"auditor@example.gov.uk", map[string]string{
			"Recordings":      "Team leader, Quality assessor or Information governance",
			"Knowledge base":  "Information governance or Administrator",
			"Chatbot reports": "Team leader, Information governance or Administrator",
		}, []string{"Audit log", "Disclosures"}},
	} {
		t.Run(tt.email, func(t *testing.T) {
			status, body, _ := s.get(s.signIn(tt.email), "/console")
			if status != 200 {
				t.Fatalf("console home: %d", status)
			}
			got := otherRoles(body)
			for label, roles := range tt.want {
				if got[label] != roles {
					t.Errorf("%s: for %q, want %q (all: %v)", label, got[label], roles, got)
				}
			}
			for _, label := range tt.absent {
				if _, ok := got[label]; ok {
					t.Errorf("%s is listed for other roles, but this role opens it", label)
				}
			}
		})
	}
}

// TestTokenPageSaysHowToSendIt: the API tokens page tells the
// administrator to send the token as Authorization: Bearer.
func TestTokenPageSaysHowToSendIt(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("admin@example.gov.uk", auth.Administrator)
	_, body, _ := s.get(s.signIn("admin@example.gov.uk"), "/console/tokens")
	body = html.UnescapeString(body)
	for _, want := range []string{"<code class=\"app-code\">Authorization: Bearer</code>", `-H "Authorization: Bearer $FAIRLINE_TOKEN"`, "docs/api.md"} {
		if !strings.Contains(body, want) {
			t.Errorf("token page lacks %q", want)
		}
	}
}

// TestForcedPasswordChangeSaysWhy: a user who signs in with a one-time
// password is told why they must choose another; others are not.
func TestForcedPasswordChangeSaysWhy(t *testing.T) {
	s := newSite(t, siteOpts{})
	s.addUser("own@example.gov.uk", auth.Agent)
	_, oneTime, err := s.app.Auth.CreateUser(context.Background(), "system", auth.NewUser{Email: "new@example.gov.uk", Role: string(auth.Agent)})
	if err != nil {
		t.Fatal(err)
	}
	c := s.client()
	_, _, token := s.get(c, "/sign-in")
	resp := s.post(c, "/sign-in", url.Values{"csrf_token": {token}, "email": {"new@example.gov.uk"}, "password": {oneTime}})
	if loc := resp.Header.Get("Location"); loc != "/console/account" {
		t.Fatalf("sign-in with a one-time password went to %q", loc)
	}
	why := "You signed in with a one-time password that someone else created"
	if _, body, _ := s.get(c, "/console/account"); !strings.Contains(body, why) {
		t.Errorf("the forced password change does not say why:\n%s", body)
	}
	if _, body, _ := s.get(s.signIn("own@example.gov.uk"), "/console/account"); strings.Contains(body, why) {
		t.Error("a user with their own password is told to change it")
	}
}
