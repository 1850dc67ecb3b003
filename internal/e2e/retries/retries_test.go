package retries

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
)

func TestSuccessOnThirdOfThreeAttempts(t *testing.T) {
	calls := 0
	var retries []int
	hooks := runtime.WithHooks(runtime.Hooks{Retry: func(e runtime.RetryEvent) { retries = append(retries, e.Attempt) }})
	j := &Job{}
	if err := (&Retry{Flaky: failing{failures: 2, calls: &calls}}).Run(context.Background(), j, hooks); err != nil {
		t.Fatal(err)
	}
	if j.Result != "ok on attempt 3" || calls != 3 || !slices.Equal(retries, []int{1, 2}) {
		t.Errorf("result %q after %d calls, retries %v; want success on the 3rd of 3 with retries [1 2]", j.Result, calls, retries)
	}
}

func TestFailureAfterExactlyNAttempts(t *testing.T) {
	calls := 0
	err := (&Fail{Broken: failing{failures: 100, calls: &calls}}).Run(context.Background(), &Job{})
	var ne *runtime.NodeError
	if !errors.As(err, &ne) || ne.Node != "Broken" || ne.Flow != "Fail" || ne.Phase != runtime.PhaseExec {
		t.Fatalf("err = %v, want a *NodeError for Broken's exec", err)
	}
	if calls != 4 || ne.Err.Error() != "attempt 4 failed" {
		t.Errorf("%d calls, last error %q; want exactly 4 and the 4th attempt's error", calls, ne.Err)
	}
}

func TestFallbackAfterTwoFailedAttempts(t *testing.T) {
	calls := 0
	j := &Job{}
	if err := (&Fallback{Rescued: rescued{failing{failures: 100, calls: &calls}}}).Run(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	if j.Result != "fallback after: attempt 2 failed" || calls != 2 {
		t.Errorf("result %q after %d calls; want the fallback after 2", j.Result, calls)
	}
}

func TestChunkSums(t *testing.T) {
	seq := func(n int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = i
		}
		return s
	}
	for _, tc := range []struct {
		numbers []int
		sums    []int
		total   int
	}{
		{seq(25), []int{45, 145, 110}, 300},
		{seq(100), []int{45, 145, 245, 345, 445, 545, 645, 745, 845, 945}, 4950},
		{[]int{10}, []int{10}, 10},
		{nil, []int{}, 0},
	} {
		j := &Job{Numbers: tc.numbers}
		if err := (&Sum{Chunks: chunks{}}).Run(context.Background(), j); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(j.Sums, tc.sums) || j.Total != tc.total {
			t.Errorf("%d numbers: sums %v total %d; want %v and %d", len(tc.numbers), j.Sums, j.Total, tc.sums, tc.total)
		}
	}
}

// TestParallelBatch runs 40 items of 50ms at parallel 10. Run one at a time
// they would take 2s; the assertion is on what proves they overlapped (the
// peak in flight) and on order, not on a wall-clock time.
func TestParallelBatch(t *testing.T) {
	items := make([]int, 40)
	for i := range items {
		items[i] = i
	}
	node := &slow{}
	j := &Job{Items: items}
	start := time.Now()
	if err := (&Parallel{Slow: node}).Run(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	t.Logf("40 items of 50ms at parallel 10 took %v", time.Since(start))
	for i, v := range j.Outputs {
		if v != i*i {
			t.Fatalf("output %d is %d, want %d: results out of input order", i, v, i*i)
		}
	}
	if len(j.Outputs) != 40 || node.peak > 10 || node.peak < 2 {
		t.Errorf("%d outputs, peak %d in flight; want 40 and a peak of 2 to 10", len(j.Outputs), node.peak)
	}
}

// WithPolicy changes a generated node's policy for one run: Broken, declared
// with 4 attempts, is tried twice, and the override is told its name.
func TestWithPolicyOverridesTheDeclaredPolicy(t *testing.T) {
	calls := 0
	var named []string
	policy := runtime.WithPolicy(func(node string, p runtime.Policy) runtime.Policy {
		named = append(named, node)
		p.Attempts = 2
		return p
	})
	err := (&Fail{Broken: failing{failures: 100, calls: &calls}}).Run(context.Background(), &Job{}, policy)
	if err == nil || calls != 2 || !slices.Equal(named, []string{"Broken"}) {
		t.Errorf("err %v after %d calls, override called for %v; want a failure after 2 calls, for [Broken]", err, calls, named)
	}
}
