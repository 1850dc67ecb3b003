package runtime

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	goruntime "runtime"
	"slices"
	"strings"
	"testing"
)

// tf is the flow struct of test flows, whose members are closures.
type tf struct{}

// stepFunc is a member's step, as a generated step method is.
type stepFunc = func(ctx context.Context, r *Run, s *testStore) (next, action int, err error)

// member is a row of a test flow.
func member(name string, actions []string, step stepFunc) Member[*tf, testStore] {
	return Member[*tf, testStore]{
		Name:    name,
		Actions: actions,
		Check:   func(*tf) error { return nil },
		Step:    func(_ *tf, ctx context.Context, r *Run, s *testStore) (int, int, error) { return step(ctx, r, s) },
	}
}

// testFlow is a flow of members, starting at the first, on testStore.
func testFlow(name string, members ...Member[*tf, testStore]) *Flow[*tf, testStore] {
	return &Flow[*tf, testStore]{
		Name: name, Schema: testSchema, Members: members,
		Copy: func(s, old *testStore) {
			*old = *s
			old.History = slices.Clone(s.History)
		},
		Report: func(s *testStore, r *Run, old *testStore) {
			if s.Intent != old.Intent {
				r.Write("intent", old.Intent, s.Intent)
			}
			if s.Tries != old.Tries {
				r.Write("tries", old.Tries, s.Tries)
			}
			if !slices.Equal(s.History, old.History) {
				r.Write("history", old.History, s.History)
			}
		},
	}
}

// beginNamed begins a step of node of flow as an observed loop does: it
// names the step for the hooks, then the step's Begin counts it.
func beginNamed(ctx context.Context, r *Run, flow, node string) error {
	r.cur, r.node = flow, node
	return r.Begin(ctx, flow, node)
}

// recoverStep is drive's recover, for tests that run steps by hand. It must
// be deferred directly.
func (r *Run) recoverStep(flow, node string, errp *error) {
	if v := recover(); v != nil {
		*errp = r.panicked(flow, node, v)
	}
}

// counter is a flow of n members that each count a try and hand over to
// the next; the last ends the flow.
func counter(name string, n int) *Flow[*tf, testStore] {
	var ms []Member[*tf, testStore]
	for i := range n {
		node := fmt.Sprintf("N%d", i+1)
		ms = append(ms, member(node, []string{"go"}, func(ctx context.Context, r *Run, s *testStore) (int, int, error) {
			if err := r.Begin(ctx, name, node); err != nil {
				return 0, 0, err
			}
			r.Enter(PhasePost)
			s.Tries++
			if i+1 == n {
				return -1, 1, nil
			}
			return i + 1, 1, nil
		}))
	}
	return testFlow(name, ms...)
}

func TestFlowRunsMembersInTurn(t *testing.T) {
	for name, opts := range map[string][]Option{
		"plain":       nil,
		"hooks":       {WithHooks(Hooks{NodeEnd: func(NodeEvent) {}})},
		"checkpoints": {WithCheckpoints(Dir(t.TempDir()))},
	} {
		s := &testStore{}
		if err := counter("C", 5).Run(context.Background(), &tf{}, s, opts); err != nil || s.Tries != 5 {
			t.Errorf("%s: %v, %d tries; want 5", name, err, s.Tries)
		}
	}
}

func TestFlowCheck(t *testing.T) {
	fl := counter("C", 2)
	fl.Members[1].Check = func(*tf) error { return MissingNode("C", "N2") }
	ran := false
	fl.Members[0].Step = func(*tf, context.Context, *Run, *testStore) (int, int, error) {
		ran = true
		return -1, 0, nil
	}
	err := fl.Run(context.Background(), &tf{}, &testStore{}, nil)
	if !errors.Is(err, ErrNilNode) || ran {
		t.Errorf("got %v (a step ran: %t), want ErrNilNode before any step", err, ran)
	}
}

// A panic names the member that was running, its step and phase, in a
// plain run and in an observed one, where NodeError fires once.
func TestFlowPanic(t *testing.T) {
	boom := func(ctx context.Context, r *Run, s *testStore) (int, int, error) {
		if err := r.Begin(ctx, "P", "Boom"); err != nil {
			return 0, 0, err
		}
		r.Enter(PhaseExec)
		panic("kaboom")
	}
	var fired []string
	hooks := WithHooks(Hooks{NodeError: func(e NodeEvent) { fired = append(fired, fmt.Sprintf("%s.%s %d", e.Flow, e.Node, e.Step)) }})
	for _, opts := range [][]Option{nil, {hooks}} {
		fl := counter("P", 2)
		fl.Members[1] = member("Boom", nil, boom)
		err := fl.Run(context.Background(), &tf{}, &testStore{}, opts)
		var pe *PanicError
		if got, want := fmt.Sprint(err), "flow P: node Boom (step 2) exec: panic: kaboom"; got != want || !errors.As(err, &pe) {
			t.Errorf("got %v, want %s holding a *PanicError", err, want)
		}
	}
	if !reflect.DeepEqual(fired, []string{"P.Boom 2"}) {
		t.Errorf("NodeError fired for %v, want once for P.Boom 2", fired)
	}
}

