// Package check proves, from what is stored and configured, that the promises the notices make
// hold: `fairline check`, the console's Promises page, the public /transparency page and the
// fairline_promise_* metrics all show one Report.
//
// Each promise quotes the notice sentence it comes from (rendered from the policy, so the words
// are the ones residents read) and answers ok, broken (something stored or configured breaks
// it), warning (nothing is wrong with the data, but the notice and the configuration disagree)
// or skipped (the part that keeps the promise is not built yet: said plainly, never a pass).
// It reads through the services (recording, chat, audit), never SQL, and changes nothing.
// Counts and details carry no personal data: they are shown on a public page.
package check

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/notice"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
)

// Result is the outcome of one promise.
type Result string

const (
	OK      Result = "ok"
	Broken  Result = "broken"
	Warning Result = "warning"
	// Skipped means the promise cannot be checked yet (its part is not built).
	Skipped Result = "skipped"
)

// Outcome is what one check found. Count is how many things break the promise (or, for a
// warning, disagree); Detail explains it without personal data.
type Outcome struct {
	Result Result
	Count  int64
	Detail string
}

// Promise is one machine-checkable promise of the notices.
type Promise struct {
	ID string
	// Title says the promise in a few words ("No recording kept past its retention").
	Title string
	// Notice is the sentence of the notice it comes from, with the notice's name.
	Notice string
	Run    func(ctx context.Context) (Outcome, error)
}

// Item is one row of a report.
type Item struct {
	ID     string `json:"id"`
	Title  string `json:"promise"`
	Notice string `json:"notice"`
	Result Result `json:"result"`
	Count  int64  `json:"count"`
	Detail string `json:"detail,omitempty"`
}

// Report is every promise's outcome at one time.
type Report struct {
	At    time.Time `json:"checked_at"`
	Items []Item    `json:"promises"`
}

// Broken lists the items whose promise is broken.
func (r Report) Broken() []Item { return r.with(Broken) }

// Warnings lists the items with a warning.
func (r Report) Warnings() []Item { return r.with(Warning) }

func (r Report) with(res Result) []Item {
	var out []Item
	for _, it := range r.Items {
		if it.Result == res {
			out = append(out, it)
		}
	}
	return out
}

// Counts tallies the items by result.
func (r Report) Counts() map[Result]int {
	out := map[Result]int{}
	for _, it := range r.Items {
		out[it.Result]++
	}
	return out
}

// Checker is a promise kept by a part of Fairline that answers for itself: the rights
// register implements it for "no subject request past its due date". Check must not return
// personal data in the detail.
type Checker interface {
	Check(ctx context.Context, now time.Time) (Outcome, error)
}

// Sources are what the checks read. Requests and RequestIdentifiers are nil until the rights
// register exists; their promises are then skipped and say so.
type Sources struct {
	Policy     func() *policy.Policy
	Recordings *recording.Service
	Chat       *chat.Service
	Audit      *audit.Log
	// StoreLocations lists the location codes of the stores of a system's data
	// (app.App.StoreLocations).
	StoreLocations func(system string) []string
	// Integrations are the configured outbound integrations (app.Integrations).
	Integrations []policy.Integration
	// Requests answers "no subject request past its due date"; RequestIdentifiers "no
	// closed case's identifiers kept past rights_requests.identifier_retention".
	Requests, RequestIdentifiers Checker
	// Surveys answers "no survey request marked sent still holds a number"
	// (internal/surveys through app); nil: the promise is skipped.
	Surveys Checker
	// Quality counts evaluations and training clips that outlive their
	// recording (quality.Service); nil skips the promise.
	Quality Checker
	Now     func() time.Time
	// Grace spares blobs and deletions in flight; 0: an hour, as the orphan sweep.
	Grace time.Duration
}

// Service evaluates the promises and keeps the latest report.
type Service struct {
	src Sources

	mu     sync.Mutex // serialises runs; guards latest
	latest Report
}

// New returns a Service over src.
func New(src Sources) *Service {
	if src.Now == nil {
		src.Now = time.Now
	}
	if src.Grace == 0 {
		src.Grace = time.Hour
	}
	return &Service{src: src}
}

// SetRequests wires the rights register's checks in when it exists.
func (s *Service) SetRequests(overdue, identifiers Checker) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.src.Requests, s.src.RequestIdentifiers = overdue, identifiers
}

// Run evaluates every promise now. A check that cannot run (the database or blob store
// unreachable) is reported as broken, so nothing unproved passes; its error goes to the
// returned error only, never to the report (it may name a path).
func (s *Service) Run(ctx context.Context) (Report, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.run(ctx)
}

// Latest returns the last report if it is younger than maxAge, else runs the checks again
// (once, however many callers wait). Public pages and metrics use it so that visitors cannot
// make the checks run more often.
func (s *Service) Latest(ctx context.Context, maxAge time.Duration) (Report, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.latest.At.IsZero() && s.src.Now().Sub(s.latest.At) < maxAge {
		return s.latest, nil
	}
	return s.run(ctx)
}

// run evaluates every promise; s.mu is held.
func (s *Service) run(ctx context.Context) (Report, error) {
	rep := Report{At: s.src.Now().UTC()}
	var errs []error
	for _, p := range s.promises() {
		out, err := p.Run(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.ID, err))
			out = Outcome{Result: Broken, Detail: "the check could not run: see the log or run fairline check"}
		}
		rep.Items = append(rep.Items, Item{ID: p.ID, Title: p.Title, Notice: p.Notice, Result: out.Result, Count: out.Count, Detail: out.Detail})
	}
	s.latest = rep
	return rep, errors.Join(errs...)
}

// Promise ids, stable: scripts and the metrics' labels use them.
const (
	RecordingRetention  = "recording-retention"
	ChatRetention       = "chat-retention"
	DropFolderRetention = "drop-folder-retention"
	ChatPersonalData    = "chat-personal-data"
	BlobWithoutRow      = "blob-without-row"
	RowWithoutBlob      = "row-without-blob"
	KeyWithoutRecording = "key-without-recording"
	StoreLocations      = "store-locations"
	ProcessorCountries  = "processor-countries"
	UndeclaredProcessor = "undeclared-processor"
	UnusedProcessor     = "unused-processor"
	AuditLog            = "audit-log"
	SubjectRequests     = "subject-requests"
	RequestIdentifiers  = "request-identifiers"
	SurveyNumbers       = "survey-numbers"
	// QualityWithoutRecording: evaluations and training clips are about a
	// call and go with its recording (internal/quality).
	QualityWithoutRecording = "quality-without-recording"
)

// IDs lists every promise id in report order.
func IDs() []string {
	return []string{RecordingRetention, ChatRetention, DropFolderRetention, ChatPersonalData, BlobWithoutRow,
		RowWithoutBlob, KeyWithoutRecording, StoreLocations, ProcessorCountries, UndeclaredProcessor,
		UnusedProcessor, AuditLog, SubjectRequests, RequestIdentifiers, SurveyNumbers, QualityWithoutRecording}
}

func count[T int | int64](n T, what string) Outcome {
	if n == 0 {
		return Outcome{Result: OK}
	}
	return Outcome{Result: Broken, Count: int64(n), Detail: fmt.Sprintf("%d %s", n, what)}
}

