package blob

import (
	"bytes"
	"context"
	"testing"
)

func TestLocalDeleteMany(t *testing.T) {
	l, err := NewLocal(t.TempDir(), "UK")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, k := range []string{"a/1", "a/2", "b/3"} {
		if _, err := l.Put(ctx, k, bytes.NewReader([]byte(k))); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.DeleteMany(ctx, []string{"a/1", "b/3", "missing/9"}); err != nil {
		t.Fatal(err)
	}
	var left []string
	l.List(ctx, "", func(i Info) error { left = append(left, i.Key); return nil })
	if len(left) != 1 || left[0] != "a/2" {
		t.Errorf("left %v, want [a/2]", left)
	}
	if err := l.DeleteMany(ctx, []string{"../etc/passwd"}); err == nil {
		t.Error("path traversal key accepted")
	}
}
