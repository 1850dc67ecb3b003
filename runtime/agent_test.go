package runtime

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// execStep is a member of flow "A" whose step runs exec under policy p,
// falling back to "fallback" when fb is set.
func execStep(name string, p Policy, fb bool, exec func(context.Context) (string, error)) Member[*tf, testStore] {
	return member(name, nil, func(ctx context.Context, r *Run, s *testStore) (int, int, error) {
		if err := r.Begin(ctx, "A", name); err != nil {
			return 0, 0, err
		}
		e, err := Exec(ctx, r, p, exec)
		if err != nil && fb {
			e, err = Fallback(ctx, r, err, func(context.Context, error) (string, error) { return "fallback", nil })
		}
		if err != nil {
			return 0, 0, r.Fail("A", name, err)
		}
		r.Enter(PhasePost)
		s.Intent = e
		return -1, 0, nil
	})
}

func TestWithRunID(t *testing.T) {
	var ids []string
	hooks := WithHooks(Hooks{
		FlowStart: func(e FlowEvent) { ids = append(ids, e.RunID) },
		NodeEnd:   func(e NodeEvent) { ids = append(ids, e.RunID) },
	})
	dir := t.TempDir()
	if err := counter("C", 2).Run(context.Background(), &tf{}, &testStore{}, []Option{hooks, WithRunID("order-42"), WithCheckpoints(Dir(dir))}); err != nil {
		t.Fatal(err)
	}
	cp, err := LatestCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"order-42", "order-42", "order-42"}; !reflect.DeepEqual(ids, want) || cp.RunID != "order-42" {
		t.Errorf("run ids %q, checkpoint's %q; want order-42 throughout", ids, cp.RunID)
	}
}

// WithPolicy overrides a node's policy for one run: a flow with an hour's
// wait between attempts retries at once.
func TestWithPolicy(t *testing.T) {
	calls := 0
	fl := testFlow("A", execStep("Slow", Policy{Attempts: 3, Wait: time.Hour}, false, func(context.Context) (string, error) {
		if calls++; calls < 3 {
			return "", errors.New("flaky")
		}
		return "ok", nil
	}))
	var seen []string
	policy := WithPolicy(func(node string, p Policy) Policy {
		seen = append(seen, fmt.Sprintf("%s %d %s", node, p.Attempts, p.Wait))
		p.Wait = 0
		return p
	})
	s := &testStore{}
	done := make(chan error, 1)
	go func() { done <- fl.Run(context.Background(), &tf{}, s, []Option{policy}) }()
	select {
	case err := <-done:
		if err != nil || s.Intent != "ok" || calls != 3 {
			t.Fatalf("got %v, intent %q after %d calls; want ok after 3", err, s.Intent, calls)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the run waited: WithPolicy did not override the wait")
	}
	if want := []string{"Slow 3 1h0m0s"}; !reflect.DeepEqual(seen, want) {
		t.Errorf("the override saw %q, want %q", seen, want)
	}
}

// The Fallback hook fires once every attempt failed, before ExecFallback,
// with the attempts made and the last error; per element in a batch.
func TestFallbackHook(t *testing.T) {
	var got []string
	hooks := WithHooks(Hooks{Fallback: func(e RetryEvent) {
		got = append(got, fmt.Sprintf("%s.%s step %d attempt %d: %v", e.Flow, e.Node, e.Step, e.Attempt, e.Err))
	}})
	calls := 0
	fl := testFlow("A", execStep("Broken", Policy{Attempts: 2}, true, func(context.Context) (string, error) {
		calls++
		return "", fmt.Errorf("fail %d", calls)
	}))
	s := &testStore{}
	if err := fl.Run(context.Background(), &tf{}, s, []Option{hooks}); err != nil || s.Intent != "fallback" {
		t.Fatalf("got %v, intent %q; want the fallback's result", err, s.Intent)
	}
	if want := []string{"A.Broken step 1 attempt 2: fail 2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Fallback events %q, want %q", got, want)
	}

	got = nil
	r, _ := retryLog(hooks)
	out, err := ExecBatch(context.Background(), r, Policy{Attempts: 3, Parallel: 2}, []int{1, 2},
		func(_ context.Context, i int) (int, error) { return 0, fmt.Errorf("element %d", i) },
		func(_ context.Context, i int, _ error) (int, error) { return -i, nil })
	if err != nil || !reflect.DeepEqual(out, []int{-1, -2}) || len(got) != 2 || !strings.HasSuffix(got[0], "attempt 3: element 1") && !strings.HasSuffix(got[0], "attempt 3: element 2") {
		t.Errorf("batch: %v, %v, events %q; want both elements' fallbacks after 3 attempts", out, err, got)
	}
}

