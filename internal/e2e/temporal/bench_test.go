package e2e_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/digital-duck/picoflow-go/internal/e2e/temporal/e2eflow"
	pftemporal "github.com/digital-duck/picoflow-go/runtime/temporal"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/server/temporaltest"
)

// benchSteps is the number of steps of a run of Loop in BenchmarkStep.
const benchSteps = 50

// BenchmarkStep runs Loop for benchSteps steps, Work's Exec doing nothing,
// on a Temporal test server with a worker in the process (Loop registered
// with the default options: no Continue-As-New in a run), and in process
// (Loop.Run), and reports the cost of a step of each (ns/step): on
// Temporal, an activity and two local activities, each a round trip to
// the server, and a workflow task per step.
func BenchmarkStep(b *testing.B) {
	n := &e2eflow.Nodes{}
	b.Run("temporal", func(b *testing.B) {
		srv := temporaltest.NewServer(temporaltest.WithBaseClientOptions(client.Options{Logger: quiet()}))
		defer srv.Stop()
		srv.NewWorker("bench", func(r worker.Registry) {
			if err := e2eflow.RegisterLoop(r, n.Loop()); err != nil {
				b.Fatal(err)
			}
		})
		c := srv.GetDefaultClient()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		i := 0
		for b.Loop() {
			i++
			s := e2eflow.NewJob()
			s.Target = benchSteps
			run, err := e2eflow.StartLoop(ctx, c, pftemporal.StartOptions{ID: fmt.Sprintf("bench-%d", i), TaskQueue: "bench"}, s)
			if err != nil {
				b.Fatal(err)
			}
			if s, err = run.Get(ctx); err != nil || s.Counter != benchSteps {
				b.Fatalf("run: %+v, %v", s, err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchSteps), "ns/step")
	})
	b.Run("inprocess", func(b *testing.B) {
		flow := n.Loop()
		ctx := context.Background()
		for b.Loop() {
			s := e2eflow.NewJob()
			s.Target = benchSteps
			if err := flow.Run(ctx, s); err != nil || s.Counter != benchSteps {
				b.Fatalf("run: %+v, %v", s, err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchSteps), "ns/step")
	})
}
