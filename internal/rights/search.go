package rights

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
)

// FoundRecording is a recording the requester's identifiers matched.
type FoundRecording struct {
	recording.Recording
	Number      string // the requester's number it matched (E.164)
	Holds       []recording.Hold
	Disclosures []recording.Disclosure
	Restricted  bool
	// Exemption is why an erasure would keep it now ("" when it would
	// not): recording.ErasureExemption's reason.
	Exemption string
	// Evaluations are the quality evaluations of the call and Clips the
	// training clips cut from it (internal/quality): both go with the
	// recording when it is destroyed.
	Evaluations []store.Evaluation
	Clips       []store.RecordingClip
}

// StoreResult is what one store held, or why it cannot hold anything.
type StoreResult struct {
	Store  string
	Count  int
	Result string
}

// Found is the result of searching every store.
type Found struct {
	Recordings []FoundRecording
	ChatTurns  []store.ChatTurn
	// Surveys are the pending post-call survey requests holding one of the
	// numbers given (sealed until the text is sent or the request expires).
	Surveys []store.SurveyRequest
	// TrainingCopies are training clips' own copies of a call with one of the
	// numbers whose recording was not found (destroyed at the end of its
	// retention, or outside the dates given): kept until their own expiry.
	TrainingCopies []store.Clip
	Stores         []StoreResult
	// numberIndexes are the blind indexes (hex) of the numbers given: an
	// erasure, restriction or objection cancels survey requests by them.
	numberIndexes []string
}

// RecordingIDs lists the ids of the recordings found.
func (f Found) RecordingIDs() []string {
	out := make([]string, len(f.Recordings))
	for i, r := range f.Recordings {
		out[i] = r.ID
	}
	return out
}

// searchPage is how many recordings one query returns (the store's cap).
const searchPage = 500

// Search looks for the case's identifiers in every store; audited as the
// case's search (the identifiers never reach the audit log, logs or SQL:
// numbers are looked up by their keyed hash).
func (s *Service) Search(ctx context.Context, p *auth.Principal, id int64) (Found, error) {
	if !p.Is(auth.InformationGovernance) {
		return Found{}, ErrForbidden
	}
	r, err := s.db.Q().RightsRequestByID(ctx, id)
	if err != nil {
		return Found{}, err
	}
	f, err := s.search(ctx, r)
	if err != nil {
		return Found{}, err
	}
	err = s.db.Tx(ctx, func(q *store.Q) error {
		return s.note(ctx, q, p.Actor(), id, "rights.search", store.RightsEvent{
			Detail: fmt.Sprintf("searched: %d recordings, %d chatbot turns", len(f.Recordings), len(f.ChatTurns))})
	})
	return f, err
}

func (s *Service) search(ctx context.Context, r store.RightsRequest) (Found, error) {
	ids, err := s.openIdentifiers(r)
	if err != nil {
		return Found{}, err
	}
	if r.IdentifiersCT == "" {
		return Found{}, fmt.Errorf("rights: request %d: its identifiers were destroyed after the case closed", r.ID)
	}
	q := s.db.Q()
	var f Found
	filter := store.RecordingFilter{From: ids.CallsFrom, Limit: searchPage}
	if !ids.CallsTo.IsZero() {
		filter.To = ids.CallsTo.AddDate(0, 0, 1)
	}
	for _, phone := range ids.Phones {
		idx, err := s.bidx.Phone(phone)
		if err != nil {
			return Found{}, err
		}
		filter.NumberBIdx, filter.Offset = hex.EncodeToString(idx), 0
		f.numberIndexes = append(f.numberIndexes, filter.NumberBIdx)
		surveys, err := q.PendingSurveyRequestsOfNumber(ctx, filter.NumberBIdx)
		if err != nil {
			return Found{}, err
		}
		f.Surveys = append(f.Surveys, surveys...)
		copies, err := q.ClipCopiesByNumber(ctx, filter.NumberBIdx)
		if err != nil {
			return Found{}, err
		}
		f.TrainingCopies = append(f.TrainingCopies, copies...)
		for {
			page, err := q.Recordings(ctx, filter)
			if err != nil {
				return Found{}, err
			}
			for _, rec := range page {
				fr := FoundRecording{Recording: rec, Number: phone}
				if fr.Holds, err = q.LegalHolds(ctx, rec.ID); err != nil {
					return Found{}, err
				}
				if fr.Disclosures, err = q.DisclosuresOfRecordings(ctx, []string{rec.ID}); err != nil {
					return Found{}, err
				}
				if fr.Restricted, err = q.RecordingRestricted(ctx, rec.ID); err != nil {
					return Found{}, err
				}
				if fr.Exemption, err = s.rec.ErasureExemption(ctx, rec); err != nil {
					return Found{}, err
				}
				if fr.Evaluations, err = q.Evaluations(ctx, store.EvaluationFilter{RecordingID: rec.ID, Limit: searchPage}); err != nil {
					return Found{}, err
				}
				if fr.Clips, err = q.ClipsOfRecording(ctx, rec.ID); err != nil {
					return Found{}, err
				}
				f.Recordings = append(f.Recordings, fr)
			}
			if len(page) < searchPage {
				break
			}
			filter.Offset += searchPage
		}
	}
	if ids.Conversation != "" {
		if f.ChatTurns, err = q.ChatTurns(ctx, ids.Conversation); err != nil {
			return Found{}, err
		}
	}
	// A copy of a recording found is listed with that recording's clips.
	found := make(map[string]bool, len(f.Recordings))
	for _, r := range f.Recordings {
		found[r.ID] = true
	}
	f.TrainingCopies = slices.DeleteFunc(f.TrainingCopies, func(c store.Clip) bool { return found[c.RecordingID] })
	f.Stores = describeStores(ids, f)
	return f, nil
}

// numberIndexes are the fingerprints (hex) of the case's phone numbers.
func (s *Service) numberIndexes(r store.RightsRequest) ([]string, error) {
	ids, err := s.openIdentifiers(r)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ids.Phones))
	for _, phone := range ids.Phones {
		idx, err := s.bidx.Phone(phone)
		if err != nil {
			return nil, err
		}
		out = append(out, hex.EncodeToString(idx))
	}
	return out, nil
}

// describeStores is the search result per store, saying for the stores
// that hold nothing linkable why that is so.
func describeStores(ids Identifiers, f Found) []StoreResult {
	holds, discl, evals, clips := 0, 0, 0, 0
	for _, r := range f.Recordings {
		for _, h := range r.Holds {
			if h.ReleasedAt.IsZero() {
				holds++
			}
		}
		discl += len(r.Disclosures)
		evals += len(r.Evaluations)
		clips += len(r.Clips)
	}
	rec := StoreResult{Store: "Call recordings", Count: len(f.Recordings),
		Result: "Searched by the keyed hash (blind index) of each telephone number given"}
	if len(ids.Phones) == 0 {
		rec.Result = "Not searched: no telephone number was given; recordings are found only by the other party's number"
	} else if !ids.CallsFrom.IsZero() || !ids.CallsTo.IsZero() {
		rec.Result += ", within the call dates given"
	}
	out := []StoreResult{rec,
		{Store: "Legal holds", Count: holds, Result: "Active legal holds on the recordings found"},
		{Store: "Disclosure register", Count: discl, Result: "Releases of the recordings found to other organisations"},
		{Store: "Quality evaluations", Count: evals, Result: "Assessments of the recordings found, made by the council's quality " +
			"monitoring; each is destroyed with its recording"},
		{Store: "Training library", Count: clips, Result: "Clips of the recordings found in staff training playlists; each is " +
			"destroyed with its recording, and a restriction or objection takes it out of its playlist"},
		{Store: "Training copies", Count: len(f.TrainingCopies), Result: "Clips a service area keeps for staff training longer " +
			"than the call's recording (policy retention.training), found by the keyed hash of each telephone number given; each " +
			"is destroyed at the end of its own period, or by an erasure"},
	}
	chat := StoreResult{Store: "Website chatbot", Count: len(f.ChatTurns),
		Result: "Questions are stored only after personal data is removed from them, under a random conversation id the " +
			"chatbot gave the browser; no name, number or e-mail address links a resident to them"}
	if ids.Conversation != "" {
		chat.Result += ". Searched by the conversation id given"
	} else {
		chat.Result += ", so without a conversation id there is nothing to search by"
	}
	out = append(out, chat,
		StoreResult{Store: "Chatbot reports and feedback", Result: "Hold counts by day and service area and redacted examples only: " +
			"nothing in them can be linked to a person"},
		surveyResult(ids, f.Surveys),
		StoreResult{Store: "Post-call survey responses", Result: "Responses are stored with only the service area and the week " +
			"they came in: no number, call, recording or agent, so none can be linked to anyone and none can be found or given"})
	if ids.Email != "" {
		out = append(out, StoreResult{Store: "E-mail address", Result: "No store keeps residents' e-mail addresses: the chatbot removes them " +
			"from questions before storing them and recordings carry none; this case keeps the address only to reply"})
	}
	return out
}

// surveyResult says what the survey outbox holds for the numbers given:
// each pending request holds the number sealed until the text is sent, and
// no later than the request's expiry.
func surveyResult(ids Identifiers, pending []store.SurveyRequest) StoreResult {
	res := StoreResult{Store: "Post-call survey texts", Count: len(pending)}
	if len(ids.Phones) == 0 {
		res.Result = "Not searched: no telephone number was given; a survey text waiting to be sent is found only by its number"
		return res
	}
	res.Result = "Searched by the keyed hash of each telephone number given. A survey text waiting to be sent holds the number, " +
		"encrypted, only until the text is sent; then, or when the request expires unsent, the number is destroyed"
	var last time.Time
	for _, r := range pending {
		if r.ExpiresAt.After(last) {
			last = r.ExpiresAt
		}
	}
	if !last.IsZero() {
		res.Result += ". The number found is destroyed by " + last.In(ukTime).Format("2 January 2006 at 15:04") + " at the latest"
	}
	return res
}

// recordAudit is the audit entry of a package's own actions.
func releaseEntry(releaseID int64, action, object, outcome string) audit.Entry {
	return audit.Entry{Actor: fmt.Sprintf("release:%d", releaseID), Action: action, Object: object, Purpose: "subject-request", Outcome: outcome}
}
