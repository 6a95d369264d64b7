package quality

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
)

// The purposes of the call recording notice this package acts for.
const (
	PurposeQuality  = "quality-monitoring"
	PurposeTraining = "training"
)

// ErrForbidden refuses what p's role or service areas do not allow.
var ErrForbidden = fail.New(fail.Forbidden, "you may not do this for this service area")

// Service is quality monitoring and training.
type Service struct {
	db     *store.DB
	rec    *recording.Service
	audit  *audit.Log
	policy func() *policy.Policy
	now    func() time.Time
}

// New returns a Service; now nil means time.Now.
func New(db *store.DB, rec *recording.Service, log *audit.Log, pol func() *policy.Policy, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, rec: rec, audit: log, policy: pol, now: now}
}

// Scoped roles act on their own service areas only: team leaders manage
// scorecards and the training library, quality assessors and team leaders
// evaluate and read the results.
func leads(p *auth.Principal, area string) bool {
	return p.Is(auth.TeamLeader) && p.SeesServiceArea(area)
}

func assesses(p *auth.Principal, area string) bool {
	return p.Is(auth.TeamLeader, auth.QualityAssessor) && p.SeesServiceArea(area)
}

// areasOf is the service areas p works in (TL, QA), for store filters.
func areasOf(p *auth.Principal) []string {
	if !p.Is(auth.TeamLeader, auth.QualityAssessor) {
		return []string{}
	}
	return append([]string{}, p.ServiceAreas...)
}

// Scorecard is one version with its criteria decoded.
type Scorecard struct {
	store.Scorecard
	Items []Criterion
}

func decodeScorecard(c store.Scorecard) (Scorecard, error) {
	sc := Scorecard{Scorecard: c}
	if err := json.Unmarshal([]byte(c.Criteria), &sc.Items); err != nil {
		return sc, fmt.Errorf("quality: scorecard %d: %w", c.ID, err)
	}
	return sc, nil
}

// Scorecards lists the current scorecards of p's service areas.
func (s *Service) Scorecards(ctx context.Context, p *auth.Principal) ([]Scorecard, error) {
	cs, err := s.db.Q().CurrentScorecards(ctx, areasOf(p))
	if err != nil {
		return nil, err
	}
	out := make([]Scorecard, len(cs))
	for i, c := range cs {
		if out[i], err = decodeScorecard(c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Scorecard returns a version p may see (TL or QA of its area).
func (s *Service) Scorecard(ctx context.Context, p *auth.Principal, id int64) (Scorecard, error) {
	c, err := s.db.Q().ScorecardByID(ctx, id)
	if err != nil {
		return Scorecard{}, err
	}
	if !assesses(p, c.ServiceArea) {
		return Scorecard{}, store.ErrNotFound
	}
	return decodeScorecard(c)
}

// SaveScorecard creates a scorecard (previous 0) or a new version of
// previous, which must be current: past evaluations keep the version they
// were scored with. Team leaders of the area only.
func (s *Service) SaveScorecard(ctx context.Context, p *auth.Principal, previous int64, area, name, criteria string) (int64, error) {
	name = strings.TrimSpace(name)
	c := store.Scorecard{ServiceArea: area, Name: name, Version: 1, CreatedBy: p.Actor(), CreatedAt: s.now()}
	if previous != 0 {
		prev, err := s.db.Q().ScorecardByID(ctx, previous)
		if err != nil {
			return 0, err
		}
		if !prev.SupersededAt.IsZero() {
			return 0, fail.New(fail.Conflict, "this scorecard was changed since you opened it: open the current version")
		}
		c.ServiceArea, c.FamilyID, c.Version = prev.ServiceArea, prev.FamilyID, prev.Version+1
	}
	if _, ok := s.policy().ServiceArea(recording.System, c.ServiceArea); !ok {
		return 0, fail.Field("service_area", "choose one of your service areas")
	}
	if !leads(p, c.ServiceArea) {
		return 0, ErrForbidden
	}
	if name == "" || len(name) > 100 {
		return 0, fail.Field("name", "enter a name of up to 100 characters")
	}
	items, err := ParseCriteria(criteria)
	if err != nil {
		return 0, err
	}
	raw, _ := json.Marshal(items)
	c.Criteria = string(raw)
	var id int64
	err = s.db.Tx(ctx, func(q *store.Q) error {
		if previous != 0 {
			if err := q.SupersedeScorecard(ctx, previous, c.CreatedAt); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					return fail.New(fail.Conflict, "this scorecard was changed since you opened it: open the current version")
				}
				return err
			}
		}
		var err error
		if id, err = q.CreateScorecard(ctx, c); err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, q, audit.Entry{Actor: p.Actor(), Action: "quality.scorecard_save",
			Object: "scorecard:" + strconv.FormatInt(id, 10), Purpose: PurposeQuality, Outcome: audit.Success})
		return err
	})
	return id, err
}

