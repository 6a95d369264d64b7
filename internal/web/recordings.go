package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/quality"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/rights"
)

// Recordings in the console: search, a purpose before playing, playback
// with seeking (HTTP Range over the encrypted store), legal holds.

func (s *Server) recordingAreas(p *auth.Principal) []policy.ServiceArea {
	var out []policy.ServiceArea
	if sys, ok := s.Policy().System(recording.System); ok {
		for _, a := range sys.ServiceAreas {
			if recording.CanOpen(p, a.ID) {
				out = append(out, a)
			}
		}
	}
	return out
}

func (s *Server) recordingsPage(w http.ResponseWriter, r *http.Request) error {
	return s.listRecordings(w, r, r.URL.Query(), "")
}

// recordingsByNumber searches by the caller's number, which arrives in a
// POST body so it never appears in a URL, a log line or browser history.
func (s *Server) recordingsByNumber(w http.ResponseWriter, r *http.Request) error {
	number := strings.TrimSpace(r.PostForm.Get("number"))
	if number == "" {
		return s.listRecordings(w, r, url.Values{}, " ")
	}
	return s.listRecordings(w, r, url.Values{}, number)
}

func (s *Server) listRecordings(w http.ResponseWriter, r *http.Request, q url.Values, number string) error {
	p := principalFrom(r)
	pg := &page{Title: "Call recordings", Values: url.Values{}}
	for _, k := range []string{"service_area", "direction", "from", "to", "agent", "min_minutes"} {
		pg.Values.Set(k, q.Get(k))
	}
	f := recording.Filter{ServiceArea: q.Get("service_area"), Direction: q.Get("direction"), AgentID: strings.TrimSpace(q.Get("agent")), Limit: 100}
	date := func(field string) time.Time {
		v := q.Get(field)
		if v == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", v, time.Local)
		if err != nil {
			pg.Errors = append(pg.Errors, fieldError{field, "Enter a date like 2026-11-23"})
		}
		return t
	}
	f.From = date("from")
	if to := date("to"); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1)
	}
	if v := q.Get("min_minutes"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			pg.Errors = append(pg.Errors, fieldError{"min_minutes", "Enter a whole number of minutes"})
		}
		f.MinDuration = time.Duration(n) * time.Minute
	}
	var recs []recording.Recording
	if len(pg.Errors) == 0 {
		var err error
		recs, err = s.Recordings.Search(r.Context(), p, f, number)
		if fe, ok := inputError(err); ok {
			pg.Errors = append(pg.Errors, fieldError{fe.Field, "Enter a telephone number, like 0116 496 0000"})
		} else if err != nil {
			return err
		}
	}
	pg.Data = struct {
		Recordings   []recording.Recording
		Areas        []policy.ServiceArea
		NumberSearch bool
	}{recs, s.recordingAreas(p), p.Is(auth.InformationGovernance)}
	return s.render(w, r, "recordings", pg)
}

type recordingView struct {
	Recording      recording.Recording
	Recipients     []policy.Recipient
	Bases          []rights.Option
	DisclosureLink string
	Purposes       []recording.Purpose
	AudioURL       string
	PurposeName    string
	CanHold        bool
	Holds          []recording.Hold
	Exemptions     []recording.Exemption
	Waveform       *waveform
	// Quality monitoring and training (nil without the quality service).
	Quality *recordingQuality
}

// recordingQuality is the recording page's quality part: the scoring form
// once the call is opened for quality monitoring, the team leader's
// training and calibration forms, and the call's evaluations.
type recordingQuality struct {
	Form        *evaluationForm
	Lead        bool
	Scorecards  []quality.Scorecard // of the call's area, for calibration
	Evaluations []quality.Evaluation
}

// recordingShown is what one request adds to the recording page: a player granted for a
// purpose, or the disclosure link just made.
type recordingShown struct {
	audioURL, purpose string
	disclosureLink    string
}

