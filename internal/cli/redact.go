package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/fairline/fairline/internal/config"
	"github.com/fairline/fairline/internal/pii"
)

// maxRedactInput is the most `fairline redact` reads from standard input.
const maxRedactInput = 256 << 20

// redactEntity is an entity in the JSON output: byte offsets into the input.
type redactEntity struct {
	Type  pii.Type `json:"type"`
	Start int      `json:"start"`
	End   int      `json:"end"`
}

// redactOutput is the JSON shape shared with POST /api/v1/redact.
type redactOutput struct {
	Redacted string         `json:"redacted"`
	Entities []redactEntity `json:"entities"`
}

func redactCmd(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "redact", "redact [--json] < TEXT\n\nReads text from standard input and prints it with personal data replaced by typed\nplaceholders such as [NHS number]. The organisation's own public contact points and its\nreference patterns come from the configured policy (else the embedded one).\nWith --json, prints {\"redacted\": ..., \"entities\": [{\"type\", \"start\", \"end\"}]}, where\nstart and end are byte offsets into the input.")
	cf := config.Register(fs, config.Policy)
	asJSON := fs.Bool("json", false, "print JSON with the entities found")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &UsageError{"redact takes no arguments; it reads standard input"}
	}
	p, err := policyFrom(env, cf, "")
	if err != nil {
		return err
	}
	in, err := io.ReadAll(io.LimitReader(env.Stdin, maxRedactInput+1))
	if err != nil {
		return fmt.Errorf("read standard input: %w", err)
	}
	if len(in) > maxRedactInput {
		return fmt.Errorf("standard input is larger than %d bytes", maxRedactInput)
	}
	d := pii.New(p.PIIConfig())
	red, ents := d.Redact(string(in))
	if !*asJSON {
		_, err := io.WriteString(env.Stdout, red)
		return err
	}
	out := redactOutput{Redacted: red, Entities: make([]redactEntity, len(ents))}
	for i, e := range ents {
		out.Entities[i] = redactEntity{e.Type, e.Start, e.End}
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
