package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/fairline/fairline/internal/api"
	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/config"
	"github.com/fairline/fairline/internal/keys"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/web"
)

// tempApp opens a throw-away Fairline in a temporary folder (SQLite unless
// db is a postgres:// URL).
func tempApp(ctx context.Context, db string, o app.Options) (*app.App, func(), error) {
	dir, err := os.MkdirTemp("", "fairline-bench-")
	if err != nil {
		return nil, nil, err
	}
	cfg := config.Defaults()
	cfg.DataDir, cfg.KeyFile, cfg.BlobDir = dir, filepath.Join(dir, "keys.json"), filepath.Join(dir, "blobs")
	cfg.DB = filepath.Join(dir, "fairline.db")
	if db != "" {
		cfg.DB = db
	}
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), o)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return a, func() { a.Close(); os.RemoveAll(dir) }, nil
}

// wavOf makes a valid 8 kHz 16-bit mono WAV of about size bytes of noise.
func wavOf(size int) []byte {
	data := make([]byte, size-44)
	rand.Read(data)
	h := make([]byte, 44)
	copy(h, "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+len(data)))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1)
	binary.LittleEndian.PutUint16(h[22:], 1)
	binary.LittleEndian.PutUint32(h[24:], 8000)
	binary.LittleEndian.PutUint32(h[28:], 16000)
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(len(data)))
	return append(h, data...)
}

// benchMeta is the metadata of the n-th bench upload of audio.
func benchMeta(audio []byte, area string, n int) recording.Metadata {
	sum := sha256.Sum256(audio)
	return recording.Metadata{ExternalID: fmt.Sprintf("bench-%d", n), Direction: "inbound", ServiceArea: area, AgentID: "bench",
		StartedAt: time.Now().Add(-time.Minute), DurationSeconds: float64(len(audio)) / 16000, SHA256: hex.EncodeToString(sum[:])}
}

// IngestOptions configure Ingest.
type IngestOptions struct {
	// SizeMB is the size of the recording used for the throughput figures;
	// Rounds how many copies and ingests of it alternate (the best counts).
	SizeMB, Rounds int
	// Uploads small recordings are sent through the HTTP API by Clients
	// concurrent clients.
	Uploads, Clients int
}

// Ingest measures encrypted ingest into the local store against a plain
// file copy of the same data, and uploads per second through the HTTP API,
// and writes the figures to w.
func Ingest(ctx context.Context, w io.Writer, o IngestOptions) error {
	a, done, err := tempApp(ctx, "", app.Options{})
	if err != nil {
		return err
	}
	defer done()
	audio := wavOf(o.SizeMB << 20)
	src := filepath.Join(a.Config.DataDir, "source.wav")
	if err := os.WriteFile(src, audio, 0o600); err != nil {
		return err
	}
	mb := float64(len(audio)) / (1 << 20)

	// Baseline: copy the same file into the same folder, with the fsync a
	// durable store needs.
	copyOnce := func(i int) (time.Duration, error) {
		start := time.Now()
		in, err := os.Open(src)
		if err != nil {
			return 0, err
		}
		defer in.Close()
		out, err := os.Create(filepath.Join(a.Config.BlobDir, fmt.Sprintf("copy-%d", i)))
		if err != nil {
			return 0, err
		}
		if _, err := io.Copy(out, in); err != nil {
			return 0, err
		}
		if err := out.Sync(); err != nil {
			return 0, err
		}
		return time.Since(start), out.Close()
	}
	ingestOnce := func(i int) (time.Duration, error) {
		// The metadata carries the digest the telephony system computed: the
		// client's work, so outside the timing.
		meta := benchMeta(audio, "trading-standards", i)
		start := time.Now()
		in, err := os.Open(src)
		if err != nil {
			return 0, err
		}
		defer in.Close()
		_, err = a.Recordings.Ingest(ctx, "cli", fmt.Sprintf("bench-big-%d", i), meta, in)
		return time.Since(start), err
	}
	var copyBest, ingestBest time.Duration
	for i := 0; i < o.Rounds; i++ {
		c, err := copyOnce(i)
		if err != nil {
			return err
		}
		in, err := ingestOnce(i)
		if err != nil {
			return err
		}
		if copyBest == 0 || c < copyBest {
			copyBest = c
		}
		if ingestBest == 0 || in < ingestBest {
			ingestBest = in
		}
	}
	copyMBs, ingestMBs := mb/copyBest.Seconds(), mb/ingestBest.Seconds()
	fmt.Fprintf(w, "recording size        %.0f MB (best of %d)\n", mb, o.Rounds)
	fmt.Fprintf(w, "plain file copy       %8.1f MB/s\n", copyMBs)
	fmt.Fprintf(w, "encrypted ingest      %8.1f MB/s   ratio %.2f of copy speed (goal ≥ 0.70)\n", ingestMBs, ingestMBs/copyMBs)

	// Uploads per second through the real HTTP stack.
	apiSrv, err := api.New(api.Deps{Auth: a.Auth, Audit: a.Audit, Policy: a.Policy, Recordings: a.Recordings, Logger: a.Logger})
	if err != nil {
		return err
	}
	site, err := web.New(web.Deps{Auth: a.Auth, Audit: a.Audit, Policy: a.Policy, CSRFKey: a.Keys.Key(keys.PurposeCSRF),
		API: apiSrv, Recordings: a.Recordings, Logger: a.Logger})
	if err != nil {
		return err
	}
	base, stop, err := serveLoopback(site.Handler())
	if err != nil {
		return err
	}
	defer stop()
	_, token, err := a.Auth.IssueToken(ctx, "cli", "bench", []string{auth.ScopeRecordingsWrite})
	if err != nil {
		return err
	}
	small := wavOf(256 << 10)
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	jobs := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < o.Clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				t0 := time.Now()
				err := postRecording(base, token, fmt.Sprintf("bench-small-%d", i), benchMeta(small, "adult-social-care", 1000+i), small)
				mu.Lock()
				lat = append(lat, time.Since(t0))
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < o.Uploads; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	took := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Fprintf(w, "HTTP API uploads      %8.1f uploads/s of 256 KB with %d clients (p50 %v, p99 %v)\n",
		float64(o.Uploads)/took.Seconds(), o.Clients, lat[len(lat)/2].Round(time.Microsecond), lat[len(lat)*99/100].Round(time.Microsecond))
	return nil
}

