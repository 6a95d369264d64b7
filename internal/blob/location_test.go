package blob_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/blob"
	"github.com/fairline/fairline/internal/policy"
)

func TestResolveLocation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		region, declared, want string
		ok                     bool
	}{
		{"eu-west-2", "", "UK", true},
		{"EU-WEST-2", "", "UK", true},
		{"eu-west-2", "gb", "UK", true},
		{"eu-west-2", "UK", "UK", true},
		{"eu-west-1", "", "IE", true},
		{"eu-central-1", "", "DE", true},
		{"us-east-1", "", "US", true},
		{"ap-southeast-2", "", "AU", true},
		{"eu-west-1", "UK", "", false}, // an AWS region cannot be declared elsewhere
		{"garage", "", "", false},      // unknown regions must be declared
		{"garage", "UK", "UK", true},
		{"", "", "", false},
	} {
		got, err := blob.ResolveLocation(tc.region, tc.declared)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ResolveLocation(%q, %q) = %q, %v; want %q, ok=%v", tc.region, tc.declared, got, err, tc.want, tc.ok)
		}
	}
}

// TestLocationAgainstThePolicy uses the embedded policy: call recordings may be stored in the UK
// only, as the notice promises ("We will not send your information outside of the UK").
func TestLocationAgainstThePolicy(t *testing.T) {
	t.Parallel()
	pol := policy.Default()
	allowed := func(loc string) bool { return pol.StorageLocationAllowed("call-recording", loc) }
	for _, tc := range []struct {
		region string
		ok     bool
	}{
		{"eu-west-2", true},
		{"eu-west-1", false},
		{"eu-central-1", false},
		{"us-east-1", false},
		{"minio-local", false}, // undeclared
	} {
		err := blob.CheckLocation(tc.region, allowed)
		if (err == nil) != tc.ok {
			t.Errorf("CheckLocation(%q) = %v, want ok=%v", tc.region, err, tc.ok)
		}
		var le *blob.LocationError
		if err != nil && tc.region != "minio-local" && (!errors.As(err, &le) || !strings.Contains(err.Error(), tc.region)) {
			t.Errorf("CheckLocation(%q): error %v is not a LocationError naming the region", tc.region, err)
		}
	}
	// An EU-only policy takes Frankfurt and refuses London and Zurich.
	eu := func(loc string) bool { return loc == "DE" || loc == "FR" || loc == "IE" }
	if blob.CheckLocation("eu-central-1", eu) != nil || blob.CheckLocation("eu-west-2", eu) == nil || blob.CheckLocation("eu-central-2", eu) == nil {
		t.Error("EU-only check is wrong")
	}

	dir := t.TempDir()
	uk, _ := blob.NewLocal(filepath.Join(dir, "uk"), "UK")
	undeclared, _ := blob.NewLocal(filepath.Join(dir, "none"), "")
	ireland, _ := blob.NewS3(blob.S3Config{Region: "eu-west-1", Bucket: "b", AccessKeyID: "a", SecretAccessKey: "s"})
	london, _ := blob.NewS3(blob.S3Config{Region: "eu-west-2", Bucket: "b", AccessKeyID: "a", SecretAccessKey: "s"})
	if err := blob.CheckStoreLocation(uk, allowed); err != nil {
		t.Errorf("local folder declared UK: %v", err)
	}
	if err := blob.CheckStoreLocation(undeclared, allowed); err == nil {
		t.Error("a local folder with no declared location passed")
	}
	if err := blob.CheckStoreLocation(london, allowed); err != nil {
		t.Errorf("eu-west-2 bucket: %v", err)
	}
	err := blob.CheckStoreLocation(ireland, allowed)
	if err == nil || !strings.Contains(err.Error(), "eu-west-1") || !strings.Contains(err.Error(), "IE") {
		t.Errorf("eu-west-1 bucket: %v, want a refusal naming the region and IE", err)
	}
}