// Emit reaches every Emit hook, in order, with the step that emitted;
// without such a hook, or outside a run, it does nothing.
func TestEmit(t *testing.T) {
	streaming := func(ctx context.Context, r *Run, s *testStore) (int, int, error) {
		if err := r.Begin(ctx, "E", "Talk"); err != nil {
			return 0, 0, err
		}
		for _, tok := range []string{"Hel", "lo"} {
			Emit(ctx, tok)
		}
		return -1, 0, nil
	}
	var got []string
	hook := func(name string) Hooks {
		return Hooks{Emit: func(e EmitEvent) {
			got = append(got, fmt.Sprintf("%s %s.%s %d %v", name, e.Flow, e.Node, e.Step, e.Value))
		}}
	}
	fl := testFlow("E", member("Talk", nil, streaming))
	if err := fl.Run(context.Background(), &tf{}, &testStore{}, []Option{WithHooks(hook("a")), WithHooks(hook("b"))}); err != nil {
		t.Fatal(err)
	}
	want := []string{"a E.Talk 1 Hel", "b E.Talk 1 Hel", "a E.Talk 1 lo", "b E.Talk 1 lo"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Emit events %q, want %q", got, want)
	}
	got = nil
	if err := fl.Run(context.Background(), &tf{}, &testStore{}, []Option{WithHooks(Hooks{NodeEnd: func(NodeEvent) {}})}); err != nil || got != nil {
		t.Errorf("without Emit hooks: %v, events %q", err, got)
	}
	Emit(context.Background(), "nobody listens") // must not panic

	// From the goroutines of a parallel batch, one event at a time.
	var mu sync.Mutex
	inHook, overlapped, n := false, false, 0
	batch := member("Fan", nil, func(ctx context.Context, r *Run, s *testStore) (int, int, error) {
		if err := r.Begin(ctx, "E", "Fan"); err != nil {
			return 0, 0, err
		}
		_, err := ExecBatch(ctx, r, Policy{Parallel: 4}, make([]int, 8), func(ctx context.Context, _ int) (int, error) {
			for range 50 {
				Emit(ctx, 1)
			}
			return 0, nil
		}, nil)
		return -1, 0, err
	})
	serial := WithHooks(Hooks{Emit: func(EmitEvent) {
		mu.Lock()
		overlapped = overlapped || inHook
		inHook = true
		mu.Unlock()
		n++
		mu.Lock()
		inHook = false
		mu.Unlock()
	}})
	if err := testFlow("E", batch).Run(context.Background(), &tf{}, &testStore{}, []Option{serial}); err != nil || overlapped || n != 400 {
		t.Errorf("batch: %v, overlapped %t, %d events; want 400 one at a time", err, overlapped, n)
	}

	// A panicking Emit hook fails the run with an error naming it.
	boom := WithHooks(Hooks{Emit: func(EmitEvent) { panic("boom") }})
	err := fl.Run(context.Background(), &tf{}, &testStore{}, []Option{boom})
	var he *HookError
	if !errors.As(err, &he) || he.Hook != "Emit" {
		t.Errorf("got %v, want a *HookError of Emit", err)
	}
}

type ctxKey struct{}

// Interceptors wrap each step, the first outermost; the context they pass
// on is the one the node gets.
func TestInterceptor(t *testing.T) {
	var log []string
	ic := func(name string) Interceptor {
		return func(ctx context.Context, e NodeEvent, step func(context.Context) error) error {
			log = append(log, fmt.Sprintf("%s> %s.%s %d", name, e.Flow, e.Node, e.Step))
			err := step(context.WithValue(ctx, ctxKey{}, name))
			log = append(log, "<"+name)
			return err
		}
	}
	fl := counter("C", 2)
	for i := range fl.Members {
		step := fl.Members[i].Step
		fl.Members[i].Step = func(f *tf, ctx context.Context, r *Run, s *testStore) (int, int, error) {
			log = append(log, fmt.Sprintf("node sees %v", ctx.Value(ctxKey{})))
			return step(f, ctx, r, s)
		}
	}
	if err := fl.Run(context.Background(), &tf{}, &testStore{}, []Option{WithInterceptor(ic("a")), WithInterceptor(ic("b"))}); err != nil {
		t.Fatal(err)
	}
	want := []string{"a> C.N1 1", "b> C.N1 1", "node sees b", "<b", "<a", "a> C.N2 2", "b> C.N2 2", "node sees b", "<b", "<a"}
	if !reflect.DeepEqual(log, want) {
		t.Errorf("calls %q\nwant  %q", log, want)
	}

	skip := WithInterceptor(func(context.Context, NodeEvent, func(context.Context) error) error { return nil })
	err := counter("C", 2).Run(context.Background(), &tf{}, &testStore{}, []Option{skip})
	if got, want := fmt.Sprint(err), "flow C: an interceptor returned without running step 1 (N1)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}

	panics := WithInterceptor(func(context.Context, NodeEvent, func(context.Context) error) error { panic("boom") })
	err = counter("C", 2).Run(context.Background(), &tf{}, &testStore{}, []Option{panics})
	var he *HookError
	if !errors.As(err, &he) || he.Hook != "Interceptor" {
		t.Errorf("got %v, want a *HookError of Interceptor", err)
	}
	// A panic in the node, inside an interceptor, is the node's.
	fl = counter("C", 2)
	fl.Members[0].Step = func(*tf, context.Context, *Run, *testStore) (int, int, error) { panic("in node") }
	err = fl.Run(context.Background(), &tf{}, &testStore{}, []Option{WithInterceptor(ic("a"))})
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "in node" {
		t.Errorf("got %v, want the node's *PanicError", err)
	}
}
