// Package app wires configuration into running parts: key ring, database,
// policy, audit log and services. The CLI and the end-to-end tests both
// start Fairline through it, so they exercise the same wiring.
package app

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/blob"
	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/check"
	"github.com/fairline/fairline/internal/config"
	"github.com/fairline/fairline/internal/crypt"
	"github.com/fairline/fairline/internal/jobs"
	"github.com/fairline/fairline/internal/kb"
	"github.com/fairline/fairline/internal/kb/crawl"
	"github.com/fairline/fairline/internal/keys"
	"github.com/fairline/fairline/internal/notify"
	"github.com/fairline/fairline/internal/oidc"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/quality"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/rights"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/surveys"
	"github.com/prometheus/client_golang/prometheus"
)

// App is an opened Fairline instance.
type App struct {
	Config config.Config
	Logger *slog.Logger
	Keys   *keys.Ring
	DB     *store.DB
	Audit  *audit.Log
	Auth   *auth.Service
	// OIDC signs staff in through Microsoft Entra ID; nil when oidc-issuer is not set.
	OIDC  *oidc.Client
	Jobs  *jobs.Queue
	Blobs blob.Store
	KEK   *crypt.FileKeyProvider
	// Recordings keeps call recordings.
	Recordings *recording.Service
	// Rights is the register of data-subject requests.
	Rights *rights.Service
	// Surveys sends post-call feedback surveys and takes their answers.
	Surveys *surveys.Service
	// Quality is quality monitoring and the training library.
	Quality *quality.Service
	// Chat is the website chatbot; KB is the knowledge base it answers
	// from, built with hooks that keep the chatbot's index current.
	Chat *chat.Service
	KB   *kb.Service
	// Notify sends the post-call survey texts through GOV.UK Notify; nil when notify-url is
	// not set.
	Notify notify.Sender
	// Check proves the notices' promises (fairline check, the console,
	// /transparency, metrics).
	Check *check.Service

	policy atomic.Pointer[policy.Policy]
	demo   bool

	// Background work started by Start; Close stops it.
	stopBackground context.CancelFunc
	background     sync.WaitGroup
	closeOnce      sync.Once
	closeErr       error
}

// Options tune Open for tests.
type Options struct {
	PasswordParams auth.Params // zero: auth.DefaultParams
	Now            func() time.Time
	Registry       prometheus.Registerer // metrics of services; nil: none
	// Demo (serve --demo) runs the embedded demo council's policy
	// (chat.DemoPolicy: Scarfolk Council, unitary, so no topic goes to
	// another council) when no policy file is configured; with a policy
	// file it adds the embedded demo site to the chatbot's sources in that
	// policy (chat.WithDemoSource). Either way on start and on every reload,
	// so the knowledge base may hold the demo pages and the notice names it.
	Demo bool
	// SurveySender is GOV.UK Notify for post-call surveys; nil: the client of notify-url,
	// and without one none is sent (and no caller's number is sealed for one).
	SurveySender notify.Sender
	// SurveyCallbackToken is the bearer token of Notify's delivery-status callbacks; empty:
	// notify-callback-token, and without one every receipt is refused.
	SurveyCallbackToken string
	// JobLease and SurveyLease, when set, replace the job queue's lease (jobs.Queue.Lease) and
	// the survey sender's claim (surveys.Service.Lease): tests that SIGKILL a serve process
	// wait for its claims to lapse, and the production five and two minutes would make them slow.
	JobLease, SurveyLease time.Duration
	// Inspect (fairline check) opens an instance whose stores or
	// integrations the policy does not allow instead of refusing it, so
	// the check can report every broken promise rather than the first.
	// Nothing that opens with it may serve or store.
	Inspect bool
}

