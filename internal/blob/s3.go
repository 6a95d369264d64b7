package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// S3Config configures an S3 store. Only Region, Bucket and the credentials are required.
type S3Config struct {
	// Endpoint is the service URL ("https://objects.example.net", "http://127.0.0.1:7070"); empty
	// means AWS itself, from Region.
	Endpoint string
	// Region is the bucket's region; it names the location of AWS buckets (see ResolveLocation).
	Region string
	// Location declares where the bucket keeps data as a location code ("UK"). It is needed when
	// Region is not an AWS region, and must agree with Region when it is.
	Location string
	Bucket   string
	// Prefix is put in front of every key ("fairline/"), to share a bucket.
	Prefix string
	// Static credentials.
	AccessKeyID, SecretAccessKey, SessionToken string
	// PathStyle addresses the bucket in the path (http://host/bucket/key) rather than the host
	// name; most S3-compatible servers need it.
	PathStyle bool
	// PartSize is the multipart part size (default 16 MiB, at least 5 MiB). Each Put in
	// progress holds one part buffer (buffers are reused), so memory is PartSize times the
	// number of concurrent Puts, whatever the object sizes; objects up to one part are sent in
	// one PutObject.
	PartSize int64
	// HTTPClient replaces the SDK's default client (optional).
	HTTPClient *http.Client
}

// DefaultPartSize is the default multipart part size: 16 MiB parts allow objects up to
// 160 GiB (10,000 parts), far above any call recording.
const DefaultPartSize = 16 << 20

const minPartSize = 5 << 20 // S3's minimum for every part but the last

// S3 is a Store in an S3-compatible bucket.
//
// Put sends an object of up to PartSize bytes in one PutObject, and a larger one as a multipart
// upload of PartSize parts read one at a time, so memory stays at one part whatever the size;
// a failed multipart upload is aborted (an incomplete upload is never visible as an object).
// Open issues a HEAD for the size and ETag, and each ReadAt is a ranged GET with If-Match on
// that ETag, so an object overwritten while open fails instead of mixing versions. Requests
// carry the SDK's default CRC checksums.
type S3 struct {
	client   *s3.Client
	bucket   string
	prefix   string
	region   string
	location string
	partSize int64
	parts    sync.Pool // *[]byte of partSize: concurrent Puts reuse part buffers
}

var _ Store = (*S3)(nil)

// NewS3 builds an S3 store. It does not contact the service: call Check at start-up.
func NewS3(cfg S3Config) (*S3, error) {
	switch {
	case cfg.Bucket == "":
		return nil, errors.New("blob: S3 store needs a bucket")
	case cfg.Region == "":
		return nil, errors.New("blob: S3 store needs a region")
	case cfg.AccessKeyID == "" || cfg.SecretAccessKey == "":
		return nil, errors.New("blob: S3 store needs an access key id and a secret access key")
	}
	if cfg.Prefix != "" {
		if err := ValidKey(strings.TrimSuffix(cfg.Prefix, "/")); err != nil {
			return nil, fmt.Errorf("blob: S3 prefix: %w", err)
		}
	}
	loc, err := ResolveLocation(cfg.Region, cfg.Location)
	if err != nil {
		return nil, err
	}
	part := cfg.PartSize
	if part == 0 {
		part = DefaultPartSize
	}
	if part < minPartSize {
		return nil, fmt.Errorf("blob: S3 part size %d is below S3's minimum of %d", part, minPartSize)
	}
	opts := s3.Options{
		Region:       cfg.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken),
		UsePathStyle: cfg.PathStyle,
	}
	if cfg.Endpoint != "" {
		opts.BaseEndpoint = aws.String(cfg.Endpoint)
	}
	if cfg.HTTPClient != nil {
		opts.HTTPClient = cfg.HTTPClient
	}
	s := &S3{
		client:   s3.New(opts),
		bucket:   cfg.Bucket,
		prefix:   cfg.Prefix,
		region:   cfg.Region,
		location: loc,
		partSize: part,
	}
	s.parts.New = func() any { b := make([]byte, part); return &b }
	return s, nil
}

// Location is the location code of the bucket.
func (s *S3) Location() string { return s.location }

// Region is the bucket's configured region.
func (s *S3) Region() string { return s.region }

// Check verifies that the bucket exists and the credentials may use it.
func (s *S3) Check(ctx context.Context) error {
	if _, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &s.bucket}); err != nil {
		return fmt.Errorf("blob: bucket %s: %w", s.bucket, err)
	}
	return nil
}

// Put implements Store.
func (s *S3) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	if err := ValidKey(key); err != nil {
		return 0, err
	}
	k := s.prefix + key
	bp := s.parts.Get().(*[]byte)
	defer s.parts.Put(bp)
	buf := *bp
	n, err := io.ReadFull(ctxReader{ctx, r}, buf)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		if err := ctx.Err(); err != nil {
			return 0, fmt.Errorf("blob: put %s: %w", key, err)
		}
		_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: &s.bucket, Key: &k, Body: bytes.NewReader(buf[:n]), ContentLength: aws.Int64(int64(n)),
		})
		if err != nil {
			return 0, fmt.Errorf("blob: put %s: %w", key, err)
		}
		return int64(n), nil
	}
	if err != nil {
		return 0, fmt.Errorf("blob: put %s: read: %w", key, err)
	}
	return s.putMultipart(ctx, key, k, r, buf)
}

// putMultipart uploads buf (already full) and the rest of r in parts of len(buf).
func (s *S3) putMultipart(ctx context.Context, key, k string, r io.Reader, buf []byte) (total int64, err error) {
	// CRC32 named on the upload and on every part, and each part's checksum passed back on
	// completion, is the combination AWS requires once parts carry checksums (the SDK adds them
	// by default).
	up, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: &s.bucket, Key: &k, ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
	})
	if err != nil {
		return 0, fmt.Errorf("blob: put %s: start multipart upload: %w", key, err)
	}
	defer func() {
		if err == nil {
			return
		}
		// Abort even when ctx is cancelled, so the parts do not linger (and cost) in the bucket.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		s.client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: &s.bucket, Key: &k, UploadId: up.UploadId}) //nolint:errcheck // best effort; the bucket's lifecycle rule is the backstop
	}()
	var parts []types.CompletedPart
	n := len(buf)
	for num := int32(1); ; num++ {
		if num > 10000 {
			return 0, fmt.Errorf("blob: put %s: more than 10,000 parts of %d bytes", key, len(buf))
		}
		out, err := s.client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: &s.bucket, Key: &k, UploadId: up.UploadId, PartNumber: aws.Int32(num),
			Body: bytes.NewReader(buf[:n]), ContentLength: aws.Int64(int64(n)),
			ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
		})
		if err != nil {
			return 0, fmt.Errorf("blob: put %s: upload part %d: %w", key, num, err)
		}
		parts = append(parts, types.CompletedPart{
			PartNumber: aws.Int32(num), ETag: out.ETag,
			ChecksumCRC32: out.ChecksumCRC32, ChecksumCRC32C: out.ChecksumCRC32C, ChecksumCRC64NVME: out.ChecksumCRC64NVME,
			ChecksumSHA1: out.ChecksumSHA1, ChecksumSHA256: out.ChecksumSHA256,
		})
		total += int64(n)
		n, err = io.ReadFull(ctxReader{ctx, r}, buf)
		if err == io.EOF {
			break
		}
		if err != nil && err != io.ErrUnexpectedEOF {
			return 0, fmt.Errorf("blob: put %s: read: %w", key, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	_, err = s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: &s.bucket, Key: &k, UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	if err != nil {
		return 0, fmt.Errorf("blob: put %s: complete multipart upload: %w", key, err)
	}
	return total, nil
}

// Open implements Store.
func (s *S3) Open(ctx context.Context, key string) (Object, error) {
	if err := ValidKey(key); err != nil {
		return nil, err
	}
	k := s.prefix + key
	head, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &k})
	if err != nil {
		return nil, mapS3Err("open", key, err)
	}
	return &s3Object{s: s, ctx: ctx, key: key, k: k, size: aws.ToInt64(head.ContentLength), etag: head.ETag}, nil
}

type s3Object struct {
	s    *S3
	ctx  context.Context
	key  string // as the caller named it, for errors
	k    string // with the store prefix
	size int64
	etag *string
}