// LinkAgent links a staff account to the agent id the telephony sends
// (administrators, who manage accounts); "" unlinks.
func (s *Service) LinkAgent(ctx context.Context, p *auth.Principal, userID int64, agentID string) error {
	if !p.Is(auth.Administrator) {
		return ErrForbidden
	}
	agentID = strings.TrimSpace(agentID)
	if agentID != "" && (len(agentID) > 64 || strings.ContainsFunc(agentID, func(r rune) bool { return r <= ' ' || r > '~' })) {
		return fail.Field("agent_id", "enter the agent's id in the telephony system, up to 64 printable characters")
	}
	return s.db.Tx(ctx, func(q *store.Q) error {
		var err error
		if agentID == "" {
			err = q.UnlinkAgent(ctx, userID)
		} else {
			err = q.LinkAgent(ctx, userID, agentID, p.Actor(), s.now())
		}
		if errors.Is(err, store.ErrConflict) {
			return fail.Field("agent_id", "this agent id is linked to another account")
		}
		if err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, q, audit.Entry{Actor: p.Actor(), Action: "quality.agent_link",
			Object: "user:" + strconv.FormatInt(userID, 10), Purpose: PurposeQuality, Outcome: audit.Success})
		return err
	})
}

// AgentLinks maps accounts to their agent ids (administrators).
func (s *Service) AgentLinks(ctx context.Context, p *auth.Principal) (map[int64]string, error) {
	if !p.Is(auth.Administrator) {
		return nil, ErrForbidden
	}
	return s.db.Q().AgentLinks(ctx)
}

// AgentID is the telephony agent id linked to p, an agent ("" when none).
func (s *Service) AgentID(ctx context.Context, p *auth.Principal) (string, error) {
	return s.agentOf(ctx, p)
}

// agentOf is the agent id linked to p ("" when none).
func (s *Service) agentOf(ctx context.Context, p *auth.Principal) (string, error) {
	if !p.Is(auth.Agent) {
		return "", nil
	}
	id, err := s.db.Q().AgentIDOf(ctx, p.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return id, err
}

// EvaluationInput is what an assessor submits.
type EvaluationInput struct {
	ScorecardID   int64
	Answers       map[string]string // criterion key → answer
	Comments      string            // "M:SS text", one a line
	CalibrationID int64
}

var commentLine = regexp.MustCompile(`^(\d{1,3}):([0-5]\d)\s+(.+)$`)

// ParseComments reads time-stamped comments ("1:05 Did not confirm the
// address"), one a line; times past the call's length are refused.
func ParseComments(src string, length time.Duration) ([]store.EvaluationComment, error) {
	var out []store.EvaluationComment
	for n, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		m := commentLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fail.Field("comments", fmt.Sprintf("line %d: start with the time in the call, like 1:05, then the comment", n+1))
		}
		min, _ := strconv.Atoi(m[1])
		sec, _ := strconv.Atoi(m[2])
		at := time.Duration(min*60+sec) * time.Second
		if at > length+time.Second {
			return nil, fail.Field("comments", fmt.Sprintf("line %d: %s is after the end of the call", n+1, m[1]+":"+m[2]))
		}
		if len(m[3]) > 500 || len(out) >= 50 {
			return nil, fail.Field("comments", "at most 50 comments of up to 500 characters")
		}
		out = append(out, store.EvaluationComment{Offset: at, Body: m[3]})
	}
	return out, nil
}

// Evaluate scores a call: p, a quality assessor or team leader of the
// call's area, with the recording not restricted for quality monitoring,
// against a current scorecard of the same area. The evaluation, its
// month's aggregates and the audit entry are one transaction.
func (s *Service) Evaluate(ctx context.Context, p *auth.Principal, recordingID string, in EvaluationInput) (int64, error) {
	rec, err := s.rec.UsableFor(ctx, p, recordingID, PurposeQuality)
	if err != nil {
		return 0, err
	}
	if !assesses(p, rec.ServiceArea) {
		return 0, ErrForbidden
	}
	sc, err := s.Scorecard(ctx, p, in.ScorecardID)
	if err != nil || sc.ServiceArea != rec.ServiceArea || !sc.SupersededAt.IsZero() {
		return 0, fail.Field("scorecard", "choose a current scorecard of the call's service area")
	}
	res, err := Score(sc.Items, in.Answers)
	if err != nil {
		return 0, err
	}
	comments, err := ParseComments(in.Comments, rec.Duration)
	if err != nil {
		return 0, err
	}
	if in.CalibrationID != 0 {
		if err := s.checkCalibration(ctx, p, in.CalibrationID, rec.ID); err != nil {
			return 0, err
		}
	}
	answers := map[string]string{}
	for _, c := range sc.Items {
		answers[c.Key] = in.Answers[c.Key]
	}
	raw, _ := json.Marshal(answers)
	e := store.Evaluation{RecordingID: rec.ID, ScorecardID: sc.ID, ServiceArea: rec.ServiceArea, AgentID: rec.AgentID,
		Assessor: p.Actor(), Answers: string(raw), ScoreBP: bp(res.Score / 100), CriticalFailed: res.CriticalFailed,
		CalibrationID: in.CalibrationID, CreatedAt: s.now(), Comments: comments}
	var id int64
	err = s.db.Tx(ctx, func(q *store.Q) error {
		var err error
		if id, err = q.CreateEvaluation(ctx, e); err != nil {
			return err
		}
		// Calibration scores measure the assessors, not the agent: they
		// stay out of the agent's figures.
		if in.CalibrationID == 0 {
			if err := q.AddScores(ctx, rec.ServiceArea, rec.AgentID, store.MonthOf(rec.StartedAt), aggregateScores(sc, res)); err != nil {
				return err
			}
		}
		if err := q.MarkQueued(ctx, rec.ID, e.CreatedAt); err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, q, audit.Entry{Actor: p.Actor(), Action: "quality.evaluate", Object: "recording:" + rec.ID,
			Purpose: PurposeQuality, Outcome: audit.Success})
		return err
	})
	return id, err
}