// Open loads the policy, key file and database (migrating it) and builds
// the services. Everything that can be wrong with the configuration fails
// here, before anything is served.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger, o Options) (*App, error) {
	pol, err := loadPolicy(cfg.Policy, o.Demo)
	if err != nil {
		return nil, err
	}
	ring, err := keys.LoadOrCreate(cfg.KeyFile)
	if err != nil {
		return nil, err
	}
	blobs, err := openBlobs(cfg)
	if err != nil {
		return nil, err
	}
	// UK-only storage is checked before anything is stored: a database,
	// bucket or disk outside the policy's allowed locations refuses to start.
	if err := checkStorage(pol, cfg.DBLocation, blobs); err != nil && !o.Inspect {
		return nil, err
	}
	// Every outbound integration goes to a processor the notice names, in
	// the countries it names, before anything is sent.
	integrations, err := Integrations(cfg)
	if err != nil {
		return nil, err
	}
	if err := CheckIntegrations(pol, cfg); err != nil && !o.Inspect {
		return nil, err
	}
	if s3, ok := blobs.(*blob.S3); ok {
		if err := s3.Check(ctx); err != nil {
			return nil, fmt.Errorf("object storage unreachable: %w", err)
		}
	}
	kek, err := crypt.OpenKeyFile(crypt.DefaultKEKPath(cfg.KeyFile))
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	for _, m := range applied {
		log.Info("applied migration", "migration", m)
	}
	cur, known, err := db.SchemaVersion(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if cur > known {
		db.Close()
		return nil, fmt.Errorf("the database schema (version %d) is newer than this release knows (%d): upgrade Fairline", cur, known)
	}
	a := &App{Config: cfg, Logger: log, Keys: ring, DB: db, Blobs: blobs, KEK: kek, demo: o.Demo}
	if cfg.NotifyURL != "" {
		// config.Validate has checked the address and the key's form.
		c, err := notify.New(cfg.NotifyURL, cfg.NotifyAPIKey)
		if err != nil {
			db.Close()
			return nil, err
		}
		a.Notify = c
	}
	a.Audit = audit.New(db, ring.Key(keys.PurposeAudit))
	if o.Now != nil {
		a.Audit.SetClock(o.Now)
	}
	a.policy.Store(pol)
	a.Auth = auth.NewService(db, a.Audit, auth.Options{
		ThrottleKey:       ring.Key(keys.PurposeThrottle),
		KnownArea:         a.knownArea,
		Params:            o.PasswordParams,
		SessionIdle:       cfg.SessionIdle,
		SessionMax:        cfg.SessionMax,
		Now:               o.Now,
		PasswordSignInOff: !cfg.PasswordSignIn,
		BreakGlass:        cfg.BreakGlassAdmin,
	})
	if cfg.OIDCIssuer != "" {
		m, err := a.oidcMapping(cfg.OIDCMapping)
		if err != nil {
			db.Close()
			return nil, err
		}
		a.OIDC = oidc.New(oidc.Config{Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret,
			TenantID: cfg.OIDCTenantID, RedirectURL: cfg.OIDCRedirectURL, Mapping: m, Now: o.Now}, db, a.Auth)
	}
	if err := a.recordPolicy(ctx, pol); err != nil {
		db.Close()
		return nil, err
	}
	bidx := crypt.NewBlindIndex(ring)
	sender, callbackToken := o.SurveySender, o.SurveyCallbackToken
	if sender == nil && a.Notify != nil {
		sender = a.Notify
	}
	if callbackToken == "" {
		callbackToken = cfg.NotifyCallbackToken
	}
	a.Surveys = surveys.New(db, a.Policy, ring.Key(surveys.KeyPurpose), surveys.Options{Sender: sender,
		BaseURL: cfg.BaseURL, Logger: log, Now: o.Now, CallbackToken: callbackToken, Index: bidx})
	if o.SurveyLease > 0 {
		a.Surveys.Lease = o.SurveyLease
	}
	a.Recordings, err = recording.New(db, blobs, kek, bidx, a.Audit, a.Policy, log,
		recording.Options{Now: o.Now, Registry: o.Registry, Calls: a.Surveys})
	if err != nil {
		db.Close()
		return nil, err
	}
	a.Quality = quality.New(db, a.Recordings, a.Audit, a.Policy, o.Now)
	a.Rights = rights.New(db, a.Audit, a.Recordings, ring, bidx, a.Policy, log, rights.Options{Now: o.Now, Corrected: a.Quality})
	a.Jobs = jobs.New(db, log)
	if o.JobLease > 0 {
		a.Jobs.Lease = o.JobLease
	}
	if o.Now != nil {
		a.Jobs.SetClock(o.Now)
	}
	copts := chat.Options{Logger: log, Now: o.Now}
	if DemoCouncil(cfg.Policy, o.Demo) {
		copts.OtherCouncils = chat.DemoOtherCouncils()
	}
	a.Chat = chat.New(db, a.Audit, a.Policy, copts)
	a.Check = check.New(check.Sources{Policy: a.Policy, Recordings: a.Recordings, Chat: a.Chat, Audit: a.Audit,
		StoreLocations: a.StoreLocations, Integrations: integrations, Requests: overdueRequests{a.Rights},
		RequestIdentifiers: staleIdentifiers{a.Rights},
		Surveys:            heldNumbers{a.Surveys},
		Quality:            a.Quality, Now: o.Now})
	a.KB = kb.New(db, kb.Options{Hooks: a.Chat.Hooks(), Logger: log, Now: o.Now, Audit: a.Audit, Policy: a.Policy})
	a.Jobs.Every(JobChatSweep, time.Hour, func(ctx context.Context, _ json.RawMessage) error {
		_, err := a.SweepChat(ctx)
		return err
	})
	a.Jobs.Every("sessions.cleanup", 15*time.Minute, func(ctx context.Context, _ json.RawMessage) error {
		n, err := db.Q().DeleteExpiredSessions(ctx, time.Now())
		if n > 0 {
			log.Info("expired sessions removed", "count", n)
		}
		return err
	})
	a.Jobs.Every(JobRetentionSweep, 10*time.Minute, func(ctx context.Context, _ json.RawMessage) error {
		_, err := a.Sweep(ctx)
		return err
	})
	a.Jobs.Every(JobRightsReminder, 24*time.Hour, func(ctx context.Context, _ json.RawMessage) error {
		return a.Rights.Remind(ctx)
	})
	a.Jobs.Every(JobSurveysSend, time.Minute, func(ctx context.Context, _ json.RawMessage) error {
		sum, err := a.Surveys.Send(ctx)
		if sum != (surveys.Summary{}) {
			log.Info("survey requests", "sent", sum.Sent, "failed", sum.Failed, "expired", sum.Expired,
				"cancelled", sum.Cancelled, "retried", sum.Retried, "resolved", sum.Resolved)
		}
		return err
	})
	a.Jobs.Handle(JobApplyRetention, func(ctx context.Context, _ json.RawMessage) error {
		n, err := a.Recordings.ApplyRetention(ctx)
		if n > 0 {
			log.Info("retention recomputed after a policy change", "recordings", n)
		}
		return err
	})
	return a, nil
}

