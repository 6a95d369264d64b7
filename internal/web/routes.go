package web

import (
	"net/http"
	"strings"

	"github.com/fairline/fairline/internal/auth"
)

var (
	public = auth.Public
	staff  = auth.AnyStaff
	roles  = auth.OnlyRoles
)

type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// route is one entry of the route table.
type route struct {
	pattern string // ServeMux pattern with method
	sample  string // a concrete path for patterns with wildcards (tests walk it)
	access  auth.Rule
	handle  handlerFunc
	nav     string // label in the console navigation, if any
	help    string // one line on the console home page
	// allowMustChange lets a user who must change their password use the
	// route (the account page and sign-out).
	allowMustChange bool
}

// Routes lists the route table for tests: pattern, a concrete path, and
// whether it is public.
func (s *Server) Routes() []RouteInfo {
	out := make([]RouteInfo, len(s.routes))
	for i, rt := range s.routes {
		out[i] = RouteInfo{Pattern: rt.pattern, Sample: rt.sample}
	}
	return out
}

// RouteInfo describes a route for tests and documentation.
type RouteInfo struct{ Pattern, Sample string }

func (s *Server) routeTable() []route {
	ig, admin, auditor := auth.InformationGovernance, auth.Administrator, auth.Auditor
	tl, qa, agent := auth.TeamLeader, auth.QualityAssessor, auth.Agent
	return []route{
		// Public pages.
		{pattern: "GET /{$}", access: public, handle: s.home},
		{pattern: "GET /privacy", access: public, handle: s.privacyIndex},
		{pattern: "GET /privacy/{system}", sample: "/privacy/chatbot", access: public, handle: s.notice},
		{pattern: "GET /static/", sample: "/static/app.css", access: public, handle: s.static},
		{pattern: "GET /healthz", access: public, handle: s.healthz},
		{pattern: "GET /readyz", access: public, handle: s.readyz},
		{pattern: "GET /transparency", access: public, handle: s.transparency},
		{pattern: "GET /ask", access: public, handle: s.askPage},
		{pattern: "POST /ask", access: public, handle: s.ask},
		{pattern: "POST /ask/feedback", access: public, handle: s.askFeedback},
		{pattern: "GET /s/{token}", sample: "/s/x", access: public, handle: s.surveyPage},
		{pattern: "POST /s/{token}", sample: "/s/x", access: public, handle: s.surveyAnswer},

		// Signing in and out.
		{pattern: "GET /sign-in", access: public, handle: s.signInPage},
		{pattern: "POST /sign-in", access: public, handle: s.signIn},
		{pattern: "GET /auth/oidc/start", access: public, handle: s.oidcStart},
		{pattern: "GET /auth/oidc/callback", access: public, handle: s.oidcCallback},
		{pattern: "POST /sign-out", access: staff, handle: s.signOut, allowMustChange: true},
		{pattern: "GET /setup", access: public, handle: s.setupPage},
		{pattern: "POST /setup", access: public, handle: s.setup},

		// Staff console.
		{pattern: "GET /console", access: staff, handle: s.consoleHome, nav: "Home"},
		{pattern: "GET /console/users", access: roles(admin), handle: s.users, nav: "Users",
			help: "Add staff accounts, set their roles and service areas, disable accounts."},
		{pattern: "GET /console/users/new", access: roles(admin), handle: s.newUserPage},
		{pattern: "POST /console/users/new", access: roles(admin), handle: s.createUser},
		{pattern: "GET /console/users/{id}", sample: "/console/users/1", access: roles(admin), handle: s.editUserPage},
		{pattern: "POST /console/users/{id}", sample: "/console/users/1", access: roles(admin), handle: s.updateUser},
		{pattern: "POST /console/users/{id}/reset-password", sample: "/console/users/1/reset-password", access: roles(admin), handle: s.resetPassword},
		{pattern: "GET /console/recordings", access: roles(tl, qa, ig), handle: s.recordingsPage, nav: "Recordings",
			help: "Find, play and hold call recordings of your service areas."},
		{pattern: "POST /console/recordings/by-number", access: roles(ig), handle: s.recordingsByNumber},
		{pattern: "GET /console/recordings/{id}", sample: "/console/recordings/x", access: roles(tl, qa, ig), handle: s.recordingPage},
		{pattern: "POST /console/recordings/{id}/open", sample: "/console/recordings/x/open", access: roles(tl, qa, ig), handle: s.openRecording},
		{pattern: "GET /console/recordings/{id}/audio", sample: "/console/recordings/x/audio", access: roles(tl, qa, ig), handle: s.recordingAudio},
		{pattern: "POST /console/recordings/{id}/holds", sample: "/console/recordings/x/holds", access: roles(ig), handle: s.placeHold},
		{pattern: "POST /console/recordings/{id}/holds/{hold}/release", sample: "/console/recordings/x/holds/1/release", access: roles(ig), handle: s.releaseHold},
		{pattern: "POST /console/recordings/{id}/disclosures", sample: "/console/recordings/x/disclosures", access: roles(ig), handle: s.discloseRecording},
		{pattern: "POST /console/recordings/{id}/legal-disclosures", sample: "/console/recordings/x/legal-disclosures", access: roles(ig), handle: s.requestLegalDisclosure},
		{pattern: "POST /console/recordings/{id}/exemptions", sample: "/console/recordings/x/exemptions", access: roles(ig), handle: s.addExemption},
		{pattern: "POST /console/recordings/{id}/exemptions/{exemption}/withdraw", sample: "/console/recordings/x/exemptions/1/withdraw", access: roles(ig), handle: s.withdrawExemption},
		{pattern: "POST /console/recordings/{id}/evaluations", sample: "/console/recordings/x/evaluations", access: roles(tl, qa), handle: s.evaluate},
		{pattern: "POST /console/recordings/{id}/clips", sample: "/console/recordings/x/clips", access: roles(tl), handle: s.addClip},
		{pattern: "POST /console/recordings/{id}/calibrations", sample: "/console/recordings/x/calibrations", access: roles(tl), handle: s.startCalibration},
		{pattern: "GET /console/quality", access: roles(agent, tl, qa), handle: s.qualityPage, nav: "Quality",
			help: "Scorecards, evaluations of calls, the calls to evaluate, calibration and the training library; agents see their own evaluations."},
		{pattern: "GET /console/quality/scorecards/new", access: roles(tl), handle: s.newScorecardPage},
		{pattern: "POST /console/quality/scorecards/new", access: roles(tl), handle: s.createScorecard},
		{pattern: "GET /console/quality/scorecards/{id}", sample: "/console/quality/scorecards/1", access: roles(tl, qa), handle: s.scorecardPage},
		{pattern: "POST /console/quality/scorecards/{id}", sample: "/console/quality/scorecards/1", access: roles(tl), handle: s.editScorecard},
		{pattern: "GET /console/quality/evaluations/{id}", sample: "/console/quality/evaluations/1", access: roles(agent, tl, qa), handle: s.evaluationPage},
		{pattern: "POST /console/quality/evaluations/{id}/respond", sample: "/console/quality/evaluations/1/respond", access: roles(agent), handle: s.respondToEvaluation},
		{pattern: "POST /console/quality/draw", access: roles(tl), handle: s.drawCalls},
		{pattern: "GET /console/quality/playlists/{id}", sample: "/console/quality/playlists/1", access: roles(tl, qa), handle: s.playlistPage},
		{pattern: "POST /console/quality/clips/{id}/play", sample: "/console/quality/clips/1/play", access: roles(tl, qa), handle: s.playClip},
		{pattern: "GET /console/quality/clips/{id}/audio", sample: "/console/quality/clips/1/audio", access: roles(tl, qa), handle: s.clipAudio},
		{pattern: "GET /console/quality/calibrations/{id}", sample: "/console/quality/calibrations/1", access: roles(tl, qa), handle: s.calibrationPage},
		{pattern: "GET /console/quality/report", access: roles(tl), handle: s.qualityReportPage, nav: "Quality reports",
			help: "Calls, evaluations and average scores of your service areas, by month, agent and criterion."},
		{pattern: "GET /console/quality/report.csv", access: roles(tl), handle: s.qualityReportCSV},
		{pattern: "GET /console/quality/agents", access: roles(admin), handle: s.agentsPage, nav: "Agents",
			help: "Link agents' accounts to their ids in the telephony system, so they see their own evaluations."},
		{pattern: "POST /console/quality/agents", access: roles(admin), handle: s.linkAgent},
		{pattern: "GET /console/disclosures", access: roles(ig, auditor), handle: s.disclosuresPage, nav: "Disclosures",
			help: "The register of recordings released to other organisations, and of disclosures required by law."},
		{pattern: "GET /console/disclosures/required-by-law", access: roles(ig, auditor), handle: s.legalDisclosuresPage},
		{pattern: "POST /console/disclosures/required-by-law/{id}/{decision}", sample: "/console/disclosures/required-by-law/1/approve", access: roles(ig), handle: s.decideLegalDisclosure},
		{pattern: "GET /disclosures/{token}", sample: "/disclosures/fld_x", access: public, handle: s.collectPage},
		{pattern: "POST /disclosures/{token}", sample: "/disclosures/fld_x", access: public, handle: s.collect},
		{pattern: "GET /console/rights", access: roles(ig, auditor), handle: s.rightsPage, nav: "Rights requests",
			help: "Residents' requests to see, move, correct, erase or restrict their data: deadlines, searches, packages, erasure."},
		{pattern: "GET /console/rights/new", access: roles(ig), handle: s.newRightsPage},
		{pattern: "POST /console/rights/new", access: roles(ig), handle: s.createRights},
		{pattern: "GET /console/rights/{id}", sample: "/console/rights/1", access: roles(ig, auditor), handle: s.rightsCase},
		{pattern: "POST /console/rights/{id}/{action}", sample: "/console/rights/1/resume", access: roles(ig), handle: s.rightsAction},
		{pattern: "GET /rights/{token}", sample: "/rights/fsr_x", access: public, handle: s.rightsCollectPage},
		{pattern: "POST /rights/{token}", sample: "/rights/fsr_x", access: public, handle: s.rightsCollect},
		{pattern: "GET /console/tokens", access: roles(admin), handle: s.tokens, nav: "API tokens",
			help: "Issue and revoke the tokens other systems use to send recordings."},
		{pattern: "POST /console/tokens", access: roles(admin), handle: s.issueToken},
		{pattern: "POST /console/tokens/{id}/revoke", sample: "/console/tokens/1/revoke", access: roles(admin), handle: s.revokeToken},
		{pattern: "GET /console/policy", access: roles(admin, ig, auditor), handle: s.policyPage, nav: "Policy",
			help: "The policy in force: retention, recipients, processors, storage; the record of processing."},
		{pattern: "GET /console/policy/ropa", access: roles(admin, ig, auditor), handle: s.ropaPage},
		{pattern: "GET /console/policy/ropa.csv", access: roles(admin, ig, auditor), handle: s.ropaCSV},
		{pattern: "GET /console/audit", access: roles(auditor, ig), handle: s.auditPage, nav: "Audit log",
			help: "Who did what and when, and proof that the log has not been altered."},
		{pattern: "POST /console/audit/verify", access: roles(auditor, ig), handle: s.auditVerify},
		{pattern: "GET /console/promises", access: roles(ig, auditor), handle: s.promisesPage, nav: "Promises",
			help: "Every promise of the privacy notices checked against what is stored and configured (fairline check)."},
		{pattern: "GET /console/kb", access: roles(admin, ig), handle: s.kbPage, nav: "Knowledge base",
			help: "The website pages the chatbot answers from: when crawled, errors, excluded paths."},
		{pattern: "POST /console/kb/excluded", access: roles(admin), handle: s.kbExclude},
		{pattern: "POST /console/kb/excluded/delete", access: roles(admin), handle: s.kbInclude},
		{pattern: "GET /console/kb/page", sample: "/console/kb/page?url=https%3A%2F%2Fwww.example-council.gov.uk%2Fbins", access: roles(admin, ig), handle: s.kbPageDetail},
		{pattern: "POST /console/kb/page/area", access: roles(admin), handle: s.setKBPageArea},
		{pattern: "GET /console/kb/vocabulary", access: roles(admin, ig), handle: s.vocabularyPage},
		{pattern: "POST /console/kb/vocabulary", access: roles(admin), handle: s.saveVocabulary},
		{pattern: "POST /console/kb/hints", access: roles(admin), handle: s.newHint},
		{pattern: "GET /console/kb/hints/{id}", sample: "/console/kb/hints/1", access: roles(admin), handle: s.editHintPage},
		{pattern: "POST /console/kb/hints/{id}", sample: "/console/kb/hints/1", access: roles(admin), handle: s.editHint},
		{pattern: "POST /console/kb/hints/{id}/delete", sample: "/console/kb/hints/1/delete", access: roles(admin), handle: s.deleteHint},
		{pattern: "GET /console/reports", access: roles(admin, ig, tl), handle: s.reportsPage, nav: "Chatbot reports",
			help: "What residents ask the chatbot, by service area; answered and helpful rates; unanswered questions."},
		{pattern: "GET /console/reports.csv", access: roles(admin, ig, tl), handle: s.reportsCSV},
		{pattern: "GET /console/surveys", access: roles(admin, ig, tl), handle: s.surveyResultsPage, nav: "Survey results",
			help: "What callers said in the feedback survey after their call, by service area and week."},
		{pattern: "GET /console/surveys.csv", access: roles(admin, ig, tl), handle: s.surveyResultsCSV},
		{pattern: "GET /console/account", access: staff, handle: s.accountPage, nav: "Your account", allowMustChange: true,
			help: "Change your password."},
		{pattern: "POST /console/account", access: staff, handle: s.changePassword, allowMustChange: true},
	}
}

