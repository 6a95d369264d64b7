package cli

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/fairline/fairline/internal/testutil/pgtest"
	"github.com/fairline/fairline/internal/testutil/s3test"
)

// TestImportThenSweepOnEveryStore: a recording imported from a drop folder
// is destroyed by `fairline sweep` once its service area's period ends, and
// afterwards neither its blob nor its wrapped key exists — on SQLite and
// PostgreSQL, with the local folder and with S3.
func TestImportThenSweepOnEveryStore(t *testing.T) {
	audio, err := os.ReadFile("../../testdata/audio/speech-mulaw.wav")
	if err != nil {
		t.Fatal(err)
	}
	for _, dialect := range []string{"sqlite", "postgres"} {
		for _, blobs := range []string{"local", "s3"} {
			t.Run(dialect+"/"+blobs, func(t *testing.T) {
				env := dataEnv(t)
				driver, dsn := "sqlite", filepath.Join(env["FAIRLINE_DATA_DIR"], "fairline.db")
				if dialect == "postgres" {
					driver, dsn = "pgx", pgtest.DSN(t)
					env["FAIRLINE_DB"] = dsn
				}
				var countBlobs func() int
				if blobs == "s3" {
					b := s3test.Bucket(t)
					env["FAIRLINE_S3_ENDPOINT"], env["FAIRLINE_S3_REGION"], env["FAIRLINE_S3_BUCKET"] = b.Endpoint, b.Region, b.Bucket
					env["FAIRLINE_S3_ACCESS_KEY"], env["FAIRLINE_S3_SECRET_KEY"] = b.AccessKeyID, b.SecretAccessKey
					// The test's server stands for one the council runs itself.
					env["FAIRLINE_S3_PROCESSOR"] = "council"
					countBlobs = func() int { return len(listS3(t, b)) }
				} else {
					countBlobs = func() int { return countFiles(t, filepath.Join(env["FAIRLINE_DATA_DIR"], "blobs")) }
				}
				// First Contact Plus keeps calls for 3 months: this one has
				// ten seconds left, time for the import and the early sweep
				// even on a loaded machine (with two seconds they sometimes
				// ran past it and the early sweep found the call due).
				started := time.Now().AddDate(0, -3, 0).Add(10 * time.Second).UTC()
				drop := t.TempDir()
				os.WriteFile(filepath.Join(drop, "call.wav"), audio, 0o600)
				os.WriteFile(filepath.Join(drop, "call.json"), []byte(`{"external_call_id":"FCP-1","direction":"inbound",`+
					`"service_area":"first-contact-plus","agent_id":"a9","other_party_number":"07911 123456",`+
					`"started_at":"`+started.Format(time.RFC3339Nano)+`","duration_seconds":8}`), 0o600)
				if r := run(t, env, "", "recordings", "import", drop); r.code != 0 || !strings.Contains(r.stdout, "stored 1,") {
					t.Fatalf("import: %+v", r)
				}
				// Nothing under the drop folder is audio or holds the number.
				filepath.WalkDir(drop, func(p string, d os.DirEntry, err error) error {
					if err == nil && !d.IsDir() {
						b, _ := os.ReadFile(p)
						if strings.Contains(string(b), "RIFF") || strings.Contains(strings.ReplaceAll(string(b), " ", ""), "07911123456") {
							t.Errorf("%s holds audio or the caller's number after the import", p)
						}
					}
					return nil
				})
				db, err := sql.Open(driver, dsn)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				var keys int
				db.QueryRow(`SELECT COUNT(*) FROM recordings WHERE wrapped_key IS NOT NULL`).Scan(&keys)
				if keys != 1 || countBlobs() != 1 {
					t.Fatalf("after import: %d wrapped keys, %d blobs", keys, countBlobs())
				}
				if r := run(t, env, "", "sweep"); r.code != 0 || !strings.Contains(r.stdout, "recordings destroyed: 0") {
					t.Fatalf("early sweep: %+v", r)
				}
				time.Sleep(time.Until(started.AddDate(0, 3, 0)) + 100*time.Millisecond)
				if r := run(t, env, "", "sweep"); r.code != 0 || !strings.Contains(r.stdout, "recordings destroyed: 1") {
					t.Fatalf("sweep: %+v", r)
				}
				var rows int
				db.QueryRow(`SELECT COUNT(*) FROM recordings`).Scan(&rows)
				if rows != 0 || countBlobs() != 0 {
					t.Errorf("after sweep: %d rows, %d blobs; want none", rows, countBlobs())
				}
			})
		}
	}
}

