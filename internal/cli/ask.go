package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/config"
)

// ask answers a question from the local knowledge base, the way the
// chatbot would. It is a staff tool for checking the knowledge base, so it
// stores nothing: no turn, and no count in the reports (residents' figures
// stay residents').
func ask(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "ask", "ask \"QUESTION\" [--json]\n\n"+
		"Answers QUESTION from the local knowledge base exactly as the website chatbot would (personal data\n"+
		"redacted first, scope guard, search, extractive answer or hand-off), without storing anything.")
	cf := config.Register(fs, append(appSettings, config.Group{"other-councils"})...)
	asJSON := fs.Bool("json", false, "print the API's JSON response")
	if err := parse(fs, interspersed(args)); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return &UsageError{"ask needs a question, such as: fairline ask \"how do I apply for a blue badge\""}
	}
	question := strings.Join(fs.Args(), " ")
	a, err := openApp(ctx, env, cf)
	if err != nil {
		return err
	}
	defer a.Close()
	if a.Config.OtherCouncils != "" {
		list, err := chat.LoadOtherCouncils(a.Config.OtherCouncils)
		if err != nil {
			return err
		}
		a.Chat.SetOtherCouncils(list)
	}
	resp, err := a.Chat.Try(ctx, question)
	var ie *chat.InputError
	if errors.As(err, &ie) {
		return &UsageError{"ask: " + ie.Message}
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(resp)
	}
	w := env.Stdout
	fmt.Fprintln(w, resp.Answer)
	if len(resp.Sources) > 0 {
		fmt.Fprintf(w, "\nSource: %s\n  %s\n", resp.Sources[0].Title, resp.Sources[0].URL)
		if len(resp.Sources) > 1 {
			fmt.Fprintln(w, "\nSee also:")
			for _, s := range resp.Sources[1:] {
				fmt.Fprintf(w, "  %s\n    %s\n", s.Title, s.URL)
			}
		}
	}
	if h := resp.Handoff; h != nil {
		fmt.Fprintf(w, "\n(%s)\n", strings.ReplaceAll(h.Reason, "_", " "))
		for _, r := range h.Routes {
			fmt.Fprintf(w, "  %-5s %s  %s\n", r.Kind, r.Label, r.URL)
		}
	}
	if resp.ServiceArea != "" {
		fmt.Fprintf(w, "\nService area: %s\n", resp.ServiceArea)
	}
	if len(resp.Redacted) > 0 {
		fmt.Fprintf(w, "Removed from the question: %s\n", strings.Join(resp.Redacted, ", "))
	}
	return nil
}
