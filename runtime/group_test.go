package runtime

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	goruntime "runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// mergeTestStore is the merge generated code would write for testStore:
// history merge append, tries merge sum, the rest without a rule.
func mergeTestStore(s *testStore, j *Join[testStore]) error {
	out := *s
	if err := MergeValue(j, "query", &out.Query, func(s *testStore) *string { return &s.Query }, Equal); err != nil {
		return err
	}
	if err := MergeValue(j, "intent", &out.Intent, func(s *testStore) *string { return &s.Intent }, Equal); err != nil {
		return err
	}
	if err := MergeAppend(j, "history", &out.History, func(s *testStore) *[]string { return &s.History }, slices.Equal); err != nil {
		return err
	}
	if err := MergeSum(j, "tries", &out.Tries, func(s *testStore) *int { return &s.Tries }); err != nil {
		return err
	}
	*s = out
	return nil
}

// worker is a terminal member of flow G that runs work in its Post.
func worker(name string, work func(ctx context.Context, s *testStore) error) Member[*tf, testStore] {
	return member(name, nil, func(ctx context.Context, r *Run, s *testStore) (int, int, error) {
		if err := r.Begin(ctx, "G", name); err != nil {
			return 0, 0, err
		}
		r.Enter(PhasePost)
		if err := work(ctx, s); err != nil {
			return 0, 0, r.Fail("G", name, err)
		}
		return -1, 0, nil
	})
}

// appender appends its name to history and counts a try.
func appender(name string) Member[*tf, testStore] {
	return worker(name, func(_ context.Context, s *testStore) error {
		s.History = append(s.History, name)
		s.Tries++
		return nil
	})
}

// groupFlow is flow G: First, then a group of members, then Last, which
// appends "last".
func groupFlow(members ...Member[*tf, testStore]) *Flow[*tf, testStore] {
	rows := []Member[*tf, testStore]{member("First", []string{"go"}, func(ctx context.Context, r *Run, s *testStore) (int, int, error) {
		if err := r.Begin(ctx, "G", "First"); err != nil {
			return 0, 0, err
		}
		s.History = append(s.History, "first")
		return len(members) + 2, 1, nil
	})}
	rows = append(rows, members...)
	rows = append(rows, appender("Last"))
	var names []string
	var group []int
	for i, m := range members {
		names = append(names, m.Name)
		group = append(group, i+1)
	}
	rows = append(rows, Member[*tf, testStore]{Name: strings.Join(names, "+"), Group: group, Next: len(members) + 1})
	fl := testFlow("G", rows...)
	fl.Merge = mergeTestStore
	return fl
}

// Members run at once, each on its own copy of the store: every member
// waits until all have started, and none sees another's append.
func TestGroupRunsMembersAtOnce(t *testing.T) {
	const n = 8
	var started sync.WaitGroup
	started.Add(n)
	var members []Member[*tf, testStore]
	for i := range n {
		name := fmt.Sprintf("M%d", i)
		members = append(members, worker(name, func(ctx context.Context, s *testStore) error {
			started.Done()
			started.Wait() // only returns when all n run at once
			if len(s.History) != 1 {
				return fmt.Errorf("sees %q", s.History)
			}
			s.History = append(s.History, name)
			s.Tries++
			return nil
		}))
	}
	for name, opts := range map[string][]Option{
		"plain": nil,
		"hooks": {WithHooks(Hooks{NodeEnd: func(NodeEvent) {}})},
	} {
		started = sync.WaitGroup{}
		started.Add(n)
		s := &testStore{}
		if err := groupFlow(members...).Run(context.Background(), &tf{}, s, opts); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := []string{"first", "M0", "M1", "M2", "M3", "M4", "M5", "M6", "M7", "Last"}
		if !reflect.DeepEqual(s.History, want) || s.Tries != n+1 {
			t.Errorf("%s: history %q, tries %d; want %q, %d", name, s.History, s.Tries, want, n+1)
		}
	}
}