// Background job kinds.
const (
	JobRetentionSweep = "retention.sweep"
	JobApplyRetention = "retention.apply"
	// JobChatSweep deletes chatbot turns past the policy's retention.
	JobChatSweep = "chat.sweep"
	// JobRightsReminder logs, daily, how many data-subject requests are due
	// soon or overdue (counts only), beside the console's reminders.
	JobRightsReminder = "rights.remind"
	// JobRecrawl re-crawls the knowledge base's known sites (serve
	// registers it with its --recrawl-every period).
	JobRecrawl = "kb.recrawl"
	// JobSurveysSend works the survey outbox (internal/surveys).
	JobSurveysSend = "surveys.send"
)

// Recrawl re-crawls every knowledge-base site that was crawled before, with
// the default crawl options; the hooks bring the chatbot's index up to date. A failing site
// does not stop the others; the first error is returned. The same rules as
// `kb crawl` apply: a site no longer among the policy's chatbot sources is
// refused, and private addresses only with allowPrivate (serve
// --crawl-allow-private).
func (a *App) Recrawl(ctx context.Context, allowPrivate bool) error {
	srcs, err := a.DB.Q().KBSources(ctx)
	if err != nil {
		return err
	}
	var first error
	for _, src := range srcs {
		// Sites that were only imported from a file (the --demo site, for
		// one) have no crawl to repeat: never reach out to them.
		if src.LastCrawlStartedAt.IsZero() {
			continue
		}
		sum, err := a.KB.Crawl(ctx, src.BaseURL, crawl.Options{AllowPrivate: allowPrivate})
		if err != nil {
			a.Logger.Error("scheduled re-crawl failed", "site", src.BaseURL, "err", err)
			first = cmp.Or(first, err)
			continue
		}
		a.Logger.Info("scheduled re-crawl", "site", src.BaseURL, "summary", sum.String())
	}
	return first
}

