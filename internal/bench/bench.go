// Package bench holds the code behind `fairline bench ...`: measurements of
// redaction, the chatbot, recording ingest and the retention sweep, each run
// in this process over a throw-away database and printed as a table. The
// server never imports it; internal/cli only parses the flags and calls in.
// The chatbot's quality baseline (SQLite FTS5) lives with the retrieval
// evaluation in internal/search/eval.
package bench

import (
	"net"
	"net/http"
	"time"
)

// serveLoopback serves h on a free port of 127.0.0.1 until stop is called:
// the bench's clients reach the real handler over real TCP, as residents'
// browsers and the telephony system would.
func serveLoopback(h http.Handler) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln) // returns when stop closes the server
	}()
	return "http://" + ln.Addr().String(), func() {
		srv.Close()
		<-done
	}, nil
}