// The first member to fail cancels the others, and the run fails with its
// error; the store is left as it was when the group began.
func TestGroupFirstFailureCancels(t *testing.T) {
	boom := errors.New("boom")
	var canceled atomic.Bool
	slow := make(chan struct{})
	fl := groupFlow(
		worker("Slow", func(ctx context.Context, s *testStore) error {
			s.Tries = 99
			close(slow)
			<-ctx.Done()
			canceled.Store(true)
			return ctx.Err()
		}),
		worker("Bad", func(context.Context, *testStore) error { <-slow; return boom }),
	)
	var errs []string
	hooks := WithHooks(Hooks{NodeError: func(e NodeEvent) { errs = append(errs, e.Node) }})
	s := &testStore{}
	err := fl.Run(context.Background(), &tf{}, s, []Option{hooks})
	var ne *NodeError
	if !errors.Is(err, boom) || !errors.As(err, &ne) || ne.Node != "Bad" || !canceled.Load() {
		t.Fatalf("got %v (Slow canceled: %t), want Bad's error", err, canceled.Load())
	}
	if got, want := err.Error(), "flow G: node Bad (step 3) post: boom"; got != want && err.Error() != "flow G: node Bad (step 2) post: boom" {
		t.Errorf("error %q, want %q (or step 2)", got, want)
	}
	if s.Tries != 0 || !reflect.DeepEqual(s.History, []string{"first"}) {
		t.Errorf("store %+v after the failed group, want it as the group began", s)
	}
	// NodeError fired for Bad once; Slow's cancellation is its own.
	sort.Strings(errs)
	if !reflect.DeepEqual(errs, []string{"Bad", "Slow"}) {
		t.Errorf("NodeError for %q, want Bad and Slow once each", errs)
	}
}

// A panic in a member is that member's error, as in any step; so is
// runtime.Goexit, which ends only the member's goroutine.
func TestGroupPanicAndGoexit(t *testing.T) {
	for name, work := range map[string]func(context.Context, *testStore) error{
		"panic":  func(context.Context, *testStore) error { panic("kaboom") },
		"goexit": func(context.Context, *testStore) error { goruntime.Goexit(); return nil },
	} {
		fl := groupFlow(appender("A"), worker("B", work))
		err := fl.Run(context.Background(), &tf{}, &testStore{}, nil)
		var ne *NodeError
		if !errors.As(err, &ne) || ne.Node != "B" {
			t.Errorf("%s: got %v, want B's *NodeError", name, err)
			continue
		}
		var pe *PanicError
		if name == "panic" && (!errors.As(err, &pe) || pe.Value != "kaboom") {
			t.Errorf("panic: got %v, want a *PanicError", err)
		}
		if name == "goexit" && !errors.Is(err, errMemberGoexit) {
			t.Errorf("goexit: got %v, want the Goexit error", err)
		}
	}
}

// Members' steps are steps of the run: numbered by it, limited by
// max_steps; the group is no step of its own.
func TestGroupSteps(t *testing.T) {
	fl := groupFlow(appender("A"), appender("B"), appender("C"))
	var mu sync.Mutex
	var steps []int
	var ends []string
	hooks := WithHooks(Hooks{
		NodeStart: func(e NodeEvent) { mu.Lock(); steps = append(steps, e.Step); mu.Unlock() },
		NodeEnd:   func(e NodeEvent) { ends = append(ends, e.Node) },
		FlowEnd:   func(e FlowEvent) { steps = append(steps, -e.Steps) },
	})
	if err := fl.Run(context.Background(), &tf{}, &testStore{}, []Option{hooks}); err != nil {
		t.Fatal(err)
	}
	sort.Ints(steps[1:4])
	if want := []int{1, 2, 3, 4, 5, -5}; !reflect.DeepEqual(steps, want) {
		t.Errorf("NodeStart steps %v, want %v", steps, want)
	}
	if len(ends) != 5 || ends[0] != "First" || ends[4] != "Last" {
		t.Errorf("NodeEnd %q, want First, the three members, Last", ends)
	}

	for limit, want := range map[int]string{3: "flow G: step 4 exceeds max_steps 3", 4: "flow G: step 5 exceeds max_steps 4"} {
		err := groupFlow(appender("A"), appender("B"), appender("C")).Run(context.Background(), &tf{}, &testStore{}, []Option{WithMaxSteps(limit)})
		if !errors.Is(err, ErrMaxSteps) || err.Error() != want {
			t.Errorf("max_steps %d: got %v, want %s", limit, err, want)
		}
	}
}