// SweepChat deletes the chatbot turns past the policy's retention and then
// scrubs the database files of them (store.DB.Scrub).
func (a *App) SweepChat(ctx context.Context) (int64, error) {
	n, err := a.Chat.Sweep(ctx)
	return n, errors.Join(err, a.DB.Scrub(ctx))
}

// Sweep runs one retention pass: expired recordings, interrupted deletions,
// drop folders' failed imports past their period and orphaned blobs of
// uploads that crashed before committing; then it
// scrubs the database files of what was deleted, by this pass or by anything
// else since the last one (store.DB.Scrub).
func (a *App) Sweep(ctx context.Context) (res recording.SweepResult, err error) {
	defer func() { err = errors.Join(err, a.DB.Scrub(ctx)) }()
	res, err = a.Recordings.Sweep(ctx)
	if err != nil {
		return res, err
	}
	res.Orphans, err = a.Recordings.SweepOrphans(ctx, time.Hour)
	if err != nil {
		return res, err
	}
	// A crash mid-upload can also leave the local store's temporary file.
	if l, ok := a.Blobs.(*blob.Local); ok {
		n, terr := l.SweepTemp(ctx, time.Hour)
		res.Orphans += n
		err = terr
	}
	// Closed rights cases whose identifier retention ended forget them.
	if err == nil {
		res.RightsIdentifiers, err = a.Rights.Sweep(ctx)
	}
	// Quality score aggregates past quality.StatsRetention (staff data).
	if err == nil {
		_, err = a.Quality.SweepStats(ctx)
	}
	if res.Deleted+res.Finished+res.Orphans+res.DropFolderFiles+res.RightsIdentifiers > 0 {
		a.Logger.Info("retention sweep", "deleted", res.Deleted, "finished", res.Finished, "orphans", res.Orphans,
			"drop_folder_files", res.DropFolderFiles, "rights_identifiers", res.RightsIdentifiers)
	}
	return res, err
}

func openBlobs(cfg config.Config) (blob.Store, error) {
	if cfg.S3Bucket == "" {
		if filepath.Clean(cfg.BlobDir) == filepath.Clean(cfg.DefaultBlobDir()) {
			return blob.NewLocal(cfg.BlobDir, cfg.BlobLocation)
		}
		// A folder configured by hand is often a mount: never create it.
		l, err := blob.OpenLocal(cfg.BlobDir, cfg.BlobLocation)
		if err != nil {
			return nil, fmt.Errorf("blob-dir: %w", err)
		}
		return l, nil
	}
	return blob.NewS3(blob.S3Config{Endpoint: cfg.S3Endpoint, Region: cfg.S3Region, Location: cfg.S3Location,
		Bucket: cfg.S3Bucket, Prefix: cfg.S3Prefix, AccessKeyID: cfg.S3AccessKey, SecretAccessKey: cfg.S3SecretKey,
		PathStyle: cfg.S3Endpoint != ""})
}

// checkStorage refuses a policy that does not allow where the configured
// stores keep data: the database, which holds data of every system (chat
// turns, recordings' rows and keys, the audit log), and the recording blob
// store.
func checkStorage(pol *policy.Policy, dbLocation string, blobs blob.Store) error {
	loc := blob.NormalizeLocation(dbLocation)
	for _, sys := range pol.Systems {
		if loc == "" || !pol.StorageLocationAllowed(sys.ID, loc) {
			where := loc
			if where == "" {
				where = "an undeclared location"
			}
			return fmt.Errorf("database storage: the database is declared to be in %s (db-location), which the policy does not allow for storage of %s data", where, sys.ID)
		}
	}
	if err := blob.CheckStoreLocation(blobs, func(loc string) bool {
		return pol.StorageLocationAllowed(recording.System, loc)
	}); err != nil {
		return fmt.Errorf("recording storage: %w", err)
	}
	return nil
}

