// Command fairline runs Fairline. All behaviour lives in internal/cli.
package main

import (
	"context"
	"os"

	"github.com/fairline/fairline/internal/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), cli.OSEnv(), os.Args[1:]))
}
