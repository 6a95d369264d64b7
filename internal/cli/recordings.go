package cli

import (
	"context"
	"fmt"

	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/config"
)

func sweepCmd(ctx context.Context, env *Env, args []string) error {
	return runWithApp(ctx, env, "sweep", "sweep [flags]\n\nRuns one retention pass now: destroys every recording past its service area's\nretention period that is not under a legal hold (wrapped key first, then the blob),\nfinishes interrupted deletions, removes blobs of uploads that never committed and\ndeletes files that waited in a drop folder's failed/ longer than the policy's\ndrop_folder.failed_retention (every folder recordings import has used on this machine).", args,
		func(a *app.App) error {
			if _, err := a.Recordings.ApplyRetention(ctx); err != nil {
				return err
			}
			res, err := a.Sweep(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "recordings destroyed: %d, interrupted deletions finished: %d, orphaned blobs removed: %d, "+
				"failed drop-folder files removed: %d\n", res.Deleted, res.Finished, res.Orphans, res.DropFolderFiles)
			return nil
		})
}

func keysCmd(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "keys", args, map[string]func(context.Context, *Env, []string) error{
		"rotate": keysRotate,
	})
}

func keysRotate(ctx context.Context, env *Env, args []string) error {
	return runWithApp(ctx, env, "keys rotate", "keys rotate [flags]\n\nAdds a new key-encryption key version and re-wraps every recording's data key\nunder it. Audio is not re-encrypted. Old versions stay until retired.", args,
		func(a *app.App) error {
			v, err := a.KEK.Rotate(ctx)
			if err != nil {
				return err
			}
			n, err := a.Recordings.RewrapAll(ctx)
			if err != nil {
				return fmt.Errorf("rotated to key version %s but re-wrapping stopped after %d recordings: %w (run again to finish)", v, n, err)
			}
			fmt.Fprintf(env.Stdout, "key-encryption key version %s is current; %d recording keys re-wrapped\n", v, n)
			return nil
		})
}

func recordingsCmd(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "recordings", args, map[string]func(context.Context, *Env, []string) error{
		"import": recordingsImport,
	})
}

func recordingsImport(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "recordings import", "recordings import DIR\n\n"+
		"Ingests a telephony drop folder: audio files (.wav, .mp3, .ogg, .opus) each with a sidecar\n"+
		"JSON file of the same name, or listed in DIR/calls.csv (columns file, external_call_id,\n"+
		"direction, service_area, agent_id, other_party_number, started_at, duration_seconds).\n"+
		"A stored file is deleted with its sidecar and its calls.csv row, leaving a receipt\n"+
		"(DIR/done/NAME.receipt.json: recording id, sha256, time). A file that cannot be stored\n"+
		"moves to DIR/failed/ with its metadata and a .reason.txt; the retention sweep deletes it\n"+
		"after the policy's drop_folder.failed_retention (7 days by default). Symbolic links are\n"+
		"refused. Running it again resumes.")
	cf := config.Register(fs, appSettings...)
	if err := parse(fs, interspersed(args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &UsageError{"recordings import needs exactly one DIR"}
	}
	a, err := openApp(ctx, env, cf)
	if err != nil {
		return err
	}
	defer a.Close()
	bar := newProgress(env.Stderr, "importing", 25)
	res, err := a.Recordings.Import(ctx, "cli", fs.Arg(0), bar.report)
	bar.finish()
	fmt.Fprintf(env.Stdout, "stored %d, already stored %d, failed %d (see failed/*.reason.txt), waiting for metadata %d\n",
		res.Stored, res.AlreadyStored, res.Failed, res.Waiting)
	return err
}