// promises builds the list from the policy in force (its notices' sentences) and the sources.
func (s *Service) promises() []Promise {
	pol := s.src.Policy()
	q := quoter{pol: pol, stores: s.src.StoreLocations}
	rec, bot := recording.System, chat.System
	var integrity *recording.Integrity // read once for its three promises
	readIntegrity := func(ctx context.Context) (recording.Integrity, error) {
		if integrity != nil {
			return *integrity, nil
		}
		in, err := s.src.Recordings.CheckIntegrity(ctx, s.src.Grace)
		if err == nil {
			integrity = &in
		}
		return in, err
	}
	return []Promise{
		{RecordingRetention, "No call recording kept past its retention, except under legal hold",
			q.quote(rec, "retention", "depends on the service area", "no longer than"),
			func(ctx context.Context) (Outcome, error) {
				n, err := s.src.Recordings.Overdue(ctx)
				return count(n, "recordings past their retention and not under legal hold"), err
			}},
		{ChatRetention, "No chatbot record kept past its retention",
			q.quote(bot, "information", "no longer than"),
			func(ctx context.Context) (Outcome, error) {
				n, err := s.src.Chat.Overdue(ctx)
				return count(n, "chat turns or unanswered examples past their retention"), err
			}},
		{DropFolderRetention, "No drop-folder file kept past its time",
			q.quote(rec, "retention", "as long as necessary"),
			func(ctx context.Context) (Outcome, error) {
				n, err := s.src.Recordings.OverdueDropFiles(ctx)
				return count(n, "files in a drop folder's failed/ past the policy's drop_folder.failed_retention"), err
			}},
		{ChatPersonalData, "No stored chatbot text with detectable personal data",
			q.quote(bot, "information", "do not intend"),
			func(ctx context.Context) (Outcome, error) {
				found, err := s.src.Chat.PersonalData(ctx)
				var n int
				var parts []string
				for _, k := range []string{store.ChatTextQuestion, store.ChatTextComment, store.ChatTextUnanswered, store.ChatTextHint} {
					if found[k] > 0 {
						n += found[k]
						parts = append(parts, fmt.Sprintf("%d %s", found[k], k))
					}
				}
				out := count(n, "")
				if n > 0 {
					out.Detail = "personal data detected in stored text: " + strings.Join(parts, ", ")
				}
				return out, err
			}},
		{BlobWithoutRow, "No recording audio without its recording",
			q.quote(rec, "security", "reasonable steps"),
			func(ctx context.Context) (Outcome, error) {
				in, err := readIntegrity(ctx)
				return count(in.BlobsWithoutRow, "blobs that no live recording owns"), err
			}},
		{RowWithoutBlob, "No recording without its audio",
			q.quote(rec, "security", "reasonable steps"),
			func(ctx context.Context) (Outcome, error) {
				in, err := readIntegrity(ctx)
				return count(in.RowsWithoutBlob, "recordings whose audio is missing from the blob store"), err
			}},
		{KeyWithoutRecording, "No wrapped key or sealed number without its recording",
			q.quote(rec, "security", "reasonable steps"),
			func(ctx context.Context) (Outcome, error) {
				in, err := readIntegrity(ctx)
				return count(in.KeysWithoutRecording, "destroyed recordings that still hold a key or number"), err
			}},
		{StoreLocations, "Every store in a location the policy allows",
			q.quote(rec, "security", "outside of the UK", "We store your information"),
			func(context.Context) (Outcome, error) { return s.storeLocations(pol), nil }},
		{ProcessorCountries, "Every processor used in its declared countries",
			q.quote(bot, "sharing", "will be shared with"),
			func(context.Context) (Outcome, error) {
				return s.integrations(pol, policy.ProblemCountries, policy.ProblemStores), nil
			}},
		{UndeclaredProcessor, "No data sent to a processor the notice does not name",
			q.quote(rec, "sharing", "anyone else"),
			func(context.Context) (Outcome, error) { return s.integrations(pol, policy.ProblemUndeclared), nil }},
		{UnusedProcessor, "Every processor the notice names is used",
			q.quote(bot, "sharing", "will be shared with"),
			func(context.Context) (Outcome, error) { return s.unusedProcessors(pol), nil }},
		{AuditLog, "The audit log verifies",
			q.quote(rec, "security", "Only the people"),
			func(ctx context.Context) (Outcome, error) {
				rep, err := s.src.Audit.Verify(ctx)
				if err != nil || rep.Problem == nil {
					return Outcome{Result: OK}, err
				}
				return Outcome{Result: Broken, Count: 1, Detail: rep.Problem.Error()}, nil
			}},
		{SubjectRequests, "No subject request past its due date",
			q.quote(rec, "rights", "You may request"),
			func(ctx context.Context) (Outcome, error) {
				return s.answer(ctx, s.src.Requests)
			}},
		{RequestIdentifiers, "No closed request's identifiers kept past their retention",
			q.quote(rec, "retention", "as long as necessary"),
			func(ctx context.Context) (Outcome, error) {
				return s.answer(ctx, s.src.RequestIdentifiers)
			}},
		{SurveyNumbers, "No survey request marked sent still holds a number",
			q.quote(rec, "feedback", "automatically deleted"),
			func(ctx context.Context) (Outcome, error) {
				if s.src.Surveys == nil {
					return Outcome{Result: Skipped, Detail: "surveys are not part of this instance"}, nil
				}
				return s.src.Surveys.Check(ctx, s.src.Now())
			}},
		{QualityWithoutRecording, "No evaluation or training clip kept after its recording or its training period",
			q.quote(rec, "retention", "chosen for training", "depends on the service area"),
			func(ctx context.Context) (Outcome, error) {
				if s.src.Quality == nil {
					return Outcome{Result: Skipped, Detail: "quality monitoring is not wired in"}, nil
				}
				return s.src.Quality.Check(ctx, s.src.Now())
			}},
	}
}