func countFiles(t *testing.T, dir string) int {
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func listS3(t *testing.T, b s3test.Target) []string {
	out, err := b.Client().ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: &b.Bucket})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, *o.Key)
	}
	return keys
}

// TestStorageOutsideUKRefusesToStart: the policy says call recordings stay
// in the UK, so a bucket or disk declared elsewhere stops Fairline starting.
func TestStorageOutsideUKRefusesToStart(t *testing.T) {
	for name, extra := range map[string]map[string]string{
		"s3 us-east-1":     {"FAIRLINE_S3_BUCKET": "recordings", "FAIRLINE_S3_REGION": "us-east-1", "FAIRLINE_S3_ACCESS_KEY": "k", "FAIRLINE_S3_SECRET_KEY": "s"},
		"s3 eu-west-1":     {"FAIRLINE_S3_BUCKET": "recordings", "FAIRLINE_S3_REGION": "eu-west-1", "FAIRLINE_S3_ACCESS_KEY": "k", "FAIRLINE_S3_SECRET_KEY": "s"},
		"local disk in US": {"FAIRLINE_BLOB_LOCATION": "US"},
	} {
		t.Run(name, func(t *testing.T) {
			env := dataEnv(t)
			for k, v := range extra {
				env[k] = v
			}
			r := run(t, env, "", "migrate")
			if r.code != 1 || !strings.Contains(r.stderr, "recording storage") {
				t.Errorf("started with storage outside the UK: %+v", r)
			}
		})
	}
	env := dataEnv(t)
	env["FAIRLINE_S3_BUCKET"], env["FAIRLINE_S3_REGION"], env["FAIRLINE_S3_ENDPOINT"] = "recordings", "eu-west-2", "http://127.0.0.1:1"
	env["FAIRLINE_S3_ACCESS_KEY"], env["FAIRLINE_S3_SECRET_KEY"] = "k", "s"
	env["FAIRLINE_S3_PROCESSOR"] = "council"
	if r := run(t, env, "", "migrate"); strings.Contains(r.stderr, "recording storage") || strings.Contains(r.stderr, "s3-processor") {
		t.Errorf("a London bucket was refused: %+v", r)
	}
}

// TestSweepDeletesFailedImports: `fairline sweep` finds the drop folders
// `recordings import` used (remembered in the database, not told again) and
// deletes what has waited in failed/ longer than the policy's
// drop_folder.failed_retention, and only that.
func TestSweepDeletesFailedImports(t *testing.T) {
	audio, err := os.ReadFile("../../testdata/audio/speech-mulaw.wav")
	if err != nil {
		t.Fatal(err)
	}
	env := dataEnv(t)
	drop := t.TempDir()
	started := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	for _, name := range []string{"old", "new"} {
		os.WriteFile(filepath.Join(drop, name+".wav"), audio, 0o600)
		os.WriteFile(filepath.Join(drop, name+".json"), []byte(`{"external_call_id":"`+name+`","direction":"inbound",`+
			`"service_area":"parking","agent_id":"a9","other_party_number":"07911 123456","started_at":"`+started+`","duration_seconds":8}`), 0o600)
	}
	if r := run(t, env, "", "recordings", "import", drop); r.code != 0 || !strings.Contains(r.stdout, "failed 2") {
		t.Fatalf("import: %+v", r)
	}
	// The "old" failure happened eight days ago (the default policy keeps
	// failed imports 7 days).
	aged := time.Now().Add(-8 * 24 * time.Hour)
	for _, f := range []string{"old.wav", "old.json", "old.wav.reason.txt"} {
		if err := os.Chtimes(filepath.Join(drop, "failed", f), aged, aged); err != nil {
			t.Fatal(err)
		}
	}
	if r := run(t, env, "", "sweep"); r.code != 0 || !strings.Contains(r.stdout, "failed drop-folder files removed: 3") {
		t.Fatalf("sweep: %+v", r)
	}
	entries, _ := os.ReadDir(filepath.Join(drop, "failed"))
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if strings.Join(left, " ") != "new.json new.wav new.wav.reason.txt" {
		t.Errorf("failed/ after the sweep: %v", left)
	}
}