// renderRecording renders the recording page; information governance also sees the holds and
// what a disclosure needs.
func (s *Server) renderRecording(w http.ResponseWriter, r *http.Request, pg *page, rec recording.Recording, shown recordingShown) error {
	p := principalFrom(r)
	v := recordingView{Recording: rec, Purposes: s.Recordings.Purposes(), AudioURL: shown.audioURL,
		DisclosureLink: shown.disclosureLink, CanHold: p.Is(auth.InformationGovernance)}
	for _, pp := range v.Purposes {
		if pp.ID == shown.purpose {
			v.PurposeName = pp.Name
		}
	}
	peaks, err := s.Recordings.Waveform(r.Context(), p, rec.ID)
	if err != nil {
		return err
	}
	v.Waveform = newWaveform(peaks, rec.Duration)
	if s.Quality != nil && p.Is(auth.TeamLeader, auth.QualityAssessor) {
		if v.Quality, err = s.recordingQuality(r, rec, shown.purpose); err != nil {
			return err
		}
	}
	if clip := r.FormValue("clip"); v.AudioURL != "" && clipRe.MatchString(clip) {
		v.AudioURL += "#" + clip // the player plays only the training clip
	}
	if v.CanHold {
		if sys, ok := s.Policy().System(recording.System); ok {
			v.Recipients = sys.Recipients
		}
		v.Bases = asOptions(recording.DisclosureBases)
		holds, err := s.Recordings.Holds(r.Context(), rec.ID)
		if err != nil {
			return err
		}
		v.Holds = holds
		if v.Exemptions, err = s.Recordings.Exemptions(r.Context(), rec.ID); err != nil {
			return err
		}
	}
	pg.Title, pg.Data = "Call recording", v
	return s.render(w, r, "recording", pg)
}

func (s *Server) recordingPage(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.Recordings.Get(r.Context(), principalFrom(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	pg := &page{Values: url.Values{}}
	for _, k := range []string{"clip", "scorecard", "calibration", "exp", "grant"} {
		pg.Values.Set(k, q.Get(k))
	}
	return s.renderRecording(w, r, pg, rec, recordingShown{audioURL: s.audioURL(r, rec.ID, q), purpose: q.Get("purpose")})
}

// audioURL is the player's address when v (a query or a form) holds a
// valid grant for recording id, else "".
func (s *Server) audioURL(r *http.Request, id string, v url.Values) string {
	if !s.validGrant(r, id, v.Get("purpose"), v.Get("exp"), v.Get("grant")) {
		return ""
	}
	return "/console/recordings/" + id + "/audio?" + url.Values{"purpose": {v.Get("purpose")}, "exp": {v.Get("exp")}, "grant": {v.Get("grant")}}.Encode()
}

// A grant lets one session play one recording for one purpose for a short
// while, so the many Range requests of a player are covered by the single
// audited Authorize.
const grantTTL = 30 * time.Minute

func (s *Server) grant(r *http.Request, id, purpose string, exp int64) string {
	return s.mac("play:" + principalFrom(r).SessionID + ":" + id + ":" + purpose + ":" + strconv.FormatInt(exp, 10))
}

func (s *Server) validGrant(r *http.Request, id, purpose, exp, grant string) bool {
	e, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || grant == "" || time.Now().Unix() > e {
		return false
	}
	return grant == s.grant(r, id, purpose, e)
}

func (s *Server) openRecording(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r)
	id, purpose := r.PathValue("id"), r.PostForm.Get("purpose")
	rec, err := s.Recordings.Authorize(r.Context(), p, id, purpose)
	if _, ok := inputError(err); ok {
		rec, err := s.Recordings.Get(r.Context(), p, id)
		if err != nil {
			return err
		}
		return s.renderRecording(w, r, &page{Errors: []fieldError{{"purpose", "Choose why you are opening this recording"}}}, rec, recordingShown{})
	}
	if err != nil {
		return err
	}
	exp := time.Now().Add(grantTTL).Unix()
	v := url.Values{"purpose": {purpose}, "exp": {strconv.FormatInt(exp, 10)}, "grant": {s.grant(r, rec.ID, purpose, exp)}}
	for _, k := range []string{"clip", "scorecard", "calibration"} { // carried to the page, checked there
		if x := r.PostForm.Get(k); x != "" {
			v.Set(k, x)
		}
	}
	http.Redirect(w, r, "/console/recordings/"+rec.ID+"?"+v.Encode(), http.StatusSeeOther)
	return nil
}

func (s *Server) recordingAudio(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	id := r.PathValue("id")
	if !s.validGrant(r, id, q.Get("purpose"), q.Get("exp"), q.Get("grant")) {
		return &statusError{http.StatusForbidden, "The link to listen has expired or is not yours. Open the recording again and say why."}
	}
	pb, err := s.Recordings.Playback(r.Context(), principalFrom(r), id)
	if err != nil {
		return err
	}
	servePlayback(w, r, pb)
	return nil
}

// servePlayback streams decrypted audio with Range support, never cached.
func servePlayback(w http.ResponseWriter, r *http.Request, pb *recording.Playback) {
	defer pb.Close()
	w.Header().Set("Content-Type", pb.MediaType)
	w.Header().Set("Cache-Control", "no-store")
	http.ServeContent(w, r, "", pb.ModTime, pb)
}

func (s *Server) placeHold(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r)
	rec, err := s.Recordings.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	review, perr := time.ParseInLocation("2006-01-02", r.PostForm.Get("review_at"), time.Local)
	pg := &page{Values: r.PostForm}
	if perr != nil {
		pg.Errors = []fieldError{{"review_at", "Enter the review date, like 2027-05-01"}}
		return s.renderRecording(w, r, pg, rec, recordingShown{})
	}
	_, err = s.Recordings.PlaceHold(r.Context(), p.Actor(), rec.ID, r.PostForm.Get("reason"), review)
	if fe, ok := inputError(err); ok {
		pg.Errors = []fieldError{fe}
		return s.renderRecording(w, r, pg, rec, recordingShown{})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/recordings/"+rec.ID, http.StatusSeeOther)
	return nil
}

func (s *Server) releaseHold(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r)
	rec, err := s.Recordings.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	hid, err := strconv.ParseInt(r.PathValue("hold"), 10, 64)
	if err != nil {
		return errNotFound
	}
	if err := s.Recordings.ReleaseHold(r.Context(), p.Actor(), hid, rec.ID); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/recordings/"+rec.ID, http.StatusSeeOther)
	return nil
}

