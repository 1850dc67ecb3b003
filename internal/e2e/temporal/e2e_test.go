// The end-to-end tests of the Temporal adapter against a real Temporal
// server (go.temporal.io/server/temporaltest), each test its own server:
// a worker process killed in the middle of a run (kill_test.go), the
// client's calls (client_test.go), the replay of recorded histories
// (replay_test.go) and the cost of a step (bench_test.go).
//
// The histories in testdata are written again by
//
//	go test -run 'TestKill/anywhere|TestClient' -update
//
// and the benchmark runs with
//
//	go test -run '^$' -bench . -benchtime 3x -count 3
package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/digital-duck/picoflow-go/internal/e2e/temporal/e2eflow"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/server/temporaltest"
)

var update = flag.Bool("update", false, "write the histories of the runs into testdata")

// queue is the task queue of every test's workers.
const queue = "e2e"

// quiet is a logger that drops everything.
func quiet() log.Logger {
	return log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// newServer starts a Temporal server for t, stopped when t ends. The SDK's
// messages go to t's log.
func newServer(t *testing.T) *temporaltest.TestServer {
	t.Helper()
	return temporaltest.NewServer(temporaltest.WithT(t))
}

// newWorker starts a worker in the test's process on srv that runs every
// flow of e2eflow.pico with nodes n.
func newWorker(t *testing.T, srv *temporaltest.TestServer, n *e2eflow.Nodes) {
	t.Helper()
	srv.NewWorker(queue, func(r worker.Registry) {
		if err := e2eflow.Register(r, n); err != nil {
			t.Fatal(err)
		}
	})
}

// history returns the history of the run runID of workflow id.
func history(ctx context.Context, t *testing.T, c client.Client, id, runID string) *historypb.History {
	t.Helper()
	it := c.GetWorkflowHistory(ctx, id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		h.Events = append(h.Events, e)
	}
	return h
}

// writeHistory writes the history of the run runID of workflow id into
// testdata/name.history.json, as worker.WorkflowReplayer reads it.
func writeHistory(ctx context.Context, t *testing.T, c client.Client, id, runID, name string) {
	t.Helper()
	b, err := protojson.Marshal(history(ctx, t, c, id, runID))
	if err != nil {
		t.Fatal(err)
	}
	// protojson's spacing varies from run to run: indent it as encoding/json
	// does, for a stable file.
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		t.Fatal(err)
	}
	out.WriteByte('\n')
	path := filepath.Join("testdata", name+".history.json")
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", path, out.Len())
}

// timeout is a context for one test's calls to the server.
func timeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
