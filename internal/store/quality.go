package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Quality monitoring's tables (migration 0016; internal/quality). All live
// in this database. Where each one's retention and deletion come from:
//   - quality_scorecards: no personal data; kept for the database's life,
//     since evaluations and reports are read through them.
//   - quality_agents: staff data; deleted with the account (foreign key)
//     or by UnlinkAgent.
//   - quality_evaluations, quality_comments: about a call and its agent;
//     deleted by dropRecordingDerived in the transaction that destroys the
//     recording (retention sweep, erasure: the one deletion path), so they
//     never outlive its audio; CountQualityOrphans lets fairline check
//     prove it.
//   - quality_calls, quality_scores: monthly aggregates for reports,
//     updated with each ingest and evaluation; quality_scores is staff data
//     and DeleteQualityScoresBefore removes months past
//     quality.StatsRetention.

func init() {
	recordingDerived = append(recordingDerived, derived{"quality_comments", ""}, derived{"quality_evaluations", ""},
		derived{"quality_calibrations", ""})
}

// Scorecard is one version of a service area's scorecard.
type Scorecard struct {
	ID           int64
	FamilyID     int64 // the first version's id
	ServiceArea  string
	Name         string
	Version      int
	Criteria     string // JSON, []quality.Criterion
	CreatedBy    string
	CreatedAt    time.Time
	SupersededAt time.Time // zero for the current version
}

const scorecardColumns = `id, family_id, service_area, name, version, criteria, created_by, created_at, superseded_at`

func scanScorecard(s scanner) (Scorecard, error) {
	var c Scorecard
	var created, superseded int64
	err := s.Scan(&c.ID, &c.FamilyID, &c.ServiceArea, &c.Name, &c.Version, &c.Criteria, &c.CreatedBy, &created, &superseded)
	c.CreatedAt, c.SupersededAt = fromMicros(created), fromMicros(superseded)
	return c, mapErr(err)
}

// CreateScorecard inserts a version; FamilyID 0 starts a new family.
func (q *Q) CreateScorecard(ctx context.Context, c Scorecard) (int64, error) {
	var id int64
	err := q.queryRow(ctx, `INSERT INTO quality_scorecards (family_id, service_area, name, version, criteria, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.FamilyID, c.ServiceArea, c.Name, c.Version, c.Criteria, c.CreatedBy,
		toMicros(c.CreatedAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: create scorecard: %w", mapErr(err))
	}
	if c.FamilyID == 0 {
		if _, err := q.exec(ctx, `UPDATE quality_scorecards SET family_id = id WHERE id = ?`, id); err != nil {
			return 0, fmt.Errorf("store: create scorecard: %w", err)
		}
	}
	return id, nil
}

// SupersedeScorecard marks the current version id superseded; ErrNotFound
// when it already was (two editors: the second must start again).
func (q *Q) SupersedeScorecard(ctx context.Context, id int64, at time.Time) error {
	res, err := q.exec(ctx, `UPDATE quality_scorecards SET superseded_at = ? WHERE id = ? AND superseded_at = 0`, toMicros(at), id)
	if err != nil {
		return fmt.Errorf("store: supersede scorecard: %w", err)
	}
	return mustAffect(res)
}

// ScorecardByID returns one version.
func (q *Q) ScorecardByID(ctx context.Context, id int64) (Scorecard, error) {
	return scanScorecard(q.queryRow(ctx, `SELECT `+scorecardColumns+` FROM quality_scorecards WHERE id = ?`, id))
}

// CurrentScorecards lists the current versions for the given areas (all
// areas when nil), by area and name.
func (q *Q) CurrentScorecards(ctx context.Context, areas []string) ([]Scorecard, error) {
	where, args := inList("service_area", areas)
	rows, err := q.query(ctx, `SELECT `+scorecardColumns+` FROM quality_scorecards WHERE superseded_at = 0 AND `+where+
		` ORDER BY service_area, name, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list scorecards: %w", err)
	}
	return collect(rows, scanScorecard)
}