// StoreLocations lists the declared location code of every store that keeps
// a system's personal data under cfg: the database (db-location) for every
// system, and for call recording also the blob store (blob-location, or the
// S3 bucket's region and s3-location). The notices say where information is
// stored only when the policy allows every one of them. It reads the
// configuration only, so `fairline policy notice` can use it without a
// database.
func StoreLocations(cfg config.Config, system string) ([]string, error) {
	locs := []string{blob.NormalizeLocation(cfg.DBLocation)}
	if system != recording.System {
		return locs, nil
	}
	if cfg.S3Bucket == "" {
		return append(locs, blob.NormalizeLocation(cfg.BlobLocation)), nil
	}
	loc, err := blob.ResolveLocation(cfg.S3Region, cfg.S3Location)
	if err != nil {
		return nil, fmt.Errorf("recording storage: %w", err)
	}
	return append(locs, loc), nil
}

// Integrations lists the outbound integrations cfg configures, each with
// the processor it is configured against and where it processes data:
// the S3 bucket of call recordings and GOV.UK Notify, which sends the
// survey texts (e-mail and identity providers join here when they exist).
// It reads the configuration only.
func Integrations(cfg config.Config) ([]policy.Integration, error) {
	var out []policy.Integration
	if cfg.S3Bucket != "" {
		loc, err := blob.ResolveLocation(cfg.S3Region, cfg.S3Location)
		if err != nil {
			return nil, fmt.Errorf("recording storage: %w", err)
		}
		field := "s3-region"
		if cfg.S3Location != "" {
			field = "s3-location"
		}
		out = append(out, policy.Integration{Name: "S3 object storage", System: recording.System,
			Processor: cfg.S3Processor, ProcessorField: "s3-processor", Location: loc, LocationField: field,
			Stores: true, Endpoint: cfg.S3Endpoint})
	}
	if cfg.NotifyURL != "" {
		// Notify keeps each message, number included, for its data retention period (7 days
		// by default), so it stores the data.
		out = append(out, policy.Integration{Name: "GOV.UK Notify", System: recording.System,
			Processor: cfg.NotifyProcessor, ProcessorField: "notify-processor",
			Location: blob.NormalizeLocation(cfg.NotifyLocation), LocationField: "notify-location",
			Stores: true, Endpoint: cfg.NotifyURL})
	}
	if cfg.OIDCIssuer != "" {
		// Entra keeps the staff directory it already holds for the council's Microsoft 365.
		out = append(out, policy.Integration{Name: "OpenID Connect sign-in", System: policy.StaffSystem,
			Processor: cfg.OIDCProcessor, ProcessorField: "oidc-processor",
			Location: blob.NormalizeLocation(cfg.OIDCLocation), LocationField: "oidc-location",
			Stores: true, Endpoint: cfg.OIDCIssuer})
	}
	return out, nil
}

// CheckIntegrations refuses configuration that sends data to a processor
// pol does not declare, or outside the countries it declares for it.
func CheckIntegrations(pol *policy.Policy, cfg config.Config) error {
	ins, err := Integrations(cfg)
	if err != nil {
		return err
	}
	var errs []error
	for _, in := range ins {
		errs = append(errs, pol.CheckIntegration(in))
	}
	return errors.Join(errs...)
}

// StoreLocations lists where the stores of system's data are, as the
// running instance was configured (see the function StoreLocations).
func (a *App) StoreLocations(system string) []string {
	locs := []string{blob.NormalizeLocation(a.Config.DBLocation)}
	if system == recording.System {
		locs = append(locs, a.Blobs.Location())
	}
	return locs
}

// Start runs the instance's background work until Close: the job runner,
// under jobs.Queue.Supervise (restarted when it fails; running jobs finish
// on Close rather than being cut off), and the chatbot's look, every
// kbPoll, for knowledge-base changes made by other instances or the CLI.
// serve calls it once; one-shot commands do not.
func (a *App) Start(kbPoll time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	a.stopBackground = cancel
	a.background.Go(func() { a.Jobs.Supervise(ctx) })
	a.background.Go(func() { a.Chat.Watch(ctx, kbPoll) })
}

// Close stops the instance in order: the background work Start began, then
// the services (the chatbot commits the questions it was handed), then the
// database, which they use until they stop. Calling it again does nothing.
func (a *App) Close() error {
	a.closeOnce.Do(func() {
		if a.stopBackground != nil {
			a.stopBackground()
		}
		a.background.Wait()
		a.closeErr = errors.Join(a.Chat.Close(), a.DB.Close())
	})
	return a.closeErr
}

// Policy is the policy in force now.
func (a *App) Policy() *policy.Policy { return a.policy.Load() }

// oidcMapping loads the group mapping and refuses, at start-up, a rule
// naming a role that does not exist or a service area the policy does not
// have, rather than refusing the people it names at their sign-in.
func (a *App) oidcMapping(path string) (oidc.Mapping, error) {
	m, err := oidc.LoadMapping(path)
	if err != nil {
		return oidc.Mapping{}, err
	}
	var errs []error
	for i, r := range m.Rules {
		role, err := auth.ParseRole(r.Role)
		if err != nil {
			errs = append(errs, fmt.Errorf("oidc-mapping: rules[%d].role: %w", i, err))
			continue
		}
		if role.Scoped() != (len(r.ServiceAreas) > 0) {
			errs = append(errs, fmt.Errorf("oidc-mapping: rules[%d]: %s needs service areas exactly when the role is scoped to them", i, role.Label()))
		}
		for _, area := range r.ServiceAreas {
			if !a.knownArea(area) {
				errs = append(errs, fmt.Errorf("oidc-mapping: rules[%d].service_areas: %q is not a service area in the policy", i, area))
			}
		}
	}
	return m, errors.Join(errs...)
}

func (a *App) knownArea(id string) bool {
	for _, sys := range a.Policy().Systems {
		if _, ok := sys.ServiceArea(id); ok {
			return true
		}
	}
	return false
}

// LoadPolicy reads path, or the embedded default when path is empty.
func LoadPolicy(path string) (*policy.Policy, error) {
	if path == "" {
		return policy.Parse("embedded default policy", policy.DefaultYAML())
	}
	return policy.Load(path)
}

// DemoCouncil reports whether demo mode runs the embedded demo council's
// policy: --demo without a policy file (--policy, FAIRLINE_POLICY).
func DemoCouncil(path string, demo bool) bool { return demo && path == "" }

// loadPolicy is LoadPolicy, in demo mode the demo council's policy, or
// with the demo site declared as a chatbot source when a file is given.
func loadPolicy(path string, demo bool) (*policy.Policy, error) {
	if DemoCouncil(path, demo) {
		return chat.DemoPolicy()
	}
	pol, err := LoadPolicy(path)
	if err != nil || !demo {
		return pol, err
	}
	return chat.WithDemoSource(pol)
}

// SitesOutsideSources lists the knowledge base's sites whose host is not
// one of the chatbot's sources in the policy in force (pages imported
// under an earlier policy, or in demo mode): the chatbot may answer from
// them although the notice does not name them, so serve warns.
func (a *App) SitesOutsideSources(ctx context.Context) ([]string, error) {
	srcs, err := a.DB.Q().KBSources(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range srcs {
		if a.Policy().CheckSource(kb.System, s.BaseURL) != nil {
			out = append(out, s.BaseURL)
		}
	}
	return out, nil
}

// ReloadPolicy re-reads the configured policy; an invalid file leaves the
// policy in force unchanged.
func (a *App) ReloadPolicy(ctx context.Context) error {
	pol, err := loadPolicy(a.Config.Policy, a.demo)
	if err != nil {
		return err
	}
	// A policy that no longer allows where the data is stored would make
	// the notices wrong and the stores unlawful: refused like at start-up.
	if err := checkStorage(pol, a.Config.DBLocation, a.Blobs); err != nil {
		return err
	}
	// Nor may a new policy drop or narrow a processor an integration uses.
	if err := CheckIntegrations(pol, a.Config); err != nil {
		return err
	}
	if err := a.recordPolicy(ctx, pol); err != nil {
		return err
	}
	a.policy.Store(pol)
	if a.Chat != nil {
		// Pages are classified into the policy's service areas, which may
		// have changed.
		if err := a.Chat.LoadIndex(ctx); err != nil {
			a.Logger.Warn("could not rebuild the chatbot index for the new policy", "err", err)
		}
	}
	return nil
}

// PolicyHistory lists the policies that came into force, newest first, at
// most limit.
func (a *App) PolicyHistory(ctx context.Context, limit int) ([]policy.Version, error) {
	vs, err := a.DB.Q().PolicyVersions(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]policy.Version, len(vs))
	for i, v := range vs {
		out[i] = policy.Version{Hash: v.Hash, Source: v.Source, ActivatedAt: v.ActivatedAt}
	}
	return out, nil
}

