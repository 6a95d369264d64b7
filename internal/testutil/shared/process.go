package shared

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

// FreePort returns a TCP port of 127.0.0.1 free a moment ago. Another
// process can take it before the server binds it: callers retry.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Watchdog is a small shell loop that cleans up after a server when this
// test binary dies without shutting it down (go test kills it after
// -timeout, say): it runs cleanup, then removes dir. It runs in its own
// process group (a Ctrl-C to the test must not kill it before it cleans
// up) and without stdio (go test waits for the test binary's pipes to
// close). It is best effort.
type Watchdog struct{ cmd *exec.Cmd }

// StartWatchdog starts one named name; cleanup is shell run with $2 set to
// dir. It returns nil when the shell cannot start.
func StartWatchdog(name, dir, cleanup string) *Watchdog {
	script := `while kill -0 "$1" 2>/dev/null; do sleep 1; done
` + cleanup + `
rm -rf "$2"`
	cmd := exec.Command("/bin/sh", "-c", script, name, strconv.Itoa(os.Getpid()), dir)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil
	}
	go func() { _ = cmd.Wait() }()
	return &Watchdog{cmd: cmd}
}

// Stop ends the watchdog (the shell and its sleep) without cleaning up: the
// server was shut down properly.
func (w *Watchdog) Stop() {
	if w != nil && w.cmd.Process != nil {
		_ = syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
	}
}
