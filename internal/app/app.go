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
	"sync/atomic"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/blob"
	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/config"
	"github.com/fairline/fairline/internal/crypt"
	"github.com/fairline/fairline/internal/jobs"
	"github.com/fairline/fairline/internal/kb"
	"github.com/fairline/fairline/internal/kb/crawl"
	"github.com/fairline/fairline/internal/keys"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
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
	Jobs   *jobs.Queue
	Blobs  blob.Store
	KEK    *crypt.FileKeyProvider
	// Recordings keeps call recordings.
	Recordings *recording.Service
	// Chat is the website chatbot; KB is the knowledge base it answers
	// from, built with hooks that keep the chatbot's index current.
	Chat *chat.Service
	KB   *kb.Service

	policy atomic.Pointer[policy.Policy]
}

// Options tune Open for tests.
type Options struct {
	PasswordParams auth.Params // zero: auth.DefaultParams
	Now            func() time.Time
	Registry       prometheus.Registerer // metrics of services; nil: none
}

// Open loads the policy, key file and database (migrating it) and builds
// the services. Everything that can be wrong with the configuration fails
// here, before anything is served.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger, o Options) (*App, error) {
	pol, err := LoadPolicy(cfg.Policy)
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
	// UK-only storage is checked before anything is stored: a bucket or
	// disk outside the policy's allowed locations refuses to start.
	if err := blob.CheckStoreLocation(blobs, func(loc string) bool {
		return pol.StorageLocationAllowed(recording.System, loc)
	}); err != nil {
		return nil, fmt.Errorf("recording storage: %w", err)
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
	a := &App{Config: cfg, Logger: log, Keys: ring, DB: db, Blobs: blobs, KEK: kek}
	a.Audit = audit.New(db, ring.Key(keys.PurposeAudit))
	if o.Now != nil {
		a.Audit.SetClock(o.Now)
	}
	a.policy.Store(pol)
	a.Auth = auth.NewService(db, a.Audit, auth.Options{
		ThrottleKey: ring.Key(keys.PurposeThrottle),
		KnownArea:   a.knownArea,
		Params:      o.PasswordParams,
		SessionIdle: cfg.SessionIdle,
		SessionMax:  cfg.SessionMax,
		Now:         o.Now,
	})
	if err := a.recordPolicy(ctx, pol); err != nil {
		db.Close()
		return nil, err
	}
	a.Recordings, err = recording.New(db, blobs, kek, crypt.NewBlindIndex(ring), a.Audit, a.Policy, log,
		recording.Options{Now: o.Now, Registry: o.Registry})
	if err != nil {
		db.Close()
		return nil, err
	}
	a.Jobs = jobs.New(db, log)
	if o.Now != nil {
		a.Jobs.SetClock(o.Now)
	}
	a.Chat = chat.New(db, a.Audit, a.Policy, chat.Options{Logger: log, Now: o.Now})
	a.KB = kb.New(db, kb.Options{Hooks: a.Chat.Hooks(), Logger: log, Now: o.Now, Audit: a.Audit})
	a.Jobs.Every(JobChatSweep, time.Hour, func(ctx context.Context, _ json.RawMessage) error {
		_, err := a.Chat.Sweep(ctx)
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
	// JobRecrawl re-crawls the knowledge base's known sites (serve
	// registers it with its --recrawl-every period).
	JobRecrawl = "kb.recrawl"
)

// Recrawl re-crawls every knowledge-base site that was crawled before, with
// the default crawl options; the hooks bring the chatbot's index up to date. A failing site
// does not stop the others; the first error is returned.
func (a *App) Recrawl(ctx context.Context) error {
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
		sum, err := a.KB.Crawl(ctx, src.BaseURL, crawl.Options{})
		if err != nil {
			a.Logger.Error("scheduled re-crawl failed", "site", src.BaseURL, "err", err)
			first = cmp.Or(first, err)
			continue
		}
		a.Logger.Info("scheduled re-crawl", "site", src.BaseURL, "summary", sum.String())
	}
	return first
}

// Sweep runs one retention pass: expired recordings, interrupted deletions,
// drop folders' failed imports past their period and orphaned blobs of
// uploads that crashed before committing.
func (a *App) Sweep(ctx context.Context) (recording.SweepResult, error) {
	res, err := a.Recordings.Sweep(ctx)
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
	if res.Deleted+res.Finished+res.Orphans+res.DropFolderFiles > 0 {
		a.Logger.Info("retention sweep", "deleted", res.Deleted, "finished", res.Finished, "orphans", res.Orphans,
			"drop_folder_files", res.DropFolderFiles)
	}
	return res, err
}

func openBlobs(cfg config.Config) (blob.Store, error) {
	if cfg.S3Bucket == "" {
		return blob.NewLocal(cfg.BlobDir, cfg.BlobLocation)
	}
	return blob.NewS3(blob.S3Config{Endpoint: cfg.S3Endpoint, Region: cfg.S3Region, Location: cfg.S3Location,
		Bucket: cfg.S3Bucket, Prefix: cfg.S3Prefix, AccessKeyID: cfg.S3AccessKey, SecretAccessKey: cfg.S3SecretKey,
		PathStyle: cfg.S3Endpoint != ""})
}

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

// Policy is the policy in force now.
func (a *App) Policy() *policy.Policy { return a.policy.Load() }

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

// ReloadPolicy re-reads the configured policy; an invalid file leaves the
// policy in force unchanged.
func (a *App) ReloadPolicy(ctx context.Context) error {
	pol, err := LoadPolicy(a.Config.Policy)
	if err != nil {
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
