package runtime

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func begun(t *testing.T) *Run {
	t.Helper()
	r := start(context.Background(), "F", testSchema, 0, nil, nil)
	if err := r.Begin(context.Background(), "F", "Batch"); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestExecBatchOrder(t *testing.T) {
	items := make([]int, 50)
	want := make([]string, 50)
	for i := range items {
		items[i] = i
		want[i] = fmt.Sprint(i * i)
	}
	for _, par := range []int{0, 1, 4, 100} {
		got, err := ExecBatch(context.Background(), begun(t), Policy{Parallel: par}, items, func(_ context.Context, i int) (string, error) {
			// Later elements finish first, so order must come from the index.
			time.Sleep(time.Duration(50-i) * time.Microsecond)
			return fmt.Sprint(i * i), nil
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Parallel %d: results out of order: %v", par, got)
		}
	}
}

func TestExecBatchEmpty(t *testing.T) {
	for _, items := range [][]int{nil, {}} {
		for _, par := range []int{1, 4} {
			got, err := ExecBatch(context.Background(), begun(t), Policy{Parallel: par}, items, func(context.Context, int) (int, error) {
				return 0, errors.New("called")
			}, nil)
			if err != nil || got == nil || len(got) != 0 {
				t.Errorf("items %#v, Parallel %d: got %#v, %v; want an empty non-nil slice", items, par, got, err)
			}
		}
	}
}

// peak runs a batch of n elements and returns the most that ran at once.
// With want > 1 every element waits until want of them ran together, so the
// test proves the limit is reached as well as kept.
func peak(t *testing.T, par, n, want int) int {
	var cur, top atomic.Int32
	full := make(chan struct{})
	var once sync.Once
	items := make([]int, n)
	_, err := ExecBatch(context.Background(), begun(t), Policy{Parallel: par}, items, func(ctx context.Context, _ int) (int, error) {
		c := cur.Add(1)
		defer cur.Add(-1)
		for {
			old := top.Load()
			if c <= old || top.CompareAndSwap(old, c) {
				break
			}
		}
		if c == int32(want) {
			once.Do(func() { close(full) })
		}
		<-full
		return 0, nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return int(top.Load())
}

func TestExecBatchParallelLimit(t *testing.T) {
	if got := peak(t, 3, 30, 3); got != 3 {
		t.Errorf("Parallel 3: peak concurrency %d, want 3", got)
	}
	if got := peak(t, 1, 10, 1); got != 1 {
		t.Errorf("Parallel 1: peak concurrency %d, want 1", got)
	}
}

func TestExecBatchFirstFailureCancelsOthers(t *testing.T) {
	boom := errors.New("boom")
	var calls, canceled atomic.Int32
	others := make(chan struct{}, 3)
	items := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	got, err := ExecBatch(context.Background(), begun(t), Policy{Parallel: 4}, items, func(ctx context.Context, i int) (int, error) {
		calls.Add(1)
		if i == 0 {
			// Fail only once the three others are running.
			for range 3 {
				<-others
			}
			return 0, boom
		}
		others <- struct{}{}
		<-ctx.Done()
		canceled.Add(1)
		return 0, ctx.Err()
	}, nil)
	if err != boom {
		t.Errorf("got %v, want the first failure's error", err)
	}
	if got != nil {
		t.Errorf("got results %v on failure, want nil", got)
	}
	if calls.Load() != 4 || canceled.Load() != 3 {
		t.Errorf("%d calls, %d canceled; want 4 and 3 (no element starts after the failure)", calls.Load(), canceled.Load())
	}
}

func TestExecBatchSequentialStopsAtFailure(t *testing.T) {
	var seen []int
	_, err := ExecBatch(context.Background(), begun(t), Policy{}, []int{0, 1, 2}, func(_ context.Context, i int) (int, error) {
		seen = append(seen, i)
		if i == 1 {
			return 0, errors.New("bad 1")
		}
		return i, nil
	}, nil)
	if err == nil || err.Error() != "bad 1" || !reflect.DeepEqual(seen, []int{0, 1}) {
		t.Errorf("got %v after %v; want bad 1 after [0 1]", err, seen)
	}
}

func TestExecBatchPanicInWorker(t *testing.T) {
	_, err := ExecBatch(context.Background(), begun(t), Policy{Parallel: 2}, []int{0, 1, 2}, func(_ context.Context, i int) (int, error) {
		if i == 1 {
			panic("bad item")
		}
		return i, nil
	}, nil)
	var pe *PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want a *PanicError", err)
	}
	if pe.Value != "bad item" || len(pe.Stack) == 0 {
		t.Errorf("got value %v and %d bytes of stack; want bad item and a stack", pe.Value, len(pe.Stack))
	}
}

func TestExecBatchRetriesPerElement(t *testing.T) {
	for _, par := range []int{1, 3} {
		var calls [3]atomic.Int32
		var retries atomic.Int32
		r := start(context.Background(), "F", testSchema, 0, nil, []Option{WithHooks(Hooks{Retry: func(RetryEvent) { retries.Add(1) }})})
		if err := r.Begin(context.Background(), "F", "Batch"); err != nil {
			t.Fatal(err)
		}
		got, err := ExecBatch(context.Background(), r, Policy{Attempts: 3, Parallel: par}, []int{0, 1, 2}, func(_ context.Context, i int) (int, error) {
			if n := calls[i].Add(1); i == 2 && n < 3 {
				return 0, errors.New("flaky")
			}
			return i * 10, nil
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, []int{0, 10, 20}) {
			t.Errorf("Parallel %d: got %v", par, got)
		}
		if c := [3]int32{calls[0].Load(), calls[1].Load(), calls[2].Load()}; c != [3]int32{1, 1, 3} {
			t.Errorf("Parallel %d: calls per element %v, want [1 1 3]", par, c)
		}
		if retries.Load() != 2 {
			t.Errorf("Parallel %d: %d Retry events, want 2", par, retries.Load())
		}
	}
}

func TestExecBatchCallerCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The elements ignore ctx; the batch must still not report success
	// with elements left unrun.
	got, err := ExecBatch(ctx, begun(t), Policy{Parallel: 2}, make([]int, 10), func(context.Context, int) (int, error) {
		cancel()
		return 1, nil
	}, nil)
	if !errors.Is(err, context.Canceled) || got != nil {
		t.Errorf("got %v, %v; want nil and context.Canceled", got, err)
	}
}

func TestExecBatchFallback(t *testing.T) {
	for _, par := range []int{1, 3} {
		var calls [5]atomic.Int32
		var mu sync.Mutex
		fellBack := map[int]string{}
		got, err := ExecBatch(context.Background(), begun(t), Policy{Attempts: 2, Parallel: par}, []int{0, 1, 2, 3, 4},
			func(_ context.Context, i int) (int, error) {
				n := calls[i].Add(1)
				if i%2 == 1 {
					return 0, fmt.Errorf("odd %d, attempt %d", i, n)
				}
				return i, nil
			},
			func(_ context.Context, i int, err error) (int, error) {
				mu.Lock()
				defer mu.Unlock()
				fellBack[i] = err.Error()
				return -i, nil
			})
		if err != nil {
			t.Fatalf("Parallel %d: %v", par, err)
		}
		if want := []int{0, -1, 2, -3, 4}; !reflect.DeepEqual(got, want) {
			t.Errorf("Parallel %d: got %v, want %v", par, got, want)
		}
		if want := map[int]string{1: "odd 1, attempt 2", 3: "odd 3, attempt 2"}; !reflect.DeepEqual(fellBack, want) {
			t.Errorf("Parallel %d: fallbacks %v, want %v (once per failed element, after its last attempt)", par, fellBack, want)
		}
	}
}

func TestExecBatchFallbackError(t *testing.T) {
	worse := errors.New("no fallback value")
	for _, par := range []int{1, 3} {
		got, err := ExecBatch(context.Background(), begun(t), Policy{Parallel: par}, []int{0, 1, 2},
			func(_ context.Context, i int) (int, error) {
				if i == 1 {
					return 0, errors.New("bad 1")
				}
				return i, nil
			},
			func(context.Context, int, error) (int, error) { return 0, worse })
		if err != worse || got != nil {
			t.Errorf("Parallel %d: got %v, %v; want the fallback's error", par, got, err)
		}
	}
}

func TestExecBatchFallbackPanicInWorker(t *testing.T) {
	_, err := ExecBatch(context.Background(), begun(t), Policy{Parallel: 2}, []int{0, 1, 2},
		func(_ context.Context, i int) (int, error) {
			if i == 1 {
				return 0, errors.New("bad 1")
			}
			return i, nil
		},
		func(context.Context, int, error) (int, error) { panic("bad fallback") })
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "bad fallback" {
		t.Errorf("got %v, want a *PanicError of the fallback", err)
	}
}

// Elements canceled because another failed do not fall back: the batch has
// failed already.
func TestExecBatchNoFallbackWhenCanceled(t *testing.T) {
	boom := errors.New("boom")
	others := make(chan struct{}, 3)
	var mu sync.Mutex
	var fellBack []int
	_, err := ExecBatch(context.Background(), begun(t), Policy{Parallel: 4}, []int{0, 1, 2, 3},
		func(ctx context.Context, i int) (int, error) {
			if i == 0 {
				for range 3 {
					<-others
				}
				return 0, boom
			}
			others <- struct{}{}
			<-ctx.Done()
			return 0, ctx.Err()
		},
		func(_ context.Context, i int, err error) (int, error) {
			mu.Lock()
			fellBack = append(fellBack, i)
			mu.Unlock()
			return 0, err // element 0 still fails
		})
	if err != boom {
		t.Errorf("got %v, want boom", err)
	}
	if !reflect.DeepEqual(fellBack, []int{0}) {
		t.Errorf("fallback called for %v, want only [0]", fellBack)
	}

	// One after another, a caller's cancellation stops the batch without a
	// fallback too.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	called := false
	_, err = ExecBatch(ctx, begun(t), Policy{Attempts: 3}, []int{0, 1},
		func(ctx context.Context, i int) (int, error) {
			cancel()
			return 0, ctx.Err()
		},
		func(context.Context, int, error) (int, error) {
			called = true
			return 1, nil
		})
	if called || !errors.Is(err, context.Canceled) {
		t.Errorf("fallback called %t, error %v; want no call and context.Canceled", called, err)
	}
}

// An element that calls runtime.Goexit (t.FailNow does) fails the batch:
// it never returns, and its result would otherwise be taken as the zero
// value.
func TestExecBatchGoexit(t *testing.T) {
	r := begun(t)
	out, err := ExecBatch(context.Background(), r, Policy{Parallel: 3}, []int{1, 2, 3, 4, 5, 6}, func(ctx context.Context, i int) (int, error) {
		if i == 4 {
			goruntime.Goexit()
		}
		return i, nil
	}, nil)
	if !errors.Is(err, errGoexit) || out != nil {
		t.Errorf("got %v, %v; want the Goexit error", out, err)
	}
}