func (s *Server) discloseRecording(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r)
	rec, err := s.Recordings.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	f := r.PostForm
	_, token, err := s.Recordings.Disclose(r.Context(), p, rec.ID, recording.DisclosureRequest{Recipient: f.Get("recipient"),
		LawfulBasis: f.Get("lawful_basis"), Reason: f.Get("disclosure_reason"), Reference: f.Get("reference")})
	if fe, ok := inputError(err); ok {
		if fe.Field == "reason" {
			fe.Field = "disclosure_reason"
		}
		return s.renderRecording(w, r, &page{Values: f, Errors: []fieldError{fe}}, rec, recordingShown{})
	}
	if err != nil {
		return err
	}
	return s.renderRecording(w, r, &page{}, rec, recordingShown{disclosureLink: s.BaseURL + "/disclosures/" + token})
}

func (s *Server) disclosuresPage(w http.ResponseWriter, r *http.Request) error {
	ds, err := s.Recordings.Disclosures(r.Context(), 500)
	if err != nil {
		return err
	}
	staff, err := s.Auth.StaffNames(r.Context())
	if err != nil {
		return err
	}
	return s.render(w, r, "disclosures", &page{Title: "Disclosure register", Data: ds, Staff: staff})
}

// The recipient's side: a page, then a POST that spends the link, so link
// scanners in mail systems (which only GET) cannot use it up.
func (s *Server) collectPage(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	return s.render(w, r, "collect", &page{Title: "Collect a call recording", Data: "/disclosures/" + r.PathValue("token")})
}

