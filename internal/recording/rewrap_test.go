package recording

import (
	"bytes"
	"context"
	"io"
	"sort"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/blob"
	"github.com/fairline/fairline/internal/crypt"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

// Rotating the KEK re-wraps every data key without touching the audio, and
// recordings still play once the old KEK version is retired.
func TestRotateRewrapRetire(t *testing.T) {
	db := dbtest.Open(t, store.SQLite)
	e := newEnv(t, db, Options{})
	ctx := context.Background()
	kek := e.svc.keys.(*crypt.FileKeyProvider)
	var ids []string
	for _, k := range []string{"a", "b", "c"} {
		m := e.meta("trading-standards")
		m.ExternalID = k
		got, err := e.svc.Ingest(ctx, "token:1", k, m, bytes.NewReader(e.audio))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, got.Recording.ID)
	}
	blobBefore := readAllBlobs(t, e)
	old := kek.CurrentVersion()
	if _, err := kek.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := e.svc.RewrapAll(ctx)
	if err != nil || n != 3 {
		t.Fatalf("rewrapped %d, %v", n, err)
	}
	if n, _ := e.svc.RewrapAll(ctx); n != 0 {
		t.Errorf("second pass rewrapped %d", n)
	}
	if !bytes.Equal(blobBefore, readAllBlobs(t, e)) {
		t.Error("rotation re-encrypted the audio")
	}
	if err := kek.Retire(ctx, old); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		r, _ := db.Q().RecordingByID(ctx, id)
		if strings.Contains(r.WrappedKey, ":"+old+":") {
			t.Errorf("%s still wrapped under the old version: %s", id, r.WrappedKey)
		}
		pb, err := e.svc.Open(ctx, ig, id, "training")
		if err != nil {
			t.Fatalf("open after retiring the old KEK: %v", err)
		}
		b, _ := io.ReadAll(pb)
		pb.Close()
		if !bytes.Equal(b, e.audio) {
			t.Error("audio differs after rotation")
		}
	}
}

func readAllBlobs(t *testing.T, e *env) []byte {
	var all []byte
	ctx := context.Background()
	var keys []string
	e.blobs.List(ctx, "", func(i blob.Info) error { keys = append(keys, i.Key); return nil })
	sort.Strings(keys)
	for _, k := range keys {
		obj, err := e.blobs.Open(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, obj.Size())
		obj.ReadAt(b, 0)
		obj.Close()
		all = append(all, b...)
	}
	return all
}