// answer asks a part that answers for its own promise; a part not built yet skips it.
func (s *Service) answer(ctx context.Context, c Checker) (Outcome, error) {
	if c == nil {
		return Outcome{Result: Skipped, Detail: "not yet built: the subject-request register will answer this when it lands"}, nil
	}
	return c.Check(ctx, s.src.Now())
}

// storeLocations checks every store of every system against the policy in force (start-up
// refuses a disallowed one, but a policy file may be edited and a check run against it).
func (s *Service) storeLocations(pol *policy.Policy) Outcome {
	var bad []string
	for _, sys := range pol.Systems {
		for _, loc := range s.src.StoreLocations(sys.ID) {
			if loc == "" || !pol.StorageLocationAllowed(sys.ID, loc) {
				if loc == "" {
					loc = "an undeclared location"
				}
				bad = append(bad, fmt.Sprintf("a store of %s data is in %s", sys.ID, loc))
			}
		}
	}
	if len(bad) == 0 {
		return Outcome{Result: OK}
	}
	return Outcome{Result: Broken, Count: int64(len(bad)), Detail: strings.Join(bad, "; ")}
}

// integrations reports the configured integrations the policy rejects for one of problems.
func (s *Service) integrations(pol *policy.Policy, problems ...string) Outcome {
	var bad []string
	for _, in := range s.src.Integrations {
		var ie *policy.IntegrationError
		if errors.As(pol.CheckIntegration(in), &ie) && slices.Contains(problems, ie.Problem) {
			bad = append(bad, ie.Error())
		}
	}
	if len(bad) == 0 {
		return Outcome{Result: OK}
	}
	return Outcome{Result: Broken, Count: int64(len(bad)), Detail: strings.Join(bad, "; ")}
}

// unusedProcessors warns of a processor the notice names that no integration sends data to:
// the notice promises something the configuration does not do, so the council corrects one.
func (s *Service) unusedProcessors(pol *policy.Policy) Outcome {
	var unused []string
	for _, sys := range pol.Systems {
		for _, pr := range sys.Processors {
			used := false
			for _, in := range s.src.Integrations {
				used = used || in.System == sys.ID && in.Processor == pr.ID
			}
			if !used {
				unused = append(unused, fmt.Sprintf("the %s notice names %s, but no integration sends it data", sys.Name, pr.Name))
			}
		}
	}
	sort.Strings(unused)
	if len(unused) == 0 {
		return Outcome{Result: OK}
	}
	return Outcome{Result: Warning, Count: int64(len(unused)), Detail: strings.Join(unused, "; ")}
}

// quoter finds the sentence of a notice a promise comes from.
type quoter struct {
	pol    *policy.Policy
	stores func(system string) []string
}

// quote returns the first sentence of the system's notice section that contains one of
// phrases (tried in order), as “…” (NAME notice); a section's first sentence when none
// does (a council's own wording); "" when the policy has no such system or section.
func (q quoter) quote(system, section string, phrases ...string) string {
	sys, ok := q.pol.System(system)
	if !ok {
		return ""
	}
	ss, err := notice.Sentences(q.pol, system, q.stores(system))
	if err != nil {
		return ""
	}
	var first string
	for _, ph := range phrases {
		for _, s := range ss {
			if s.Section != section {
				continue
			}
			if first == "" {
				first = s.Text
			}
			if strings.Contains(s.Text, ph) {
				return fmt.Sprintf("“%s” (%s notice)", s.Text, sys.Name)
			}
		}
	}
	if first == "" {
		return ""
	}
	return fmt.Sprintf("“%s” (%s notice)", first, sys.Name)
}
