package blob_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/blob"
	"github.com/fairline/fairline/internal/blob/blobtest"
	"github.com/fairline/fairline/internal/testutil/s3test"
)

func newS3(t *testing.T, target s3test.Target, prefix string) *blob.S3 {
	t.Helper()
	s, err := blob.NewS3(blob.S3Config{
		Endpoint: target.Endpoint, Region: target.Region, Location: "UK", Bucket: target.Bucket, Prefix: prefix,
		AccessKeyID: target.AccessKeyID, SecretAccessKey: target.SecretAccessKey,
		PathStyle: true, PartSize: 5 << 20, // the minimum, so the contract's large object takes three parts
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestS3Contract(t *testing.T) {
	t.Parallel()
	blobtest.Run(t, func(t *testing.T) blob.Store {
		target := s3test.Bucket(t)
		t.Cleanup(func() {
			if n := s3test.IncompleteUploads(t, target); n != 0 {
				t.Errorf("%d multipart uploads were left incomplete (not aborted)", n)
			}
		})
		return newS3(t, target, "")
	})
}

func TestS3ContractWithPrefix(t *testing.T) {
	t.Parallel()
	target := s3test.Bucket(t)
	s := newS3(t, target, "fairline/")
	other := newS3(t, target, "")
	ctx := context.Background()
	if _, err := other.Put(ctx, "outside", strings.NewReader("not ours")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "rec/1", strings.NewReader("ours")); err != nil {
		t.Fatal(err)
	}
	var keys []string
	s.List(ctx, "", func(i blob.Info) error { keys = append(keys, i.Key); return nil })
	if len(keys) != 1 || keys[0] != "rec/1" {
		t.Fatalf("List of a prefixed store = %v, want [rec/1]", keys)
	}
	if _, err := other.Stat(ctx, "fairline/rec/1"); err != nil {
		t.Fatalf("the prefix is not in the bucket key: %v", err)
	}
	if _, err := s.Stat(ctx, "outside"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("a prefixed store sees keys outside its prefix: %v", err)
	}
}

func TestS3OpenedObjectFailsAfterOverwrite(t *testing.T) {
	t.Parallel()
	s := newS3(t, s3test.Bucket(t), "")
	ctx := context.Background()
	s.Put(ctx, "k", bytes.NewReader(bytes.Repeat([]byte("a"), 1000)))
	o, err := s.Open(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	s.Put(ctx, "k", bytes.NewReader(bytes.Repeat([]byte("b"), 1000)))
	p := make([]byte, 10)
	if _, err := o.ReadAt(p, 0); err == nil {
		t.Fatalf("ReadAt after an overwrite returned %q without error; the ETag check did not hold", p)
	}
}

func TestNewS3Config(t *testing.T) {
	t.Parallel()
	ok := blob.S3Config{Region: "eu-west-2", Bucket: "b", AccessKeyID: "a", SecretAccessKey: "s"}
	s, err := blob.NewS3(ok)
	if err != nil || s.Location() != "UK" || s.Region() != "eu-west-2" {
		t.Fatalf("NewS3 = %v; location %q", err, s.Location())
	}
	for name, mutate := range map[string]func(c *blob.S3Config){
		"no bucket":             func(c *blob.S3Config) { c.Bucket = "" },
		"no region":             func(c *blob.S3Config) { c.Region = "" },
		"no secret":             func(c *blob.S3Config) { c.SecretAccessKey = "" },
		"small parts":           func(c *blob.S3Config) { c.PartSize = 1 << 20 },
		"bad prefix":            func(c *blob.S3Config) { c.Prefix = "../x/" },
		"unknown region":        func(c *blob.S3Config) { c.Region = "garage" },
		"contradicting declare": func(c *blob.S3Config) { c.Location = "FR" },
	} {
		c := ok
		mutate(&c)
		if _, err := blob.NewS3(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	c := ok
	c.Region, c.Location = "garage", "uk"
	if s, err := blob.NewS3(c); err != nil || s.Location() != "UK" {
		t.Errorf("custom region with a declared location: %v", err)
	}
}
