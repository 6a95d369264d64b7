package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/blob"
	"github.com/fairline/fairline/internal/testutil/apptest"
)

// childServe runs `fairline serve` when the test binary is started as a
// child by TestUploadSurvivesKill.
func childServe() {
	env := OSEnv()
	env.AppOptions = childAppOptions()
	os.Exit(Main(context.Background(), env, childArgs()))
}

// TestUploadSurvivesKill kills the server with SIGKILL in the middle of an
// upload and checks nothing half-stored remains, then that the same upload
// (same idempotency key) succeeds after a restart.
func TestUploadSurvivesKill(t *testing.T) {
	dir := t.TempDir()
	a := apptest.OpenDir(t, dir)
	_, token, err := a.Auth.IssueToken(context.Background(), "system", "pbx", []string{auth.ScopeRecordingsWrite})
	a.Close()
	if err != nil {
		t.Fatal(err)
	}
	audio, err := os.ReadFile("../../testdata/audio/speech-pcm16.wav")
	if err != nil {
		t.Fatal(err)
	}
	// Make the audio large enough that the kill lands mid-stream.
	audio = append(audio, bytes.Repeat(audio[44:], 40)...)
	sum := sha256.Sum256(audio)
	meta, _ := json.Marshal(map[string]any{"external_call_id": "K-1", "direction": "inbound", "service_area": "trading-standards",
		"agent_id": "a-1", "started_at": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), "duration_seconds": 300,
		"sha256": hex.EncodeToString(sum[:])})

	start := func() (*exec.Cmd, string) { return startServe(t, map[string]string{"FAIRLINE_DATA_DIR": dir}) }
	upload := func(base string, body io.Reader, ct string) (*http.Response, error) {
		req, _ := http.NewRequest("POST", base+"/api/v1/recordings", body)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Idempotency-Key", "pbx-K-1")
		return http.DefaultClient.Do(req)
	}

	cmd, base := start()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	done := make(chan error, 1)
	go func() {
		resp, err := upload(base, pr, mw.FormDataContentType())
		if err == nil {
			resp.Body.Close()
			err = fmt.Errorf("upload finished with %d", resp.StatusCode)
		}
		done <- err
	}()
	part, _ := mw.CreateFormField("metadata")
	part.Write(meta)
	part, _ = mw.CreateFormFile("audio", "call.wav")
	part.Write(audio[:len(audio)/2])
	// Wait until the server is writing the blob, then kill it.
	deadline := time.Now().Add(20 * time.Second)
	for !tempBlobExists(dir) {
		if time.Now().After(deadline) {
			t.Fatal("the server never started writing the upload")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	pw.CloseWithError(io.ErrClosedPipe)
	if err := <-done; err == nil || strings.Contains(err.Error(), "finished") {
		t.Fatalf("upload did not fail with the server killed: %v", err)
	}

	a = apptest.OpenDir(t, dir)
	rows, err := a.DB.Q().Count(context.Background(), "recordings")
	visible := 0
	a.Blobs.List(context.Background(), "", func(blob.Info) error { visible++; return nil })
	if rows != 0 || visible != 0 {
		t.Errorf("after the crash: %d rows, %d visible blobs; want none", rows, visible)
	}
	if n, err := a.Blobs.(*blob.Local).SweepTemp(context.Background(), 0); err != nil || n == 0 {
		t.Errorf("temporary file of the killed upload not swept: %d %v", n, err)
	}
	a.Close()

	cmd, base = start()
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	var body bytes.Buffer
	mw = multipart.NewWriter(&body)
	part, _ = mw.CreateFormField("metadata")
	part.Write(meta)
	part, _ = mw.CreateFormFile("audio", "call.wav")
	part.Write(audio)
	mw.Close()
	resp, err := upload(base, &body, mw.FormDataContentType())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("upload after restart: %d", resp.StatusCode)
	}
}

func tempBlobExists(dir string) bool {
	found := false
	filepath.WalkDir(filepath.Join(dir, "blobs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".tmp-") {
			found = true
		}
		return nil
	})
	return found
}