// collect streams the recording to the recipient. The link is spent only
// when the whole file was written: a download that fails or is too slow
// (DownloadLimits, enforced with a write deadline) gives the link back, and
// while one download holds the link no other can start, in this process or
// another sharing the database.
func (s *Server) collect(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Recordings.CollectDisclosure(r.Context(), r.PathValue("token"), s.DownloadLimits.For)
	switch {
	case errors.Is(err, recording.ErrLinkSpent):
		return &statusError{http.StatusGone, "This download link has been used or has expired. Ask the council's information governance team for a new one."}
	case errors.Is(err, recording.ErrLinkBusy):
		return &statusError{http.StatusConflict, "This recording is being downloaded with this link right now. If that download does not finish, the link works again in a few minutes."}
	case err != nil:
		return err
	}
	defer c.Close()
	ctx := context.WithoutCancel(r.Context())
	rc := http.NewResponseController(w)
	if err := rc.SetWriteDeadline(time.Now().Add(s.DownloadLimits.For(c.Size))); err != nil {
		// Without a deadline the claim on the link could lapse mid-transfer.
		return errors.Join(fmt.Errorf("disclosure download: set write deadline: %w", err), c.Abort(ctx))
	}
	ext := map[string]string{"audio/wav": ".wav", "audio/mpeg": ".mp3", "audio/ogg": ".opus"}[c.MediaType]
	w.Header().Set("Content-Type", c.MediaType)
	w.Header().Set("Content-Disposition", `attachment; filename="disclosure-`+strconv.FormatInt(c.Disclosure.ID, 10)+ext+`"`)
	w.Header().Set("Content-Length", strconv.FormatInt(c.Size, 10))
	w.Header().Set("Cache-Control", "no-store")
	n, err := io.Copy(w, c)
	if err == nil && n != c.Size {
		err = io.ErrUnexpectedEOF
	}
	if err == nil {
		err = rc.Flush() // the last bytes must have left the server's buffer
	}
	s.finishTransfer(ctx, c, "disclosure", err, "disclosure", c.Disclosure.ID, "sent", n, "size", c.Size)
	return nil // the headers are sent: a short body tells the client
}

// transfer is a download through a single-use link (recording.Link): a
// disclosure's collection or a rights package's.
type transfer interface {
	Complete(context.Context) error
	Abort(context.Context) error
}

// finishTransfer spends the link of a download that wrote everything
// (err == nil), or gives it back after one that did not; what names it in
// the log's messages, ids in their attributes.
func (s *Server) finishTransfer(ctx context.Context, t transfer, what string, err error, ids ...any) {
	if err != nil {
		s.Logger.Warn("a "+what+" download did not finish; its link can be used again",
			append(ids, "timed_out", errors.Is(err, os.ErrDeadlineExceeded), "err", err)...)
		if aerr := t.Abort(ctx); aerr != nil {
			s.Logger.Error("could not give back a "+what+" link; it works again when its claim lapses", append(ids, "err", aerr)...)
		}
		return
	}
	if err := t.Complete(ctx); err != nil {
		s.Logger.Error("a "+what+" download finished but its link could not be marked used", append(ids, "err", err)...)
	}
}

// clipRe is a media fragment of whole or decimal seconds ("t=2,5").
var clipRe = regexp.MustCompile(`^t=\d+(\.\d+)?(,\d+(\.\d+)?)?$`)

func (s *Server) recordingQuality(r *http.Request, rec recording.Recording, purpose string) (*recordingQuality, error) {
	p := principalFrom(r)
	q := &recordingQuality{Lead: p.Is(auth.TeamLeader)}
	var err error
	if purpose == quality.PurposeQuality {
		if q.Form, err = s.evaluationFormFor(r, rec.ServiceArea); err != nil {
			return nil, err
		}
	}
	all, err := s.Quality.Scorecards(r.Context(), p)
	if err != nil {
		return nil, err
	}
	for _, sc := range all {
		if sc.ServiceArea == rec.ServiceArea {
			q.Scorecards = append(q.Scorecards, sc)
		}
	}
	q.Evaluations, err = s.Quality.Evaluations(r.Context(), p, rec.ID)
	return q, err
}