func postRecording(base, token, key string, meta recording.Metadata, audio []byte) error {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, _ := mw.CreateFormField("metadata")
	json.NewEncoder(part).Encode(meta)
	part, _ = mw.CreateFormFile("audio", "call.wav")
	part.Write(audio)
	mw.Close()
	req, _ := http.NewRequest("POST", base+"/api/v1/recordings", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("upload: %d %s", resp.StatusCode, b)
	}
	return nil
}

// SweepOptions configure Sweep.
type SweepOptions struct {
	// Recordings are stored, Expired percent of them past their retention
	// period, before the sweep.
	Recordings int
	Expired    float64
	// Postgres, when set, is the URL of an empty PostgreSQL database to
	// measure as well as SQLite.
	Postgres string
}

// Sweep measures the retention sweep and the phone-number lookup over many
// stored recordings, on SQLite and (with Postgres) PostgreSQL, and writes
// the figures to w.
func Sweep(ctx context.Context, w io.Writer, o SweepOptions) error {
	dbs := []string{""}
	if o.Postgres != "" {
		dbs = append(dbs, o.Postgres)
	}
	for _, db := range dbs {
		name := "SQLite"
		if db != "" {
			name = "PostgreSQL"
		}
		if err := sweepOnce(ctx, w, name, db, o.Recordings, o.Expired); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if o.Postgres == "" {
		fmt.Fprintln(w, "PostgreSQL: not measured (give --postgres URL)")
	}
	return nil
}

func sweepOnce(ctx context.Context, w io.Writer, name, db string, n int, pct float64) error {
	a, done, err := tempApp(ctx, db, app.Options{})
	if err != nil {
		return err
	}
	defer done()
	if existing, err := a.DB.Q().Recordings(ctx, store.RecordingFilter{Limit: 1}); err != nil {
		return err
	} else if len(existing) > 0 {
		return fmt.Errorf("the database already holds recordings: give an empty one")
	}
	if db != "" {
		// Leave the PostgreSQL database empty again (it held no recordings).
		defer a.DB.DeleteAllRows(context.WithoutCancel(ctx), "recordings")
	}
	now := time.Now()
	expired := int(float64(n) * pct / 100)
	load := time.Now()
	rs := make([]store.Recording, 0, 5000)
	var target string
	flush := func() error {
		err := a.DB.Tx(ctx, func(q *store.Q) error { return q.InsertRecordings(ctx, rs) })
		rs = rs[:0]
		return err
	}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%032x", i)
		r := store.Recording{ID: id, ExternalID: id, IdempotencyKey: id, Direction: "inbound", ServiceArea: "trading-standards",
			AgentID: "bench", StartedAt: now.Add(-time.Hour), Duration: time.Minute, Channels: 1, Format: "wav/pcm", MediaType: "audio/wav",
			SHA256: id + id, BlobKey: "recordings/" + id[:2] + "/" + id, WrappedKey: "bench", CreatedAt: now,
			ExpiresAt: now.AddDate(0, 6, 0)}
		if i%int(100/pct) == 0 && i/int(100/pct) < expired {
			r.ExpiresAt = now.Add(-time.Minute)
			if _, err := a.Blobs.Put(ctx, r.BlobKey, bytes.NewReader([]byte("x"))); err != nil {
				return err
			}
		}
		idx := sha256.Sum256([]byte(fmt.Sprint("number-", i)))
		r.NumberBIdx = hex.EncodeToString(idx[:])
		if i == n/2+1 {
			target = r.NumberBIdx
		}
		rs = append(rs, r)
		if len(rs) == cap(rs) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	// Autovacuum would do this in production; a bulk load outruns it.
	if err := a.DB.Q().Analyze(ctx, "recordings"); err != nil {
		return err
	}
	fmt.Fprintf(w, "%-10s loaded %d recordings (%d expired) in %v\n", name, n, expired, time.Since(load).Round(time.Millisecond))

	t0 := time.Now()
	res, err := a.Recordings.Sweep(ctx)
	if err != nil {
		return err
	}
	sweepTook := time.Since(t0)
	if res.Deleted != expired {
		return fmt.Errorf("sweep deleted %d, want %d", res.Deleted, expired)
	}
	const lookups = 200
	var total time.Duration
	for i := 0; i < lookups; i++ {
		t := time.Now()
		got, err := a.DB.Q().Recordings(ctx, store.RecordingFilter{NumberBIdx: target, Limit: 10})
		total += time.Since(t)
		if err != nil || len(got) != 1 {
			return fmt.Errorf("lookup found %d, %v", len(got), err)
		}
	}
	fmt.Fprintf(w, "%-10s sweep of %d expired: %v (goal < 10 s); number lookup across %d: %v mean (goal < 20 ms)\n",
		name, expired, sweepTook.Round(time.Millisecond), n, (total / lookups).Round(time.Microsecond))
	return nil
}
