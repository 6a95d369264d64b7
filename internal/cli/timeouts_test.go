package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/blob"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/testutil/apptest"
)

// TestServeDeadlines runs a real serve with short deadlines: an upload
// that takes longer than the ordinary read deadline but keeps up the
// minimum rate is stored; one slower than its size allows gets a 408 that
// names the timeout and leaves no row and no blob; an ordinary form that
// dribbles in is still cut at the short deadline.
func TestServeDeadlines(t *testing.T) {
	env := dataEnv(t)
	dir := env["FAIRLINE_DATA_DIR"]
	env["FAIRLINE_LISTEN"] = "127.0.0.1:0"
	a := apptest.OpenDir(t, dir)
	_, token, err := a.Auth.IssueToken(context.Background(), "system", "pbx", []string{auth.ScopeRecordingsWrite})
	a.Close()
	if err != nil {
		t.Fatal(err)
	}
	timeouts := &ServeTimeouts{Read: 500 * time.Millisecond, Write: 10 * time.Second,
		Transfer: recording.TransferLimits{Base: 3 * time.Second, MinRate: 128 << 10}}
	ctx, stop := context.WithCancel(context.Background())
	srv := serveInProcess(t, ctx, env, timeouts)
	base := srv.base
	stopped := false
	stopServe := func() {
		if stopped {
			return
		}
		stopped = true
		stop()
		<-srv.done
	}
	defer stopServe()
	addr := strings.TrimPrefix(base, "http://")

	audio, err := os.ReadFile("../../testdata/audio/speech-pcm16.wav")
	if err != nil {
		t.Fatal(err)
	}
	uploadRequest := func(id string) []byte {
		sum := sha256.Sum256(audio)
		meta, _ := json.Marshal(map[string]any{"external_call_id": id, "direction": "inbound", "service_area": "trading-standards",
			"agent_id": "a-1", "started_at": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), "duration_seconds": 8,
			"sha256": hex.EncodeToString(sum[:])})
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		part, _ := mw.CreateFormField("metadata")
		part.Write(meta)
		part, _ = mw.CreateFormFile("audio", "call.wav")
		part.Write(audio)
		mw.Close()
		head := fmt.Sprintf("POST /api/v1/recordings HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n"+
			"Authorization: Bearer %s\r\nIdempotency-Key: pbx-%s\r\nConnection: close\r\n\r\n", addr, mw.FormDataContentType(), body.Len(), token, id)
		return append([]byte(head), body.Bytes()...)
	}
	// send writes req in pieces, pausing after each, stopping after upTo
	// bytes; then it reads the response.
	send := func(req []byte, pieces int, pause time.Duration, upTo int) (*http.Response, string) {
		t.Helper()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		step := (upTo + pieces - 1) / pieces
		for i := 0; i < upTo; i += step {
			if _, err := conn.Write(req[i:min(i+step, upTo)]); err != nil {
				break // the server has answered and closed
			}
			time.Sleep(pause)
		}
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("no response: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}

	// Slower than the ordinary 500 ms deadline, faster than 128 KB/s.
	req := uploadRequest("SLOW-OK")
	resp, body := send(req, 8, 200*time.Millisecond, len(req))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload at the minimum rate over 1.6 s: %d %s", resp.StatusCode, body)
	}

	// Half the upload, then silence past its allowance (3 s + 1 s).
	req = uploadRequest("TOO-SLOW")
	start := time.Now()
	resp, body = send(req, 1, 5*time.Second, len(req)/2)
	var answer struct {
		Error struct{ Code, Message string }
	}
	json.Unmarshal([]byte(body), &answer)
	if resp.StatusCode != http.StatusRequestTimeout || answer.Error.Code != "upload_timeout" || !strings.Contains(answer.Error.Message, "longer than") ||
		!strings.Contains(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("stalled upload: %d %s", resp.StatusCode, body)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("the stalled upload was answered after %s", took)
	}

	// An ordinary form still has the short deadline.
	form := url.Values{"email": {"someone@example.gov.uk"}, "password": {"a long enough passphrase"}}.Encode()
	req = []byte(fmt.Sprintf("POST /sign-in HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		addr, len(form), form))
	start = time.Now()
	resp, _ = send(req, 1, 1500*time.Millisecond, len(req)-10)
	if resp.StatusCode != http.StatusBadRequest || time.Since(start) > 10*time.Second {
		t.Errorf("a form body that stalled past the read deadline: %d after %s", resp.StatusCode, time.Since(start))
	}

	stopServe()
	a = apptest.OpenDir(t, dir)
	defer a.Close()
	rows, err := a.DB.Q().Count(context.Background(), "recordings")
	visible := 0
	a.Blobs.List(context.Background(), "", func(blob.Info) error { visible++; return nil })
	if rows != 1 || visible != 1 || countFiles(t, filepath.Join(dir, "blobs")) != 1 {
		t.Errorf("after one good and one timed-out upload: %d rows, %d visible blobs, %d files; want 1 of each",
			rows, visible, countFiles(t, filepath.Join(dir, "blobs")))
	}
}
