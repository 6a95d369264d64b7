package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/fairline/fairline/internal/policy"
)

// policyInit writes the embedded default policy to a file for a council to
// edit. The file is the council's own: where it lives and how long it is
// kept is theirs to decide (it holds no personal data).
func policyInit(ctx context.Context, env *Env, args []string) error {
	fset := newFlags(env, "policy init", "policy init FILE [--force] [--demo-council]\n\n"+
		"Writes the embedded default policy (Leicestershire County Council's notices) to FILE, to edit into\n"+
		"your own: organisation, systems, retention, and the chatbot's sources (systems[chatbot].sources),\n"+
		"the only sites the knowledge base may crawl or import. Check it with 'fairline policy validate FILE'\n"+
		"and use it with -policy FILE. An existing FILE is left alone unless --force. With --demo-council it writes the\n"+
		"embedded demo policy instead (Scarfolk Council, the fictional single-tier council of the demo site that\n"+
		"'serve --demo' runs under).")
	force := fset.Bool("force", false, "overwrite FILE if it exists")
	demo := fset.Bool("demo-council", false, "write the embedded demo policy (Scarfolk Council) instead of the default")
	if err := parse(fset, interspersed(args)); err != nil {
		return err
	}
	if fset.NArg() != 1 {
		return &UsageError{"policy init needs exactly one FILE, such as policy.yaml"}
	}
	name := fset.Arg(0)
	data, what := policy.DefaultYAML(), "default"
	if *demo {
		data, what = policy.DemoYAML(), "demo"
	}
	if err := writeFileAtomic(name, data, *force); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "wrote the embedded %s policy to %s\nedit it, check it with: fairline policy validate %s\nthen use it with: fairline serve -policy %s\n", what, name, name, name)
	return nil
}

// writeFileAtomic writes data to name through a temporary file in the same
// folder, so name is never seen half-written: renamed over name with
// overwrite, else linked to name, which fails if name exists (no window in
// which another file could be clobbered).
func writeFileAtomic(name string, data []byte, overwrite bool) error {
	if !overwrite {
		if _, err := os.Lstat(name); err == nil {
			return fmt.Errorf("%s already exists; use --force to overwrite it", name)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed or linked and removed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if overwrite {
		return os.Rename(tmp.Name(), name)
	}
	if err := os.Link(tmp.Name(), name); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists; use --force to overwrite it", name)
		}
		// A file system without hard links: check again, then rename.
		if _, serr := os.Lstat(name); serr == nil {
			return fmt.Errorf("%s already exists; use --force to overwrite it", name)
		}
		return os.Rename(tmp.Name(), name)
	}
	return nil
}
