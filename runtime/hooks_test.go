package runtime

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// recorder returns hooks that append every event, prefixed with name, to log.
func recorder(name string, log *[]string, ids *[]string) Hooks {
	add := func(format string, args ...any) {
		*log = append(*log, name+": "+fmt.Sprintf(format, args...))
	}
	return Hooks{
		FlowStart: func(e FlowEvent) {
			*ids = append(*ids, e.RunID)
			add("FlowStart %s steps=%d err=%v", e.Flow, e.Steps, e.Err)
		},
		NodeStart: func(e NodeEvent) { add("NodeStart %s.%s step=%d", e.Flow, e.Node, e.Step) },
		NodeEnd: func(e NodeEvent) {
			add("NodeEnd %s.%s step=%d action=%q err=%v neg=%t", e.Flow, e.Node, e.Step, e.Action, e.Err, e.Elapsed < 0)
		},
		NodeError: func(e NodeEvent) {
			add("NodeError %s.%s step=%d action=%q err=%v neg=%t", e.Flow, e.Node, e.Step, e.Action, e.Err, e.Elapsed < 0)
		},
		Retry: func(e RetryEvent) {
			add("Retry %s.%s step=%d attempt=%d err=%v wait=%v", e.Flow, e.Node, e.Step, e.Attempt, e.Err, e.Wait)
		},
		StoreWrite: func(e WriteEvent) {
			add("StoreWrite %s.%s step=%d field=%s old=%v new=%v", e.Flow, e.Node, e.Step, e.Field, e.Old, e.New)
		},
		FlowEnd: func(e FlowEvent) {
			*ids = append(*ids, e.RunID)
			add("FlowEnd %s steps=%d err=%v neg=%t", e.Flow, e.Steps, e.Err, e.Elapsed < 0)
		},
	}
}

// twoSteps runs a two-node flow: A retries once, writes the store field
// intent and routes "next"; B is terminal and fails in prep.
func twoSteps(opts ...Option) error {
	calls := 0
	fl := testFlow("Flow",
		member("A", []string{"next"}, func(ctx context.Context, r *Run, s *testStore) (int, int, error) {
			if err := r.Begin(ctx, "Flow", "A"); err != nil {
				return 0, 0, err
			}
			if _, err := Exec(ctx, r, Policy{Attempts: 2}, func(context.Context) (int, error) {
				if calls++; calls == 1 {
					return 0, errors.New("flaky")
				}
				return 1, nil
			}); err != nil {
				return 0, 0, r.Fail("Flow", "A", err)
			}
			r.Enter(PhasePost)
			s.Intent = "faq"
			return 1, 1, nil
		}),
		member("B", nil, func(ctx context.Context, r *Run, s *testStore) (int, int, error) {
			if err := r.Begin(ctx, "Flow", "B"); err != nil {
				return 0, 0, err
			}
			return 0, 0, r.Fail("Flow", "B", errors.New("no input"))
		}),
	)
	return fl.Run(context.Background(), &tf{}, &testStore{Intent: "unknown"}, opts)
}

func TestHooksFireInOrder(t *testing.T) {
	var log, ids []string
	err := twoSteps(WithHooks(recorder("a", &log, &ids)), WithMaxSteps(5), WithHooks(recorder("b", &log, &ids)))
	const nodeErr = "flow Flow: node B (step 2) prep: no input"
	if err == nil || err.Error() != nodeErr {
		t.Fatalf("got %v, want %s", err, nodeErr)
	}
	var want []string
	for _, ev := range []string{
		"FlowStart Flow steps=0 err=<nil>",
		"NodeStart Flow.A step=1",
		"Retry Flow.A step=1 attempt=1 err=flaky wait=0s",
		"StoreWrite Flow.A step=1 field=intent old=unknown new=faq",
		`NodeEnd Flow.A step=1 action="next" err=<nil> neg=false`,
		"NodeStart Flow.B step=2",
		`NodeError Flow.B step=2 action="" err=` + nodeErr + " neg=false",
		"FlowEnd Flow steps=2 err=" + nodeErr + " neg=false",
	} {
		want = append(want, "a: "+ev, "b: "+ev)
	}
	if !reflect.DeepEqual(log, want) {
		t.Errorf("events:\n%s\nwant:\n%s", fmt.Sprint(log), fmt.Sprint(want))
	}
	if len(ids) != 4 || ids[0] == "" || ids[1] != ids[0] || ids[2] != ids[0] || ids[3] != ids[0] {
		t.Errorf("run ids %q: want one id throughout", ids)
	}
}

