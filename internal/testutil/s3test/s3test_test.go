package s3test

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestBucketWorks(t *testing.T) {
	t.Parallel()
	b := Bucket(t)
	if b.Region == "" || !strings.HasPrefix(b.Endpoint, "http") {
		t.Fatalf("unexpected server %+v", b.Server)
	}
	c := b.Client()
	ctx := context.Background()
	body := []byte("hello, bucket")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &b.Bucket, Key: aws.String("a/b.txt"), Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.Bucket, Key: aws.String("a/b.txt"), Range: aws.String("bytes=7-12")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if string(got) != "bucket" {
		t.Fatalf("ranged GET = %q, want %q", got, "bucket")
	}
}

func TestBucketsAreIsolatedAndRemoved(t *testing.T) {
	t.Parallel()
	var name string
	t.Run("inner", func(t *testing.T) {
		a, b := Bucket(t), Bucket(t)
		if a.Bucket == b.Bucket {
			t.Fatalf("two calls returned bucket %s", a.Bucket)
		}
		name = a.Bucket
		c := a.Client()
		if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &a.Bucket, Key: aws.String("x"), Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
		out, err := c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: &b.Bucket})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Contents) != 0 {
			t.Fatal("an object put in one bucket shows in another")
		}
	})
	// The non-empty bucket is gone after its test.
	_, err := Get(t).Client().HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: &name})
	if err == nil {
		t.Fatalf("bucket %s still exists after its test", name)
	}
}

func TestBucketNames(t *testing.T) {
	for _, test := range []string{"TestX", "Test/With Spaces/and__Under", strings.Repeat("Long", 40), "-"} {
		n := bucketName(test)
		if len(n) < 3 || len(n) > 63 || strings.Contains(n, "--") || strings.ToLower(n) != n {
			t.Errorf("bucketName(%q) = %q is not a valid bucket name", test, n)
		}
	}
}

func TestParseEnvURL(t *testing.T) {
	s, err := parseEnvURL("http://AK:SK@127.0.0.1:9000/?region=eu-west-2")
	if err != nil || s.Endpoint != "http://127.0.0.1:9000" || s.AccessKeyID != "AK" || s.SecretAccessKey != "SK" || s.Region != "eu-west-2" {
		t.Fatalf("parseEnvURL = %+v, %v", s, err)
	}
	for _, bad := range []string{"127.0.0.1:9000", "ftp://a:b@h", "http://h:1", "http://onlykey@h:1", "http://k:secretvalue@/"} {
		_, err := parseEnvURL(bad)
		if err == nil {
			t.Errorf("parseEnvURL(%q) accepted", bad)
		} else if strings.Contains(err.Error(), "secretvalue") {
			t.Errorf("error shows the secret: %v", err)
		}
	}
}

// TestSidecarMode checks the fallback for file systems without user xattrs (tmpfs before Linux
// 6.6, some container overlays): a second private server with a sidecar metadata directory.
func TestSidecarMode(t *testing.T) {
	if os.Getenv(EnvURL) != "" {
		t.Skip("an external server is configured")
	}
	Get(t) // fails or skips like every other test when the binary is missing
	bin, err := findBinary()
	if err != nil {
		t.Fatal(err)
	}
	s, p, err := startServer(bin, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.stop(); err != nil {
			t.Error(err)
		}
	})
	if _, err := os.Stat(p.dir + "/meta"); err != nil {
		t.Fatalf("no sidecar directory: %v", err)
	}
	c := s.Client()
	ctx := context.Background()
	bucket := "sidecar"
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("k"), Body: strings.NewReader("sidecar data")}); err != nil {
		t.Fatal(err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("k")})
	if err != nil || aws.ToInt64(head.ContentLength) != 12 || aws.ToString(head.ETag) == "" {
		t.Fatalf("HEAD in sidecar mode: %+v, %v", head, err)
	}
}
