package e2e_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/digital-duck/picoflow-go/internal/e2e/temporal/e2eflow"
	"github.com/digital-duck/picoflow-go/runtime"
	pftemporal "github.com/digital-duck/picoflow-go/runtime/temporal"
	"go.temporal.io/sdk/temporal"
)

// The generated client against a real server, a worker in the test's
// process: await nodes answered through Updates, a failed node's error, a
// parallel group's merge, and the largest store.
func TestClient(t *testing.T) {
	srv := newServer(t)
	c := srv.GetDefaultClient()
	newWorker(t, srv, &e2eflow.Nodes{})
	opts := func(id string) pftemporal.StartOptions {
		return pftemporal.StartOptions{ID: id, TaskQueue: queue}
	}

	t.Run("await", func(t *testing.T) {
		ctx := timeout(t, time.Minute)
		s := e2eflow.NewJob()
		s.Input = "v2"
		run, err := e2eflow.StartApproval(ctx, c, opts("approval"), s)
		if err != nil {
			t.Fatal(err)
		}
		// waitAt waits until the run waits at node, and returns where.
		waitAt := func(node string) *pftemporal.Waiting {
			t.Helper()
			for start := time.Now(); time.Since(start) < 30*time.Second; time.Sleep(20 * time.Millisecond) {
				w, err := run.Waiting(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if w != nil && w.Node == node {
					return w
				}
			}
			t.Fatalf("the run never waited at %s", node)
			return nil
		}
		w := waitAt("Ask")
		if got, err := run.Store(ctx); err != nil || got.Input != "v2" {
			t.Errorf("Store while waiting: %+v, %v; want the store begun with input v2", got, err)
		}
		if q, ok, err := run.QuestionAsk(ctx); q != "may I ship v2?" || !ok || err != nil {
			t.Errorf("QuestionAsk: %q, %v, %v", q, ok, err)
		}
		if want := (pftemporal.Waiting{Flow: "Approval", Node: "Ask", Step: 1, Question: json.RawMessage(`"may I ship v2?"`)}); !reflect.DeepEqual(*w, want) {
			t.Errorf("waiting %+v, want %+v", *w, want)
		}
		// An answer for the node the run does not wait at is refused, and
		// the run goes on waiting where it was.
		err = run.ResumeConfirm(ctx, e2eflow.Answer{OK: true, Note: "too soon"})
		if want := "flow Approval is not waiting at Confirm"; err == nil || err.Error() != want {
			t.Fatalf("an answer to Confirm while the run waits at Ask: error %v, want one containing %q", err, want)
		}
		t.Logf("refused: %v", err)
		if w := waitAt("Ask"); w.Step != 1 {
			t.Errorf("after the refusal, waiting %+v", w)
		}
		if err := run.ResumeAsk(ctx, e2eflow.Answer{OK: true, Note: "ship it"}); err != nil {
			t.Fatal(err)
		}
		if w := waitAt("Confirm"); w.Step != 2 || string(w.Question) != `"sure about v2?"` {
			t.Errorf("waiting %+v, want Confirm at step 2", w)
		}
		// The typed questions: Confirm's, and none at Ask any more.
		if q, ok, err := run.QuestionConfirm(ctx); q != "sure about v2?" || !ok || err != nil {
			t.Errorf("QuestionConfirm: %q, %v, %v", q, ok, err)
		}
		if q, ok, err := run.QuestionAsk(ctx); q != "" || ok || err != nil {
			t.Errorf("QuestionAsk while the run waits at Confirm: %q, %v, %v", q, ok, err)
		}
		// Ask has had its answer: a second one is refused.
		err = run.ResumeAsk(ctx, e2eflow.Answer{OK: false, Note: "again"})
		if want := "flow Approval is not waiting at Ask"; err == nil || err.Error() != want {
			t.Fatalf("a second answer to Ask: error %v, want one containing %q", err, want)
		}
		if err := run.ResumeConfirm(ctx, e2eflow.Answer{OK: true, Note: "sure"}); err != nil {
			t.Fatal(err)
		}
		got, err := run.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"asked: ship it", "confirmed: sure"}; got.Note != "sure" || !reflect.DeepEqual(got.Log, want) {
			t.Errorf("store %+v, want note sure and log %q", got, want)
		}
		// The run has ended: it waits for nothing, and an answer fails.
		if w, err := e2eflow.GetApprovalRun(c, "approval").Waiting(ctx); err != nil || w != nil {
			t.Errorf("after the run: waiting %+v, %v; want nil, nil", w, err)
		}
		err = run.ResumeConfirm(ctx, e2eflow.Answer{OK: true})
		if err == nil {
			t.Fatal("an answer after the run ended was taken")
		}
		t.Logf("after the run: %v", err)
		if *update {
			writeHistory(ctx, t, c, run.ID, run.RunID, "approval")
		}
	})

	t.Run("failure", func(t *testing.T) {
		ctx := timeout(t, time.Minute)
		s := e2eflow.NewJob()
		s.Input = "bad"
		run, err := e2eflow.StartValidate(ctx, c, opts("validate"), s)
		if err != nil {
			t.Fatal(err)
		}
		_, err = run.Get(ctx)
		var ne *runtime.NodeError
		if !errors.As(err, &ne) {
			t.Fatalf("error %v (%T) holds no *runtime.NodeError", err, err)
		}
		want := runtime.NodeError{Flow: "Validate", Node: "Check", Step: 1, Phase: runtime.PhaseExec}
		if ne.Flow != want.Flow || ne.Node != want.Node || ne.Step != want.Step || ne.Phase != want.Phase {
			t.Errorf("NodeError %+v, want %+v", ne, want)
		}
		if want := "flow Validate: node Check (step 1) exec: bad input"; err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
		var app *temporal.ApplicationError
		var wee *temporal.WorkflowExecutionError
		if !errors.As(err, &app) || !errors.As(err, &wee) {
			t.Errorf("error %v unwraps to no Temporal error (application %v, workflow execution %v)", err, app, wee)
		}
	})

	t.Run("group", func(t *testing.T) {
		ctx := timeout(t, time.Minute)
		s := e2eflow.NewJob()
		s.Input = "x"
		run, err := e2eflow.StartFanout(ctx, c, opts("fanout"), s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := run.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := e2eflow.NewJob()
		want.Input, want.Total, want.Log = "x", 11, []string{"split", "web:x", "docs:x", "joined"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("store %+v, want %+v", got, want)
		}
		if *update {
			writeHistory(ctx, t, c, run.ID, run.RunID, "fanout")
		}
	})

	// A group whose members' Posts, the Post after it and the workflow's
	// result each carry a store near MaxJSON: more than one workflow task
	// could take to the server, so the workflow ends tasks in between.
	// (Before it did, this run retried its last task forever.)
	t.Run("group of large stores", func(t *testing.T) {
		ctx := timeout(t, 2*time.Minute)
		s := e2eflow.NewJob()
		s.Input = "x"
		// The store at its largest (after Join) is 64 bytes short of MaxJSON.
		s.Note = strings.Repeat("n", pftemporal.MaxJSON-64-finalSize(t, s))
		run, err := e2eflow.StartFanout(ctx, c, opts("fanout-large"), s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := run.Get(ctx)
		if err != nil {
			t.Fatalf("%.500v", err)
		}
		if got.Note != s.Note || got.Total != 11 || !reflect.DeepEqual(got.Log, []string{"split", "web:x", "docs:x", "joined"}) {
			t.Errorf("store: log %q, total %d, note of %d bytes", got.Log, got.Total, len(got.Note))
		}
	})

	// Big's Grow writes a blob of pad bytes: a store of MaxJSON bytes as
	// JSON completes, one byte more fails Grow's Post with the adapter's
	// error.
	t.Run("largest", func(t *testing.T) {
		ctx := timeout(t, 2*time.Minute)
		pad := padFor(t, pftemporal.MaxJSON)
		for _, c2 := range []struct {
			size int
			err  string
		}{
			{pftemporal.MaxJSON, ""},
			{pftemporal.MaxJSON + 1, fmt.Sprintf("flow Big: node Grow (step 1) post: the store is %d bytes as JSON, more than the %d that Temporal's payload limit leaves for it: keep large data outside the store (in a blob store, say) and a key to it inside", pftemporal.MaxJSON+1, pftemporal.MaxJSON)},
		} {
			s := e2eflow.NewJob()
			s.Pad = pad + c2.size - pftemporal.MaxJSON
			if n := jsonSize(t, s.Pad); n != c2.size {
				t.Fatalf("pad %d: %d bytes, want %d", s.Pad, n, c2.size)
			}
			run, err := e2eflow.StartBig(ctx, c, opts(fmt.Sprintf("big-%d", c2.size)), s)
			if err != nil {
				t.Fatal(err)
			}
			got, err := run.Get(ctx)
			if c2.err == "" {
				if err != nil {
					t.Fatalf("a store of %d bytes: %.500v", c2.size, err)
				}
				if len(got.Blob) != s.Pad {
					t.Errorf("a store of %d bytes: blob of %d bytes, want %d", c2.size, len(got.Blob), s.Pad)
				}
				t.Logf("a store of %d bytes as JSON (blob %d) completed", c2.size, s.Pad)
				continue
			}
			var ne *runtime.NodeError
			if err == nil || err.Error() != c2.err || !errors.As(err, &ne) || ne.Phase != runtime.PhasePost {
				t.Fatalf("a store of %d bytes: error %.500v, want %q", c2.size, err, c2.err)
			}
			t.Logf("a store of %d bytes as JSON (blob %d) failed: %v", c2.size, s.Pad, err)
		}
	})
}

// jsonSize is the size as JSON of the store Grow leaves for pad.
func jsonSize(t *testing.T, pad int) int {
	s := e2eflow.NewJob()
	s.Pad, s.Blob = pad, strings.Repeat("x", pad)
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return len(b)
}

// padFor is the pad for which the store Grow leaves is size bytes as JSON.
func padFor(t *testing.T, size int) int {
	pad := size
	for range 10 {
		n := jsonSize(t, pad)
		if n == size {
			return pad
		}
		pad += size - n
	}
	t.Fatalf("no pad makes a store of %d bytes", size)
	return 0
}

// finalSize is the size as JSON of the store Fanout leaves, from s with
// its note empty.
func finalSize(t *testing.T, s *e2eflow.Job) int {
	end := *s
	end.Note, end.Total, end.Log = "", 11, []string{"split", "web:x", "docs:x", "joined"}
	b, err := json.Marshal(&end)
	if err != nil {
		t.Fatal(err)
	}
	return len(b)
}