// Cancelling the run's context stops every member.
func TestGroupCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var waiting sync.WaitGroup
	waiting.Add(2)
	block := func(ctx context.Context, s *testStore) error {
		waiting.Done()
		<-ctx.Done()
		return ctx.Err()
	}
	go func() { waiting.Wait(); cancel() }()
	err := groupFlow(worker("A", block), worker("B", block)).Run(ctx, &tf{}, &testStore{}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

// Hooks from members arrive one at a time, each naming its member; Emit
// too. StoreWrite reports the merged changes once, for the group.
func TestGroupHooksSerialized(t *testing.T) {
	var inside, overlap atomic.Int32
	enter := func() {
		if inside.Add(1) > 1 {
			overlap.Add(1)
		}
		time.Sleep(time.Millisecond)
		inside.Add(-1)
	}
	var mu sync.Mutex // the test's own: the hooks must not need it
	var emitted []string
	var writes []string
	hooks := WithHooks(Hooks{
		NodeStart: func(NodeEvent) { enter() },
		NodeEnd:   func(NodeEvent) { enter() },
		Emit: func(e EmitEvent) {
			enter()
			mu.Lock()
			emitted = append(emitted, e.Node+":"+e.Value.(string))
			mu.Unlock()
		},
		StoreWrite: func(e WriteEvent) { writes = append(writes, fmt.Sprintf("%s %s %v", e.Node, e.Field, e.New)) },
	})
	var members []Member[*tf, testStore]
	for _, name := range []string{"A", "B", "C", "D"} {
		members = append(members, worker(name, func(ctx context.Context, s *testStore) error {
			for i := range 3 {
				Emit(ctx, fmt.Sprint(i))
			}
			s.History = append(s.History, name)
			return nil
		}))
	}
	if err := groupFlow(members...).Run(context.Background(), &tf{}, &testStore{}, []Option{hooks}); err != nil {
		t.Fatal(err)
	}
	if overlap.Load() != 0 {
		t.Errorf("%d hook calls overlapped", overlap.Load())
	}
	sort.Strings(emitted)
	if len(emitted) != 12 || emitted[0] != "A:0" || emitted[11] != "D:2" {
		t.Errorf("emitted %q, want 0-2 from each of A-D", emitted)
	}
	want := []string{
		"First history [first]",
		"A+B+C+D history [first A B C D]",
		"Last tries 1",
		"Last history [first A B C D Last]",
	}
	if !reflect.DeepEqual(writes, want) {
		t.Errorf("StoreWrite %q, want %q", writes, want)
	}
}

// A conflict fails the run with a *MergeError inside the group's
// *NodeError, the store as it was when the group began.
func TestGroupMergeConflict(t *testing.T) {
	set := func(intent string) func(context.Context, *testStore) error {
		return func(_ context.Context, s *testStore) error { s.Intent = intent; s.Tries++; return nil }
	}
	s := &testStore{}
	err := groupFlow(worker("A", set("x")), appender("B"), worker("C", set("y"))).Run(context.Background(), &tf{}, s, nil)
	var me *MergeError
	if !errors.As(err, &me) || me.Field != "intent" || !reflect.DeepEqual(me.Members, []string{"A", "C"}) {
		t.Fatalf("got %v, want a MergeError on intent by A and C", err)
	}
	if got, want := err.Error(), "flow G: group A+B+C (step 4) merge: field intent changed by A and C: give it a merge rule in the store, or let one member write it"; got != want {
		t.Errorf("error\n%s\nwant\n%s", got, want)
	}
	if s.Tries != 0 || s.Intent != "" || !reflect.DeepEqual(s.History, []string{"first"}) {
		t.Errorf("store %+v, want it as the group began", s)
	}
}

// A checkpoint is saved when the group completes, naming the group; a
// run resumed from the checkpoint before it runs every member again.
func TestGroupCheckpoints(t *testing.T) {
	dir := t.TempDir()
	s := &testStore{}
	if err := groupFlow(appender("A"), appender("B")).Run(context.Background(), &tf{}, s, []Option{WithCheckpoints(Dir(dir))}); err != nil {
		t.Fatal(err)
	}
	cp, err := LatestCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for step := 1; step <= 4; step++ {
		if step == 2 {
			continue // A's or B's step: members save none
		}
		c := mustCheckpoint(t, dir, cp.RunID, step)
		got = append(got, fmt.Sprintf("%d %s->%s", c.Step, c.Node, c.Next))
	}
	if want := []string{"1 First->A+B", "3 A+B->Last", "4 Last->"}; !reflect.DeepEqual(got, want) {
		t.Errorf("checkpoints %q, want %q", got, want)
	}
	first := mustCheckpoint(t, dir, cp.RunID, 1)
	s = &testStore{}
	if err := groupFlow(appender("A"), appender("B")).Resume(context.Background(), &tf{}, s, first, nil); err != nil {
		t.Fatal(err)
	}
	if want := []string{"first", "A", "B", "Last"}; !reflect.DeepEqual(s.History, want) || s.Tries != 3 {
		t.Errorf("resumed: %+v, want history %q and 3 tries", s, want)
	}
}

// A group inside a subflow that is a member of a group: every step is the
// run's, numbered once, and max_steps counts them all.
func TestNestedGroups(t *testing.T) {
	inner := groupFlow(appender("A"), appender("B")) // First, [A, B], Last: 4 steps
	outer := func() *Flow[*tf, testStore] {
		fl := testFlow("O",
			member("Start", []string{"go"}, func(ctx context.Context, r *Run, s *testStore) (int, int, error) {
				if err := r.Begin(ctx, "O", "Start"); err != nil {
					return 0, 0, err
				}
				s.History = append(s.History, "start")
				return 4, 1, nil
			}),
			Member[*tf, testStore]{Name: "Sub", Subflow: true, Check: func(*tf) error { return nil },
				Step: func(f *tf, ctx context.Context, r *Run, s *testStore) (int, int, error) {
					o, err := inner.Nested(ctx, r, f, s, "Sub")
					return -1, o, err
				}},
			appender("X"),
			appender("End"),
			Member[*tf, testStore]{Name: "Sub+X", Group: []int{1, 2}, Next: 3},
		)
		fl.Merge = mergeTestStore
		return fl
	}
	var mu sync.Mutex
	var steps []int
	total := 0
	hooks := WithHooks(Hooks{
		NodeStart: func(e NodeEvent) { mu.Lock(); steps = append(steps, e.Step); mu.Unlock() },
		FlowEnd:   func(e FlowEvent) { total = e.Steps },
	})
	s := &testStore{}
	if err := outer().Run(context.Background(), &tf{}, s, []Option{hooks}); err != nil {
		t.Fatal(err)
	}
	sort.Ints(steps)
	if want := []int{1, 2, 3, 4, 5, 6, 7}; !reflect.DeepEqual(steps, want) || total != 7 {
		t.Errorf("steps %v, %d in all; want %v", steps, total, want)
	}
	if want := []string{"start", "first", "A", "B", "Last", "X", "End"}; !reflect.DeepEqual(s.History, want) || s.Tries != 5 {
		t.Errorf("store %+v, want history %q and 5 tries", s, want)
	}
	err := outer().Run(context.Background(), &tf{}, &testStore{}, []Option{WithMaxSteps(6)})
	// The seventh step is X's, inner's Last or End, as the members race.
	if !errors.Is(err, ErrMaxSteps) || !strings.HasSuffix(err.Error(), ": step 7 exceeds max_steps 6") {
		t.Errorf("max_steps 6: got %v", err)
	}
}

// A hook that panics in a member fails the run with a *HookError, as
// anywhere; interceptors wrap each member's step (Step 0: a member's step
// is numbered as it begins).
func TestGroupHookPanicAndInterceptor(t *testing.T) {
	hooks := WithHooks(Hooks{NodeEnd: func(e NodeEvent) {
		if e.Node == "B" {
			panic("hook broke")
		}
	}})
	err := groupFlow(appender("A"), appender("B")).Run(context.Background(), &tf{}, &testStore{}, []Option{hooks})
	var he *HookError
	if !errors.As(err, &he) || he.Hook != "NodeEnd" || he.Value != "hook broke" {
		t.Errorf("got %v, want the NodeEnd hook's *HookError", err)
	}

	var mu sync.Mutex
	var seen []string
	ic := WithInterceptor(func(ctx context.Context, e NodeEvent, step func(context.Context) error) error {
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s %d", e.Node, e.Step))
		mu.Unlock()
		return step(ctx)
	})
	if err := groupFlow(appender("A"), appender("B")).Run(context.Background(), &tf{}, &testStore{}, []Option{ic}); err != nil {
		t.Fatal(err)
	}
	sort.Strings(seen)
	if want := []string{"A 0", "B 0", "First 1", "Last 4"}; !reflect.DeepEqual(seen, want) {
		t.Errorf("intercepted %q, want %q", seen, want)
	}
}

// A merge conflict in a group inside a member's subflow names the step
// the run had reached, as the root run counts it.
func TestNestedGroupConflictStep(t *testing.T) {
	set := func(intent string) func(context.Context, *testStore) error {
		return func(_ context.Context, s *testStore) error { s.Intent = intent; return nil }
	}
	inner := groupFlow(worker("A", set("x")), worker("B", set("y"))) // First, then [A, B] conflicts
	outer := testFlow("O",
		member("Start", []string{"go"}, func(ctx context.Context, r *Run, s *testStore) (int, int, error) {
			if err := r.Begin(ctx, "O", "Start"); err != nil {
				return 0, 0, err
			}
			return 3, 1, nil
		}),
		Member[*tf, testStore]{Name: "Sub", Subflow: true, Check: func(*tf) error { return nil },
			Step: func(f *tf, ctx context.Context, r *Run, s *testStore) (int, int, error) {
				o, err := inner.Nested(ctx, r, f, s, "Sub")
				return -1, o, err
			}},
		appender("X"),
		Member[*tf, testStore]{Name: "Sub+X", Group: []int{1, 2}, Next: -1},
	)
	outer.Merge = mergeTestStore
	err := outer.Run(context.Background(), &tf{}, &testStore{}, nil)
	var ne *NodeError
	if !errors.As(err, &ne) || ne.Phase != PhaseMerge || ne.Node != "A+B" || ne.Step < 4 {
		t.Errorf("got %v, want A+B's merge conflict at step 4 or 5 (Start, First, A, B, maybe X)", err)
	}
}