func (o *s3Object) Size() int64  { return o.size }
func (o *s3Object) Close() error { return nil }

// ReadAt is one ranged GET; it is safe for concurrent use.
func (o *s3Object) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("blob: read %s: negative offset", o.key)
	}
	if off >= o.size {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	want := p
	if rest := o.size - off; int64(len(p)) > rest {
		want = p[:rest]
	}
	if len(want) == 0 {
		return 0, nil
	}
	rng := fmt.Sprintf("bytes=%d-%d", off, off+int64(len(want))-1)
	out, err := o.s.client.GetObject(o.ctx, &s3.GetObjectInput{Bucket: &o.s.bucket, Key: &o.k, Range: &rng, IfMatch: o.etag})
	if err != nil {
		var se interface{ HTTPStatusCode() int }
		if errors.As(err, &se) && se.HTTPStatusCode() == http.StatusPreconditionFailed {
			return 0, fmt.Errorf("blob: read %s: the object changed after it was opened", o.key)
		}
		return 0, mapS3Err("read", o.key, err)
	}
	defer out.Body.Close()
	n, err := io.ReadFull(out.Body, want)
	if err != nil {
		return n, fmt.Errorf("blob: read %s: %w", o.key, err)
	}
	if len(want) < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, key string) (Info, error) {
	if err := ValidKey(key); err != nil {
		return Info{}, err
	}
	k := s.prefix + key
	head, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &k})
	if err != nil {
		return Info{}, mapS3Err("stat", key, err)
	}
	return Info{Key: key, Size: aws.ToInt64(head.ContentLength), ModTime: aws.ToTime(head.LastModified)}, nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	k := s.prefix + key
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &k}); err != nil {
		if isNotFound(err) {
			return nil
		}
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

// DeleteMany implements ManyDeleter with DeleteObjects, 1,000 keys per request (the API's
// limit). Keys that are already gone count as deleted, as S3 itself reports them.
func (s *S3) DeleteMany(ctx context.Context, keys []string) error {
	for _, key := range keys {
		if err := ValidKey(key); err != nil {
			return err
		}
	}
	const perRequest = 1000
	for len(keys) > 0 {
		batch := keys[:min(perRequest, len(keys))]
		keys = keys[len(batch):]
		objs := make([]types.ObjectIdentifier, len(batch))
		for i, key := range batch {
			objs[i] = types.ObjectIdentifier{Key: aws.String(s.prefix + key)}
		}
		out, err := s.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: &s.bucket, Delete: &types.Delete{Objects: objs, Quiet: aws.Bool(true)},
		})
		if err != nil {
			return fmt.Errorf("blob: delete %d objects: %w", len(batch), err)
		}
		for _, e := range out.Errors {
			if aws.ToString(e.Code) == "NoSuchKey" {
				continue
			}
			return fmt.Errorf("blob: delete %s: %s: %s", strings.TrimPrefix(aws.ToString(e.Key), s.prefix),
				aws.ToString(e.Code), aws.ToString(e.Message))
		}
	}
	return nil
}

// List implements Store, one ListObjectsV2 page (up to 1,000 keys) at a time.
func (s *S3) List(ctx context.Context, prefix string, fn func(Info) error) error {
	full := s.prefix + prefix
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &full})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("blob: list %q: %w", prefix, err)
		}
		for _, obj := range page.Contents {
			key := strings.TrimPrefix(aws.ToString(obj.Key), s.prefix)
			if err := fn(Info{Key: key, Size: aws.ToInt64(obj.Size), ModTime: aws.ToTime(obj.LastModified)}); err != nil {
				return err
			}
		}
	}
	return nil
}

func isNotFound(err error) bool {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	if errors.As(err, &nsk) || errors.As(err, &nf) {
		return true
	}
	var se interface{ HTTPStatusCode() int }
	return errors.As(err, &se) && se.HTTPStatusCode() == http.StatusNotFound
}

func mapS3Err(op, key string, err error) error {
	if isNotFound(err) {
		return fmt.Errorf("blob: %s %s: %w", op, key, ErrNotFound)
	}
	return fmt.Errorf("blob: %s %s: %w", op, key, err)
}