// recordPolicy remembers each distinct policy that comes into force and
// audits the change, so "which rules applied on date X" has an answer.
func (a *App) recordPolicy(ctx context.Context, pol *policy.Policy) error {
	return a.DB.Tx(ctx, func(q *store.Q) error {
		last, err := q.LatestPolicy(ctx)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err == nil && last.Hash == pol.Hash() {
			return nil
		}
		if _, err := q.AddPolicyVersion(ctx, store.PolicyVersion{Hash: pol.Hash(), Source: pol.Source,
			Content: string(pol.Bytes()), ActivatedAt: time.Now()}); err != nil {
			return err
		}
		// Recordings already stored follow the new periods.
		if _, err := q.EnqueueJob(ctx, store.Job{Kind: JobApplyRetention, UniqueKey: JobApplyRetention,
			RunAt: time.Now(), CreatedAt: time.Now()}); err != nil {
			return err
		}
		_, err = a.Audit.Append(ctx, q, audit.Entry{Actor: "system", Action: "policy.activate",
			Object: "policy:" + pol.Hash()[:16], Purpose: "accountability", Outcome: audit.Success})
		if err == nil {
			a.Logger.Info("policy in force", "source", pol.Source, "sha256", pol.Hash()[:16])
		}
		return err
	})
}

// heldNumbers answers fairline check's "no survey request marked sent still holds a number"
// from the survey outbox: a finished request holding one, or one an hour past its expiry.
type heldNumbers struct{ s *surveys.Service }

func (h heldNumbers) Check(ctx context.Context, now time.Time) (check.Outcome, error) {
	finished, late, err := h.s.NumbersHeld(ctx, now, time.Hour)
	if err != nil || finished+late == 0 {
		return check.Outcome{Result: check.OK}, err
	}
	return check.Outcome{Result: check.Broken, Count: finished + late,
		Detail: fmt.Sprintf("%d survey requests sent, refused or cancelled still hold a number; %d hold one over an hour past their expiry", finished, late)}, nil
}

// overdueRequests answers fairline check's "no subject request past its due date" from the
// rights register (cases whose clock is stopped, waiting for the requester, are not overdue).
type overdueRequests struct{ r *rights.Service }

func (o overdueRequests) Check(ctx context.Context, _ time.Time) (check.Outcome, error) {
	n, err := o.r.Overdue(ctx)
	if err != nil {
		return check.Outcome{}, err
	}
	if n == 0 {
		return check.Outcome{Result: check.OK}, nil
	}
	return check.Outcome{Result: check.Broken, Count: int64(n), Detail: fmt.Sprintf("%d requests past their due date", n)}, nil
}

// staleIdentifiers answers fairline check's "no requester's identifiers kept past their
// retention": closed cases whose sealed identifiers the rights sweep should have destroyed.
type staleIdentifiers struct{ r *rights.Service }

func (o staleIdentifiers) Check(ctx context.Context, now time.Time) (check.Outcome, error) {
	n, err := o.r.StaleIdentifiers(ctx, now)
	if err != nil || n == 0 {
		return check.Outcome{Result: check.OK}, err
	}
	return check.Outcome{Result: check.Broken, Count: int64(n), Detail: fmt.Sprintf(
		"%d closed requests still hold the requester's identifiers after rights_requests.identifier_retention", n)}, nil
}