// inList is "col IN (?, …)" for vals, "1=1" for nil and "1=0" for empty.
func inList(col string, vals []string) (string, []any) {
	if vals == nil {
		return "1=1", nil
	}
	if len(vals) == 0 {
		return "1=0", nil
	}
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	return col + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ") + ")", args
}

// LinkAgent links a staff account to a telephony agent id (replacing its
// link); an agent id linked to another account is ErrConflict.
func (q *Q) LinkAgent(ctx context.Context, userID int64, agentID, by string, at time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO quality_agents (user_id, agent_id, linked_by, linked_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET agent_id = excluded.agent_id, linked_by = excluded.linked_by, linked_at = excluded.linked_at`,
		userID, agentID, by, toMicros(at))
	if err != nil {
		return fmt.Errorf("store: link agent: %w", mapErr(err))
	}
	return nil
}

// UnlinkAgent removes an account's link.
func (q *Q) UnlinkAgent(ctx context.Context, userID int64) error {
	_, err := q.exec(ctx, `DELETE FROM quality_agents WHERE user_id = ?`, userID)
	return err
}

// AgentIDOf returns the agent id linked to an account, or ErrNotFound.
func (q *Q) AgentIDOf(ctx context.Context, userID int64) (string, error) {
	var id string
	err := q.queryRow(ctx, `SELECT agent_id FROM quality_agents WHERE user_id = ?`, userID).Scan(&id)
	return id, mapErr(err)
}

// AgentLinks maps linked accounts to their agent ids.
func (q *Q) AgentLinks(ctx context.Context) (map[int64]string, error) {
	rows, err := q.query(ctx, `SELECT user_id, agent_id FROM quality_agents`)
	if err != nil {
		return nil, fmt.Errorf("store: list agent links: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var u int64
		var a string
		if err := rows.Scan(&u, &a); err != nil {
			return nil, mapErr(err)
		}
		out[u] = a
	}
	return out, mapErr(rows.Err())
}

// Evaluation is one assessor's scoring of one call.
type Evaluation struct {
	ID             int64
	RecordingID    string
	ScorecardID    int64
	ServiceArea    string
	AgentID        string
	Assessor       string // "user:N"
	Answers        string // JSON: criterion key → answer
	ScoreBP        int    // basis points, 0..10000
	CriticalFailed bool
	CalibrationID  int64
	Status         string // submitted, acknowledged, disputed
	Response       string
	RespondedAt    time.Time
	CreatedAt      time.Time
	Comments       []EvaluationComment
}

// EvaluationComment is a remark at a moment of the call.
type EvaluationComment struct {
	Offset time.Duration
	Body   string
}

const evaluationColumns = `id, recording_id, scorecard_id, service_area, agent_id, assessor, answers, score_bp, critical_failed,
	calibration_id, status, response, responded_at, created_at`

func scanEvaluation(s scanner) (Evaluation, error) {
	var e Evaluation
	var crit int
	var responded, created int64
	err := s.Scan(&e.ID, &e.RecordingID, &e.ScorecardID, &e.ServiceArea, &e.AgentID, &e.Assessor, &e.Answers, &e.ScoreBP, &crit,
		&e.CalibrationID, &e.Status, &e.Response, &responded, &created)
	e.CriticalFailed, e.RespondedAt, e.CreatedAt = crit != 0, fromMicros(responded), fromMicros(created)
	return e, mapErr(err)
}

// CreateEvaluation inserts e with its comments.
func (q *Q) CreateEvaluation(ctx context.Context, e Evaluation) (int64, error) {
	var id int64
	err := q.queryRow(ctx, `INSERT INTO quality_evaluations (recording_id, scorecard_id, service_area, agent_id, assessor, answers,
		score_bp, critical_failed, calibration_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.RecordingID, e.ScorecardID, e.ServiceArea, e.AgentID, e.Assessor, e.Answers, e.ScoreBP, boolInt(e.CriticalFailed),
		e.CalibrationID, toMicros(e.CreatedAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: create evaluation: %w", mapErr(err))
	}
	for _, c := range e.Comments {
		if _, err := q.exec(ctx, `INSERT INTO quality_comments (evaluation_id, recording_id, offset_ms, body) VALUES (?, ?, ?, ?)`,
			id, e.RecordingID, c.Offset.Milliseconds(), c.Body); err != nil {
			return 0, fmt.Errorf("store: add evaluation comment: %w", err)
		}
	}
	return id, nil
}

// EvaluationByID returns an evaluation with its comments.
func (q *Q) EvaluationByID(ctx context.Context, id int64) (Evaluation, error) {
	e, err := scanEvaluation(q.queryRow(ctx, `SELECT `+evaluationColumns+` FROM quality_evaluations WHERE id = ?`, id))
	if err != nil {
		return e, err
	}
	rows, err := q.query(ctx, `SELECT offset_ms, body FROM quality_comments WHERE evaluation_id = ? ORDER BY offset_ms, id`, id)
	if err != nil {
		return e, fmt.Errorf("store: list evaluation comments: %w", err)
	}
	e.Comments, err = collect(rows, func(s scanner) (EvaluationComment, error) {
		var c EvaluationComment
		var ms int64
		err := s.Scan(&ms, &c.Body)
		c.Offset = time.Duration(ms) * time.Millisecond
		return c, err
	})
	return e, err
}

// EvaluationFilter selects evaluations, newest first. ServiceAreas nil
// means every area; empty, none.
type EvaluationFilter struct {
	ServiceAreas  []string
	AgentID       string
	RecordingID   string
	CalibrationID int64
	Limit         int
}

// Evaluations lists evaluations matching f (without comments).
func (q *Q) Evaluations(ctx context.Context, f EvaluationFilter) ([]Evaluation, error) {
	where, args := inList("service_area", f.ServiceAreas)
	add := func(cond string, v any) { where += " AND " + cond; args = append(args, v) }
	if f.AgentID != "" {
		add("agent_id = ?", f.AgentID)
	}
	if f.RecordingID != "" {
		add("recording_id = ?", f.RecordingID)
	}
	if f.CalibrationID != 0 {
		add("calibration_id = ?", f.CalibrationID)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	rows, err := q.query(ctx, `SELECT `+evaluationColumns+` FROM quality_evaluations WHERE `+where+
		` ORDER BY created_at DESC, id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: list evaluations: %w", err)
	}
	return collect(rows, scanEvaluation)
}

// RespondToEvaluation records the agent's acknowledgement or dispute, once.
func (q *Q) RespondToEvaluation(ctx context.Context, id int64, status, response string, at time.Time) error {
	res, err := q.exec(ctx, `UPDATE quality_evaluations SET status = ?, response = ?, responded_at = ? WHERE id = ? AND status = 'submitted'`,
		status, response, toMicros(at), id)
	if err != nil {
		return fmt.Errorf("store: respond to evaluation: %w", err)
	}
	return mustAffect(res)
}

// MonthOf is the first instant of t's UTC month: the aggregates' key.
func MonthOf(t time.Time) time.Time {
	y, m, _ := t.UTC().Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
}

// countCall adds a recording to its month's call count (CreateRecording's
// transaction).
func (q *Q) countCalls(ctx context.Context, area, direction string, month time.Time, n int) error {
	_, err := q.exec(ctx, `INSERT INTO quality_calls (service_area, month, direction, calls) VALUES (?, ?, ?, ?)
		ON CONFLICT (service_area, month, direction) DO UPDATE SET calls = quality_calls.calls + excluded.calls`,
		area, toMicros(month), direction, n)
	if err != nil {
		return fmt.Errorf("store: count call: %w", err)
	}
	return nil
}

// AddScores adds one evaluation to its month's aggregates: the whole
// score (criterion "") and each criterion's share (basis points), for the
// agent and for the whole area (agent "").
func (q *Q) AddScores(ctx context.Context, area, agentID string, month time.Time, scores map[string]int) error {
	return q.addScores(ctx, area, agentID, month, scores, 1)
}

// RemoveScores takes one evaluation back out of its month's aggregates
// (its call moved to another area or agent), dropping rows left empty.
func (q *Q) RemoveScores(ctx context.Context, area, agentID string, month time.Time, scores map[string]int) error {
	if err := q.addScores(ctx, area, agentID, month, scores, -1); err != nil {
		return err
	}
	_, err := q.exec(ctx, `DELETE FROM quality_scores WHERE service_area = ? AND month = ? AND n <= 0`, area, toMicros(month))
	return err
}

func (q *Q) addScores(ctx context.Context, area, agentID string, month time.Time, scores map[string]int, sign int) error {
	for crit, bp := range scores {
		for _, agent := range []string{agentID, ""} {
			_, err := q.exec(ctx, `INSERT INTO quality_scores (service_area, month, agent_id, criterion, n, sum_bp) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (service_area, month, agent_id, criterion) DO UPDATE SET n = quality_scores.n + excluded.n,
				sum_bp = quality_scores.sum_bp + excluded.sum_bp`, area, toMicros(month), agent, crit, sign, sign*bp)
			if err != nil {
				return fmt.Errorf("store: add scores: %w", err)
			}
		}
	}
	return nil
}

// MoveCall moves one call between the monthly call counts (a rectified
// service area or direction), dropping a count left at zero.
func (q *Q) MoveCall(ctx context.Context, fromArea, fromDir, toArea, toDir string, month time.Time) error {
	if err := q.countCalls(ctx, fromArea, fromDir, month, -1); err != nil {
		return err
	}
	if _, err := q.exec(ctx, `DELETE FROM quality_calls WHERE service_area = ? AND month = ? AND direction = ? AND calls <= 0`,
		fromArea, toMicros(month), fromDir); err != nil {
		return fmt.Errorf("store: move call: %w", err)
	}
	return q.countCalls(ctx, toArea, toDir, month, 1)
}

// MoveQualityRecording gives a recording's evaluations, calibrations and
// queue item its rectified service area and agent, in the rectification's
// transaction.
func (q *Q) MoveQualityRecording(ctx context.Context, recordingID, area, agentID string) error {
	for _, stmt := range []string{
		`UPDATE quality_evaluations SET service_area = ?, agent_id = ? WHERE recording_id = ?`,
		`UPDATE quality_queue SET service_area = ?, agent_id = ? WHERE recording_id = ?`,
	} {
		if _, err := q.exec(ctx, stmt, area, agentID, recordingID); err != nil {
			return fmt.Errorf("store: move quality records: %w", err)
		}
	}
	if _, err := q.exec(ctx, `UPDATE quality_calibrations SET service_area = ? WHERE recording_id = ?`, area, recordingID); err != nil {
		return fmt.Errorf("store: move calibrations: %w", err)
	}
	return nil
}

// CallCount is one month's calls of one direction in one area.
type CallCount struct {
	ServiceArea, Direction string
	Month                  time.Time
	Calls                  int64
}

// CallCounts reads the call aggregates of areas (nil: all) for months in [from, to).
func (q *Q) CallCounts(ctx context.Context, areas []string, from, to time.Time) ([]CallCount, error) {
	where, args := inList("service_area", areas)
	rows, err := q.query(ctx, `SELECT service_area, direction, month, calls FROM quality_calls WHERE `+where+
		` AND month >= ? AND month < ? ORDER BY service_area, month, direction`, append(args, toMicros(from), toMicros(to))...)
	if err != nil {
		return nil, fmt.Errorf("store: read call counts: %w", err)
	}
	return collect(rows, func(s scanner) (CallCount, error) {
		var c CallCount
		var m int64
		err := s.Scan(&c.ServiceArea, &c.Direction, &m, &c.Calls)
		c.Month = fromMicros(m)
		return c, err
	})
}

// ScoreStat is one aggregate row.
type ScoreStat struct {
	ServiceArea, AgentID, Criterion string
	Month                           time.Time
	N, SumBP                        int64
}

// ScoreStats reads the score aggregates of areas (nil: all) for months in [from, to).
func (q *Q) ScoreStats(ctx context.Context, areas []string, from, to time.Time) ([]ScoreStat, error) {
	where, args := inList("service_area", areas)
	rows, err := q.query(ctx, `SELECT service_area, agent_id, criterion, month, n, sum_bp FROM quality_scores WHERE `+where+
		` AND month >= ? AND month < ? ORDER BY service_area, agent_id, criterion, month`, append(args, toMicros(from), toMicros(to))...)
	if err != nil {
		return nil, fmt.Errorf("store: read score aggregates: %w", err)
	}
	return collect(rows, func(s scanner) (ScoreStat, error) {
		var st ScoreStat
		var m int64
		err := s.Scan(&st.ServiceArea, &st.AgentID, &st.Criterion, &m, &st.N, &st.SumBP)
		st.Month = fromMicros(m)
		return st, err
	})
}

// DeleteQualityScoresBefore removes per-agent and area score aggregates of
// months before month (quality.StatsRetention).
func (q *Q) DeleteQualityScoresBefore(ctx context.Context, month time.Time) (int64, error) {
	res, err := q.exec(ctx, `DELETE FROM quality_scores WHERE month < ?`, toMicros(month))
	if err != nil {
		return 0, fmt.Errorf("store: delete old score aggregates: %w", err)
	}
	return res.RowsAffected()
}

// CountQualityOrphans counts evaluations and training clips without their
// own copy whose recording is destroyed or gone: what dropRecordingDerived
// should have deleted with it.
func (q *Q) CountQualityOrphans(ctx context.Context) (evaluations, clips int64, err error) {
	for table, n := range map[string]*int64{"quality_evaluations x": &evaluations, "quality_clips x": &clips} {
		where := ""
		if table == "quality_clips x" {
			where = "x.copy_blob_key = '' AND "
		}
		err := q.queryRow(ctx, `SELECT COUNT(*) FROM `+table+` WHERE `+where+`NOT EXISTS
			(SELECT 1 FROM recordings r WHERE r.id = x.recording_id AND r.deleted_at = 0)`).Scan(n)
		if err != nil {
			return 0, 0, fmt.Errorf("store: count %s without recording: %w", table, mapErr(err))
		}
	}
	return evaluations, clips, nil
}

// Calibration is a session where several assessors score one call.
type Calibration struct {
	ID          int64
	RecordingID string
	ScorecardID int64
	ServiceArea string
	CreatedBy   string
	CreatedAt   time.Time
}

// CreateCalibration inserts a session.
func (q *Q) CreateCalibration(ctx context.Context, c Calibration) (int64, error) {
	var id int64
	err := q.queryRow(ctx, `INSERT INTO quality_calibrations (recording_id, scorecard_id, service_area, created_by, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`, c.RecordingID, c.ScorecardID, c.ServiceArea, c.CreatedBy, toMicros(c.CreatedAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: create calibration: %w", mapErr(err))
	}
	return id, nil
}

const calibrationColumns = `id, recording_id, scorecard_id, service_area, created_by, created_at`

func scanCalibration(s scanner) (Calibration, error) {
	var c Calibration
	var created int64
	err := s.Scan(&c.ID, &c.RecordingID, &c.ScorecardID, &c.ServiceArea, &c.CreatedBy, &created)
	c.CreatedAt = fromMicros(created)
	return c, mapErr(err)
}

// CalibrationByID returns a session.
func (q *Q) CalibrationByID(ctx context.Context, id int64) (Calibration, error) {
	return scanCalibration(q.queryRow(ctx, `SELECT `+calibrationColumns+` FROM quality_calibrations WHERE id = ?`, id))
}

// Calibrations lists the sessions of areas (nil: all), newest first.
func (q *Q) Calibrations(ctx context.Context, areas []string) ([]Calibration, error) {
	where, args := inList("service_area", areas)
	rows, err := q.query(ctx, `SELECT `+calibrationColumns+` FROM quality_calibrations WHERE `+where+` ORDER BY id DESC LIMIT 100`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list calibrations: %w", err)
	}
	return collect(rows, scanCalibration)
}
