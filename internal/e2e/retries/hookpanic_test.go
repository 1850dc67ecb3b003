package retries

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/digital-duck/picoflow-go/runtime"
)

// A hook that panics fails the run with a *runtime.HookError naming it, and
// never escapes Run, whichever hook it is.
func TestHookPanicFailsTheRun(t *testing.T) {
	boom := func() { panic("boom") }
	cases := []struct {
		hook  string
		hooks runtime.Hooks
		run   func(runtime.Option) error
	}{
		{"FlowStart", runtime.Hooks{FlowStart: func(runtime.FlowEvent) { boom() }}, retry},
		{"NodeStart", runtime.Hooks{NodeStart: func(runtime.NodeEvent) { boom() }}, retry},
		{"NodeEnd", runtime.Hooks{NodeEnd: func(runtime.NodeEvent) { boom() }}, retry},
		{"Retry", runtime.Hooks{Retry: func(runtime.RetryEvent) { boom() }}, retry},
		{"StoreWrite", runtime.Hooks{StoreWrite: func(runtime.WriteEvent) { boom() }}, retry},
		{"FlowEnd", runtime.Hooks{FlowEnd: func(runtime.FlowEvent) { boom() }}, retry},
		{"NodeError", runtime.Hooks{NodeError: func(runtime.NodeEvent) { boom() }}, broken},
	}
	for _, tc := range cases {
		t.Run(tc.hook, func(t *testing.T) {
			var err error
			func() {
				defer func() {
					if v := recover(); v != nil {
						t.Fatalf("the panic of hook %s escaped Run: %v", tc.hook, v)
					}
				}()
				err = tc.run(runtime.WithHooks(tc.hooks))
			}()
			var he *runtime.HookError
			if !errors.As(err, &he) || he.Hook != tc.hook || he.Value != "boom" || len(he.Stack) == 0 {
				t.Fatalf("err = %v, want a *runtime.HookError of %s", err, tc.hook)
			}
			if !strings.Contains(err.Error(), "hook "+tc.hook+" panicked: boom") {
				t.Errorf("err = %q", err)
			}
			var ne *runtime.NodeError
			if tc.hook == "NodeError" && (!errors.As(err, &ne) || ne.Node != "Broken") {
				t.Errorf("err = %v, want it to hold the NodeError it reported", err)
			}
		})
	}
}

// retry runs flow Retry, whose Flaky fails twice, then writes its result.
func retry(o runtime.Option) error {
	calls := 0
	return (&Retry{Flaky: failing{failures: 2, calls: &calls}}).Run(context.Background(), &Job{}, o)
}

// broken runs flow Fail, whose Broken fails every attempt.
func broken(o runtime.Option) error {
	calls := 0
	return (&Fail{Broken: failing{failures: 100, calls: &calls}}).Run(context.Background(), &Job{}, o)
}
