package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/kb"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/search"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
	"github.com/fairline/fairline/internal/testutil/fakeclock"
)

// The two demo-site answers of issue 12. The demo site holds one page on registering a birth,
// whose "(example Alert Info)" notice about the Coronavirus pandemic was quoted as the answer; it
// holds no page on the recycling centres but a 2021 lockdown news item, which was quoted as a
// confident answer.
func TestDemoNoticeAndOldNewsAnswers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()

		resp, err := f.svc.Ask(ctx, Request{Message: "How do I register a birth?"})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Sources) == 0 || !strings.HasSuffix(strings.Split(resp.Sources[0].URL, "#")[0], "/registering-birth") {
			t.Fatalf("birth: not the registering a birth page: %+v", resp)
		}
		for _, banner := range []string{"example Alert Info", "All non-essential face to face registration"} {
			if strings.Contains(resp.Answer, banner) || strings.Contains(resp.Sources[0].Snippet, banner) {
				t.Errorf("birth: the notice is quoted: %q", resp.Answer)
			}
		}

		resp, err = f.svc.Ask(ctx, Request{Message: "When is the recycling centre open?"})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(resp.Answer, "Recycling Centres are open") || strings.Contains(resp.Answer, "lockdown") {
			t.Errorf("recycling: the 2021 lockdown news item is the answer: %q", resp.Answer)
		}
		if resp.Handoff == nil && len(resp.Sources) > 0 && strings.Contains(resp.Sources[0].URL, "/news/2021/") {
			t.Errorf("recycling: answered confidently from the news item: %+v", resp)
		}

		// The console's page detail says why.
		pa, err := f.svc.PageArea(ctx, "https://demo.localgov.example/births-deaths-marriages-and-citizenship/registering-birth")
		if err != nil {
			t.Fatal(err)
		}
		if len(pa.Excluded) != 1 || !strings.HasPrefix(pa.Excluded[0].Text, "(example Alert Info)") || pa.Excluded[0].Reason != search.ReasonNotice {
			t.Errorf("birth page excluded: %+v", pa.Excluded)
		}
		pa, err = f.svc.PageArea(ctx, "https://demo.localgov.example/news/2021/update-county-council-services-during-current-lockdown")
		if err != nil {
			t.Fatal(err)
		}
		fr := pa.Freshness
		if fr.News == "" || !fr.Old || fr.Published.Format("2006-01-02") != "2021-09-10" || fr.Factor >= 1 {
			t.Errorf("news item freshness: %+v", fr)
		}
	})
}

// bannerSite is n pages of the demo host, each on its own topic with the same banner inside
// the main content.
func bannerSite(from, n int) []byte {
	var b bytes.Buffer
	for i := from; i < from+n; i++ {
		line, _ := json.Marshal(map[string]string{
			"url":   fmt.Sprintf("https://demo.localgov.example/service-%d", i),
			"title": fmt.Sprintf("Service %d", i),
			"html": fmt.Sprintf(`<main><h1>Service %d</h1><p>Our contact centre is closed on Friday for staff training; please use the online forms.</p>
				<p>To apply for service %d permit number %d, fill in the permit form for service %d.</p></main>`, i, i, i, i),
		})
		b.Write(append(line, '\n'))
	}
	return b.Bytes()
}

// A block repeated across the site is left out of the chat index, on a full build and on the
// pages a catch-up changes afterwards (with the set found by the last full build).
func TestRepeatedBlocksLeftOutOfChatIndex(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		pol, err := WithDemoSource(policy.Default())
		if err != nil {
			t.Fatal(err)
		}
		polf := func() *policy.Policy { return pol }
		clock := fakeclock.New(time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC))
		log := slog.New(slog.NewTextHandler(&syncBuf{}, nil))
		svc := New(db, audit.New(db, bytes.Repeat([]byte{7}, 32)), polf, Options{Logger: log, Now: clock.Now})
		k := kb.New(db, kb.Options{Hooks: svc.Hooks(), Logger: log, Policy: polf})
		if _, err := k.Import(ctx, bytes.NewReader(bannerSite(0, 5))); err != nil {
			t.Fatal(err)
		}
		if err := svc.LoadIndex(ctx); err != nil {
			t.Fatal(err)
		}
		// A page imported after the build: the catch-up applies the same set.
		if _, err := k.Import(ctx, bytes.NewReader(bannerSite(5, 1))); err != nil {
			t.Fatal(err)
		}
		for i := range 6 {
			q := fmt.Sprintf("apply for service %d permit", i)
			resp, err := svc.Ask(ctx, Request{Message: q})
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("https://demo.localgov.example/service-%d", i)
			if len(resp.Sources) == 0 || strings.Split(resp.Sources[0].URL, "#")[0] != want {
				t.Errorf("%q: page content not found: %+v", q, resp)
				continue
			}
			if !strings.Contains(resp.Answer, "fill in the permit form") {
				t.Errorf("%q: answer %q", q, resp.Answer)
			}
			d, ok := svc.ix.Load().Doc(want)
			if !ok {
				t.Fatalf("%s not indexed", want)
			}
			for _, p := range d.Passages {
				if strings.Contains(p.Text, "contact centre is closed") {
					t.Errorf("%s: banner in passage %q", want, p.Text)
				}
			}
		}
		resp, err := svc.Ask(ctx, Request{Message: "is the contact centre closed on friday"})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(resp.Answer, "contact centre is closed") {
			t.Errorf("banner quoted: %q", resp.Answer)
		}
		pa, err := svc.PageArea(ctx, "https://demo.localgov.example/service-5")
		if err != nil {
			t.Fatal(err)
		}
		if len(pa.Excluded) != 1 || pa.Excluded[0].Reason != search.ReasonRepeated || !strings.Contains(pa.Excluded[0].Text, "contact centre is closed") {
			t.Errorf("excluded %+v", pa.Excluded)
		}
	})
}