// bp is a 0..1 fraction in basis points.
func bp(f float64) int { return int(math.Round(f * 10000)) }

// aggregateScores is what one evaluation adds to the reports: the score
// ("") and each answered criterion's fraction, keyed family/criterion so
// versions of one scorecard add up.
func aggregateScores(sc Scorecard, res Result) map[string]int {
	out := map[string]int{"": bp(res.Score / 100)}
	for k, f := range res.Fractions {
		out[strconv.FormatInt(sc.FamilyID, 10)+"/"+k] = bp(f)
	}
	return out
}

// EvaluationView is an evaluation with what its page shows.
type EvaluationView struct {
	store.Evaluation
	Scorecard Scorecard
	Answers   map[string]string
	// Own: p is the evaluated agent (may acknowledge or dispute).
	Own bool
}

// Score is the evaluation's score as a percentage.
func (v EvaluationView) Score() float64 { return float64(v.ScoreBP) / 100 }

// Evaluation returns an evaluation to the agent it is about, or to a team
// leader or quality assessor of its area; anyone else gets not found.
func (s *Service) Evaluation(ctx context.Context, p *auth.Principal, id int64) (EvaluationView, error) {
	e, err := s.db.Q().EvaluationByID(ctx, id)
	if err != nil {
		return EvaluationView{}, err
	}
	agent, err := s.agentOf(ctx, p)
	if err != nil {
		return EvaluationView{}, err
	}
	own := agent != "" && agent == e.AgentID
	if !own && !assesses(p, e.ServiceArea) {
		return EvaluationView{}, store.ErrNotFound
	}
	c, err := s.db.Q().ScorecardByID(ctx, e.ScorecardID)
	if err != nil {
		return EvaluationView{}, err
	}
	v := EvaluationView{Evaluation: e, Own: own}
	if v.Scorecard, err = decodeScorecard(c); err != nil {
		return v, err
	}
	return v, json.Unmarshal([]byte(e.Answers), &v.Answers)
}

// Evaluations lists what p may see: an agent their own, team leaders and
// quality assessors their areas'.
func (s *Service) Evaluations(ctx context.Context, p *auth.Principal, recordingID string) ([]store.Evaluation, error) {
	f := store.EvaluationFilter{ServiceAreas: areasOf(p), RecordingID: recordingID}
	if p.Is(auth.Agent) {
		agent, err := s.agentOf(ctx, p)
		if err != nil || agent == "" {
			return nil, err
		}
		f.ServiceAreas, f.AgentID = nil, agent
	}
	return s.db.Q().Evaluations(ctx, f)
}

// Respond records the evaluated agent's acknowledgement, or dispute with a
// comment, once.
func (s *Service) Respond(ctx context.Context, p *auth.Principal, id int64, dispute bool, comment string) error {
	v, err := s.Evaluation(ctx, p, id)
	if err != nil {
		return err
	}
	if !v.Own {
		return ErrForbidden
	}
	comment = strings.TrimSpace(comment)
	status := "acknowledged"
	if dispute {
		status = "disputed"
		if comment == "" {
			return fail.Field("response", "say why you dispute this evaluation")
		}
	}
	if len(comment) > 2000 {
		return fail.Field("response", "write at most 2,000 characters")
	}
	return s.db.Tx(ctx, func(q *store.Q) error {
		if err := q.RespondToEvaluation(ctx, id, status, comment, s.now()); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fail.New(fail.Conflict, "you have already responded to this evaluation")
			}
			return err
		}
		_, err := s.audit.Append(ctx, q, audit.Entry{Actor: p.Actor(), Action: "quality.respond",
			Object: "evaluation:" + strconv.FormatInt(id, 10), Purpose: PurposeQuality, Outcome: audit.Success})
		return err
	})
}