type navItem struct {
	Label, Path, Help string
	Current           bool
	// Roles names who may open a section p may not ("Information
	// governance or Auditor"); set by elsewhere only.
	Roles string
}

// elsewhere lists the console sections p may not open, each with the roles
// that may, from the route table: the console home says why a section is
// missing (the first administrator sees no recordings, disclosures or
// audit log, and would not otherwise know why).
func (s *Server) elsewhere(p *auth.Principal) []navItem {
	var out []navItem
	for _, rt := range s.routes {
		roles := rt.access.Roles()
		if rt.nav == "" || rt.access.Allows(p) || len(roles) == 0 {
			continue
		}
		labels := make([]string, len(roles))
		for i, r := range roles {
			labels[i] = r.Label()
		}
		who := labels[len(labels)-1]
		if len(labels) > 1 {
			who = strings.Join(labels[:len(labels)-1], ", ") + " or " + who
		}
		out = append(out, navItem{Label: rt.nav, Path: rt.pattern[len("GET "):], Help: rt.help, Roles: who})
	}
	return out
}

// nav lists the console sections p may open, from the route table.
func (s *Server) nav(p *auth.Principal, current string) []navItem {
	if p == nil {
		return nil
	}
	var out []navItem
	for _, rt := range s.routes {
		if rt.nav == "" || !rt.access.Allows(p) {
			continue
		}
		path := rt.pattern[len("GET "):]
		out = append(out, navItem{Label: rt.nav, Path: path, Help: rt.help, Current: path == current})
	}
	return out
}
