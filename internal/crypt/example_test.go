package crypt_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/fairline/fairline/internal/crypt"
)

// The whole envelope: a data key per recording, wrapped by the KEK for the database; the audio
// encrypted in segments; any range decrypted later from the stored bytes.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	kek, err := crypt.OpenKeyFile(filepath.Join(dir, "kek.json"))
	if err != nil {
		panic(err)
	}

	// Ingest.
	dataKey, _ := crypt.NewDataKey()
	wrapped, _ := kek.Wrap(ctx, dataKey) // store wrapped.String() in the recording's row
	ad := []byte("recording:42")         // binds the ciphertext to its row
	var stored bytes.Buffer              // a blob.Store in real life
	w, _ := crypt.NewEncryptWriter(&stored, dataKey, ad)
	io.Copy(w, strings.NewReader("RIFF....WAVEfmt audio of a call"))
	if err := w.Close(); err != nil {
		panic(err)
	}

	// Playback, later.
	wk, _ := crypt.ParseWrappedKey(wrapped.String())
	key, _ := kek.Unwrap(ctx, wk)
	r, err := crypt.NewDecryptReaderAt(bytes.NewReader(stored.Bytes()), int64(stored.Len()), key, ad)
	if err != nil {
		panic(err)
	}
	part := make([]byte, 5)
	r.ReadAt(part, 12)
	fmt.Println(r.Size(), string(part))

	// Anywhere else, the same bytes do not open.
	_, err = crypt.NewDecryptReaderAt(bytes.NewReader(stored.Bytes()), int64(stored.Len()), key, []byte("recording:43"))
	fmt.Println(err != nil)
	// Output:
	// 31 fmt a
	// true
}