func TestHooksPartial(t *testing.T) {
	// Unset fields are skipped; a set that sets one field still fires it.
	ends := 0
	err := twoSteps(WithHooks(Hooks{FlowEnd: func(FlowEvent) { ends++ }}))
	if err == nil || ends != 1 {
		t.Errorf("err %v, %d FlowEnd events; want an error and 1", err, ends)
	}
}

func TestFinishReturnsErrUnchanged(t *testing.T) {
	want := errors.New("x")
	for _, opts := range [][]Option{nil, {WithHooks(Hooks{FlowEnd: func(FlowEvent) {}})}} {
		r := start(context.Background(), "F", testSchema, 0, nil, opts)
		if got := r.finish(want); got != want {
			t.Errorf("Finish returned %v", got)
		}
		if got := r.finish(nil); got != nil {
			t.Errorf("Finish(nil) returned %v", got)
		}
	}
}

func TestStoreWrite(t *testing.T) {
	var got []WriteEvent
	r := start(context.Background(), "F", testSchema, 0, nil, []Option{
		WithHooks(Hooks{NodeEnd: func(NodeEvent) {}}),
		WithHooks(Hooks{StoreWrite: func(e WriteEvent) { got = append(got, e) }}),
	})
	if !r.writes {
		t.Fatal("WatchesWrites is false with a StoreWrite hook")
	}
	for _, node := range []string{"A", "B"} {
		if err := beginNamed(context.Background(), r, "F", node); err != nil {
			t.Fatal(err)
		}
	}
	r.Enter(PhasePost)
	r.Write("intent", "unknown", "faq")
	r.Write("urls", []string(nil), []string{"u"})
	want := []WriteEvent{
		{Flow: "F", RunID: r.id, Node: "B", Step: 2, Field: "intent", Old: "unknown", New: "faq"},
		{Flow: "F", RunID: r.id, Node: "B", Step: 2, Field: "urls", Old: []string(nil), New: []string{"u"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events %+v, want %+v", got, want)
	}
}

func TestWatchesWritesFalse(t *testing.T) {
	every := recorder("x", new([]string), new([]string))
	every.StoreWrite = nil
	for name, opts := range map[string][]Option{
		"no hooks":       nil,
		"empty hooks":    {WithHooks(Hooks{})},
		"other hooks":    {WithHooks(every)},
		"checkpoints":    {WithCheckpoints(Dir(t.TempDir()))},
		"nil StoreWrite": {WithHooks(Hooks{StoreWrite: nil, FlowEnd: func(FlowEvent) {}})},
	} {
		r := start(context.Background(), "F", testSchema, 0, nil, opts)
		if r.writes {
			t.Errorf("%s: WatchesWrites is true", name)
		}
		r.Write("intent", 1, 2) // fires nothing, and must not fail
	}
}

// Node, retry and write events carry the run's ID, the one FlowStart gave,
// so that the events of concurrent runs can be told apart.
func TestEventsCarryRunID(t *testing.T) {
	ids := map[string]int{}
	var starts []string
	hooks := Hooks{
		FlowStart: func(e FlowEvent) { starts = append(starts, e.RunID) },
		NodeStart: func(e NodeEvent) { ids[e.RunID]++ },
		NodeEnd:   func(e NodeEvent) { ids[e.RunID]++ },
	}
	for range 2 {
		r := start(context.Background(), "F", testSchema, 0, nil, []Option{WithHooks(hooks)})
		steps(t, r, "F", &testStore{}, "A", "B")
		if err := r.finish(nil); err != nil {
			t.Fatal(err)
		}
	}
	if len(starts) != 2 || starts[0] == starts[1] || ids[starts[0]] != 4 || ids[starts[1]] != 4 || len(ids) != 2 {
		t.Errorf("FlowStart ids %v, node events by id %v; want 4 events under each run's own id", starts, ids)
	}
}

// A FlowStart or FlowEnd hook that panics does not keep the other sets'
// from firing: each observer keeps state of the run from them.
func TestFlowHooksAllFire(t *testing.T) {
	var fired []string
	boom := Hooks{FlowStart: func(FlowEvent) { panic("start") }, FlowEnd: func(FlowEvent) { panic("end") }}
	seen := Hooks{
		FlowStart: func(FlowEvent) { fired = append(fired, "start") },
		FlowEnd:   func(FlowEvent) { fired = append(fired, "end") },
	}
	err := counter("C", 1).Run(context.Background(), &tf{}, &testStore{}, []Option{WithHooks(boom), WithHooks(seen)})
	if got, want := fmt.Sprint(err), "hook FlowEnd panicked: end (reporting: hook FlowStart panicked: start)"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if !reflect.DeepEqual(fired, []string{"start", "end"}) {
		t.Errorf("the other set's hooks fired %q, want start and end", fired)
	}
}
