package blob_test

import (
	"os"
	"testing"

	"github.com/fairline/fairline/internal/testutil/s3test"
)

func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }
