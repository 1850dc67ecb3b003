// Command worker runs the flows of e2eflow.pico on a Temporal task queue
// until it is killed: the end-to-end test starts it as a child process,
// kills it in the middle of a run and starts another.
//
//	worker -addr 127.0.0.1:7233 -namespace default -queue e2e
//
// Work's Exec is slow and records each completed call in the file named
// by $PICOFLOW_E2E_EXECS, then waits $PICOFLOW_E2E_LINGER (default 0)
// before it returns (see e2eflow.Nodes).
package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/digital-duck/picoflow-go/internal/e2e/temporal/e2eflow"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
)

func main() {
	addr := flag.String("addr", client.DefaultHostPort, "the Temporal server's frontend, host:port")
	namespace := flag.String("namespace", client.DefaultNamespace, "the namespace")
	queue := flag.String("queue", "e2e", "the task queue")
	verbose := flag.Bool("v", false, "log the SDK's messages to standard error")
	flag.Parse()
	if err := run(*addr, *namespace, *queue, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

func run(addr, namespace, queue string, verbose bool) error {
	out := io.Discard
	if verbose {
		out = os.Stderr
	}
	c, err := client.Dial(client.Options{
		HostPort:  addr,
		Namespace: namespace,
		Logger:    log.NewStructuredLogger(slog.New(slog.NewTextHandler(out, nil))),
	})
	if err != nil {
		return err
	}
	defer c.Close()
	w := worker.New(c, queue, worker.Options{})
	nodes := &e2eflow.Nodes{Slow: true, Execs: os.Getenv(e2eflow.ExecsEnv)}
	if v := os.Getenv(e2eflow.LingerEnv); v != "" {
		if nodes.Linger, err = time.ParseDuration(v); err != nil {
			return fmt.Errorf("$%s: %w", e2eflow.LingerEnv, err)
		}
	}
	if err := e2eflow.Register(w, nodes); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "worker: polling", queue, "at", addr, "in", namespace)
	return w.Run(worker.InterruptCh())
}