// A subflow's steps count in its caller's run, its last step is ended by the
// caller with the member that runs next, and its checkpoints name their next
// node by the path from the top.
func TestFlowNested(t *testing.T) {
	inner := counter("Inner", 2)
	outer := testFlow("Outer",
		Member[*tf, testStore]{Name: "Sub", Subflow: true, Actions: []string{"done"}, Check: func(*tf) error { return nil },
			Step: func(f *tf, ctx context.Context, r *Run, s *testStore) (int, int, error) {
				o, err := inner.Nested(ctx, r, f, s, "Sub")
				if err != nil {
					return 0, 0, err
				}
				return 1, o, nil
			}},
		counter("Outer", 1).Members[0],
	)
	var ends []string
	dir := t.TempDir()
	hooks := WithHooks(Hooks{NodeEnd: func(e NodeEvent) { ends = append(ends, fmt.Sprintf("%s.%s %d %s", e.Flow, e.Node, e.Step, e.Action)) }})
	s := &testStore{}
	if err := outer.Run(context.Background(), &tf{}, s, []Option{hooks, WithCheckpoints(Dir(dir))}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"Inner.N1 1 go", "Inner.N2 2 done", "Outer.N1 3 go"}; !reflect.DeepEqual(ends, want) {
		t.Errorf("NodeEnd %q, want %q", ends, want)
	}
	cp, err := LatestCheckpoint(dir)
	if err != nil || cp.Step != 3 || cp.Next != "" {
		t.Fatalf("latest checkpoint %+v, %v; want step 3, finished", cp, err)
	}
	var nexts []string
	for step := 1; step <= 3; step++ {
		cp := mustCheckpoint(t, dir, cp.RunID, step)
		nexts = append(nexts, cp.Next)
	}
	if want := []string{"Sub/N2", "N1", ""}; !reflect.DeepEqual(nexts, want) {
		t.Errorf("next of steps 1-3 %q, want %q", nexts, want)
	}

	// Resumed after step 1, the run goes on inside the subflow.
	first := mustCheckpoint(t, dir, cp.RunID, 1)
	s = &testStore{}
	ends = nil
	if err := outer.Resume(context.Background(), &tf{}, s, first, []Option{hooks}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"Inner.N2 2 done", "Outer.N1 3 go"}; !reflect.DeepEqual(ends, want) || s.Tries != 3 {
		t.Errorf("resumed: NodeEnd %q, tries %d; want %q and 3", ends, s.Tries, want)
	}

	bad := *first
	for _, next := range []string{"Nope", "N1/N2", "Sub/Nope"} {
		bad.Next = next
		err := outer.Resume(context.Background(), &tf{}, &testStore{}, &bad, nil)
		if err == nil || !strings.Contains(err.Error(), "has no node") {
			t.Errorf("next %q: got %v, want a missing node", next, err)
		}
	}
}

// mustCheckpoint loads the checkpoint of step of run id under dir, where
// Dir keeps it.
func mustCheckpoint(t *testing.T, dir, id string, step int) *Checkpoint {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, id, fmt.Sprintf("step_%03d_*.json", step)))
	if err != nil || len(matches) != 1 {
		t.Fatalf("checkpoint of step %d: %v, %v", step, matches, err)
	}
	cp, err := LoadCheckpoint(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// runtime.Goexit in node code ends the goroutine running the flow, as Go
// defines, but the run's hooks see it fail and its checkpoints are saved.
func TestFlowGoexit(t *testing.T) {
	fl := counter("G", 3)
	step := fl.Members[1].Step
	fl.Members[1].Step = func(f *tf, ctx context.Context, r *Run, s *testStore) (int, int, error) {
		if _, _, err := step(f, ctx, r, s); err != nil {
			return 0, 0, err
		}
		goruntime.Goexit()
		return 0, 0, nil
	}
	var ended error
	c := &recordSaves{}
	hooks := WithHooks(Hooks{FlowEnd: func(e FlowEvent) { ended = e.Err }})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = fl.Run(context.Background(), &tf{}, &testStore{}, []Option{hooks, WithCheckpoints(c), WithDurability(DurabilityExit)})
		t.Error("Run returned after Goexit")
	}()
	<-done
	if !errors.Is(ended, errRunGoexit) {
		t.Errorf("FlowEnd saw %v, want the Goexit error", ended)
	}
	if got, want := c.saved(), []string{"1 N1->N2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("saved %q, want %q", got, want)
	}
}
