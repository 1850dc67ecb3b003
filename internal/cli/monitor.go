package cli

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/digital-duck/picoflow-go/internal/monitor"
)

const monitorHelp = `usage: picoflow monitor [-db FILE] [-addr HOST:PORT]

Monitor serves the run log that runlog.Log records (see package
github.com/digital-duck/picoflow-go/runtime/runlog) as web pages, and prints
the URL it serves. The first page lists the runs, newest first, with their
status, flow, start, steps, elapsed time and error, filtered by flow,
status or a prefix of the run ID. A run's page draws its flow's graph with
the path the run took and each node's count and total time, its steps as a
timeline (retries and the members of parallel groups side by side), the
store after each step with the fields that changed marked, errors with
their stacks, a waiting run's question and what the run emitted. A run in
progress updates live, without a reload. Everything the pages need is in
the binary: they fetch nothing from the network and work offline.

Monitor stops on SIGINT (Ctrl-C).

The monitor has no authentication: anyone who can reach it reads every
run, store and question in the log. It listens on loopback (127.0.0.1) by
default and then answers only requests for localhost, 127.0.0.1 or [::1]
(a reverse proxy in front of it must pass such a Host). Before exposing it
beyond loopback, put it behind a reverse proxy that authenticates, or reach
it through an SSH tunnel (ssh -L 8080:127.0.0.1:8080 HOST) rather than
listening on another address.

  -db FILE          the run log (default runs.db)
  -addr HOST:PORT   the address to listen on (default 127.0.0.1:8080; port 0
                    picks a free one)
`

// monitorSignals are the signals that stop the monitor.
var monitorSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

func runMonitor(c *command, e *env, args []string) int {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	db := fs.String("db", defaultDB, "the run log")
	addr := fs.String("addr", "127.0.0.1:8080", "the address to listen on")
	rest, code, ok := c.parseFlags(fs, e, args)
	if !ok {
		return code
	}
	if len(rest) > 0 {
		e.errorf("monitor takes no arguments")
		fmt.Fprint(e.stderr, c.help)
		return exitUsage
	}
	l, err := openLog(*db)
	if err != nil {
		e.errorf("%v", err)
		return exitInput
	}
	defer l.Close()

	// The signals are caught before the URL is printed: once it is, an
	// interrupt stops the server rather than the process.
	ctx, stop := signal.NotifyContext(context.Background(), monitorSignals...)
	defer stop()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		e.errorf("%v", err)
		return exitInput
	}
	h := monitor.Handler(l)
	if monitor.IsLoopback(*addr) {
		h = monitor.LocalOnly(h)
	} else {
		e.errorf("warning: listening on %s, beyond loopback: the monitor has no authentication (see picoflow help monitor)", *addr)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		// The event streams of open pages end when the server stops.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	fmt.Fprintf(e.stdout, "picoflow monitor: serving %s at %s (Ctrl-C stops)\n", *db, serverURL(ln.Addr()))
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		e.errorf("%v", err)
		return exitInput
	case <-ctx.Done():
	}
	stop()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		srv.Close()
	}
	return exitOK
}

// serverURL is the URL of a server listening at addr: a wildcard address
// is reached at loopback.
func serverURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/"
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}
