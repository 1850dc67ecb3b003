package runtime

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// retryLog starts a run whose Retry hook records every event.
func retryLog(opts ...Option) (*Run, *[]RetryEvent) {
	var log []RetryEvent
	opts = append(opts, WithHooks(Hooks{Retry: func(e RetryEvent) { log = append(log, e) }}))
	r := start(context.Background(), "F", testSchema, 0, nil, opts)
	if err := beginNamed(context.Background(), r, "F", "N"); err != nil {
		panic(err)
	}
	return r, &log
}

func TestExecSucceedsOnLastAttempt(t *testing.T) {
	r, log := retryLog()
	calls := 0
	got, err := Exec(context.Background(), r, Policy{Attempts: 3}, func(context.Context) (string, error) {
		calls++
		if calls < 3 {
			return "", fmt.Errorf("fail %d", calls)
		}
		return "ok", nil
	})
	if err != nil || got != "ok" {
		t.Fatalf("got %q, %v; want ok", got, err)
	}
	if calls != 3 {
		t.Errorf("%d calls, want 3", calls)
	}
	if len(*log) != 2 {
		t.Errorf("%d Retry events, want 2", len(*log))
	}
}

func TestExecFailsAfterAllAttempts(t *testing.T) {
	r, log := retryLog()
	calls := 0
	got, err := Exec(context.Background(), r, Policy{Attempts: 4}, func(context.Context) (string, error) {
		calls++
		return "partial", fmt.Errorf("fail %d", calls)
	})
	if calls != 4 {
		t.Errorf("%d calls, want 4", calls)
	}
	if err == nil || err.Error() != "fail 4" {
		t.Errorf("got error %v, want the last attempt's: fail 4", err)
	}
	if got != "" {
		t.Errorf("got result %q on failure, want the zero value", got)
	}
	var attempts []int
	for _, e := range *log {
		attempts = append(attempts, e.Attempt)
	}
	if !reflect.DeepEqual(attempts, []int{1, 2, 3}) {
		t.Errorf("Retry attempts %v, want [1 2 3] (none after the last)", attempts)
	}
	if e := (*log)[1]; e.Flow != "F" || e.Node != "N" || e.Step != 1 || e.Err.Error() != "fail 2" {
		t.Errorf("Retry event %+v: want F.N step 1 with fail 2", e)
	}
}

func TestExecZeroAttemptsMeansOne(t *testing.T) {
	for _, n := range []int{-1, 0, 1} {
		calls := 0
		_, err := Exec(context.Background(), start(context.Background(), "F", testSchema, 0, nil, nil), Policy{Attempts: n}, func(context.Context) (int, error) {
			calls++
			return 0, errors.New("no")
		})
		if calls != 1 || err == nil {
			t.Errorf("Attempts %d: %d calls, err %v; want 1 call and an error", n, calls, err)
		}
	}
}

func TestExecPermanentStops(t *testing.T) {
	r, log := retryLog()
	base := errors.New("invalid input")
	calls := 0
	_, err := Exec(context.Background(), r, Policy{Attempts: 5, Wait: time.Hour}, func(context.Context) (int, error) {
		calls++
		return 0, fmt.Errorf("validate: %w", Permanent(base))
	})
	if calls != 1 {
		t.Errorf("%d calls, want 1", calls)
	}
	if !errors.Is(err, base) {
		t.Errorf("got %v, want it to wrap the permanent cause", err)
	}
	if len(*log) != 0 {
		t.Errorf("Retry fired %d times for a permanent error", len(*log))
	}
}

func waits(log []RetryEvent) []time.Duration {
	var w []time.Duration
	for _, e := range log {
		w = append(w, e.Wait)
	}
	return w
}

func TestExecBackoff(t *testing.T) {
	const ms = time.Millisecond
	for _, tc := range []struct {
		backoff float64
		want    []time.Duration
	}{
		{0, []time.Duration{ms, ms, ms, ms}},
		{1, []time.Duration{ms, ms, ms, ms}},
		{2, []time.Duration{ms, 2 * ms, 4 * ms, 8 * ms}},
		{1.5, []time.Duration{ms, 1500 * time.Microsecond, 2250 * time.Microsecond, 3375 * time.Microsecond}},
	} {
		r, log := retryLog()
		_, err := Exec(context.Background(), r, Policy{Attempts: 5, Wait: ms, Backoff: tc.backoff}, func(context.Context) (int, error) {
			return 0, errors.New("down")
		})
		if err == nil {
			t.Fatal("no error")
		}
		if got := waits(*log); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("backoff %v: pauses %v, want %v", tc.backoff, got, tc.want)
		}
	}
}

func TestScaleSaturates(t *testing.T) {
	if got := scale(time.Hour, 1e300); got != time.Duration(1<<63-1) {
		t.Errorf("scale overflowed to %v", got)
	}
}

type hintErr struct{ after time.Duration }

func (e *hintErr) Error() string             { return "busy" }
func (e *hintErr) RetryAfter() time.Duration { return e.after }

func TestExecRetryAfterHint(t *testing.T) {
	r, log := retryLog()
	calls := 0
	// A hint replaces the computed pause for its own retry only; the
	// computed chain (1µs, 2µs, 4µs) goes on underneath. A negative hint
	// means no pause.
	_, err := Exec(context.Background(), r, Policy{Attempts: 4, Wait: time.Microsecond, Backoff: 2}, func(context.Context) (int, error) {
		calls++
		switch calls {
		case 1:
			return 0, fmt.Errorf("call: %w", &hintErr{2 * time.Millisecond})
		case 2:
			return 0, errors.New("plain")
		case 3:
			return 0, &hintErr{-time.Second}
		}
		return 7, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := waits(*log), []time.Duration{2 * time.Millisecond, 2 * time.Microsecond, 0}; !reflect.DeepEqual(got, want) {
		t.Errorf("pauses %v, want %v", got, want)
	}
}

func TestExecRetryAfterCapped(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var log []RetryEvent
	r := start(context.Background(), "F", testSchema, 0, nil, []Option{WithHooks(Hooks{Retry: func(e RetryEvent) {
		log = append(log, e)
		cancel() // so the test does not sit through MaxRetryAfter
	}})})
	if err := r.Begin(ctx, "F", "N"); err != nil {
		t.Fatal(err)
	}
	hint := &hintErr{2 * time.Hour}
	_, err := Exec(ctx, r, Policy{Attempts: 2}, func(context.Context) (int, error) { return 0, hint })
	if got, want := waits(log), []time.Duration{MaxRetryAfter}; !reflect.DeepEqual(got, want) {
		t.Errorf("pauses %v, want %v", got, want)
	}
	if !errors.Is(err, context.Canceled) || !errors.Is(err, hint) {
		t.Errorf("got %v, want it to wrap context.Canceled and the last error", err)
	}
}

func TestExecTimeoutPerAttempt(t *testing.T) {
	r, log := retryLog()
	calls := 0
	got, err := Exec(context.Background(), r, Policy{Attempts: 2, Timeout: 10 * time.Millisecond}, func(ctx context.Context) (string, error) {
		calls++
		if _, ok := ctx.Deadline(); !ok {
			return "", Permanent(errors.New("attempt has no deadline"))
		}
		if calls == 1 {
			<-ctx.Done() // a slow attempt: only its own deadline ends it
			return "", ctx.Err()
		}
		return "fast", ctx.Err()
	})
	if err != nil || got != "fast" {
		t.Fatalf("got %q, %v; want the second attempt's result", got, err)
	}
	if len(*log) != 1 || !errors.Is((*log)[0].Err, context.DeadlineExceeded) {
		t.Errorf("Retry events %+v: want one with context.DeadlineExceeded", *log)
	}
}

func TestExecNoTimeoutKeepsContext(t *testing.T) {
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, 1)
	_, err := Exec(ctx, start(context.Background(), "F", testSchema, 0, nil, nil), Policy{}, func(got context.Context) (int, error) {
		if got != ctx {
			return 0, errors.New("exec got a derived context without a timeout")
		}
		return 0, nil
	})
	if err != nil {
		t.Error(err)
	}
}

func TestExecCanceledDuringPause(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	paused := make(chan struct{})
	r := start(context.Background(), "F", testSchema, 0, nil, []Option{WithHooks(Hooks{Retry: func(RetryEvent) { close(paused) }})})
	if err := r.Begin(ctx, "F", "N"); err != nil {
		t.Fatal(err)
	}
	go func() {
		<-paused
		cancel()
	}()
	last := errors.New("unavailable")
	calls := 0
	// With a one-hour pause, only cancellation lets Exec return.
	_, err := Exec(ctx, r, Policy{Attempts: 3, Wait: time.Hour}, func(context.Context) (int, error) {
		calls++
		return 0, last
	})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, last) {
		t.Errorf("got %v, want it to wrap context.Canceled and the last error", err)
	}
	if calls != 1 {
		t.Errorf("%d calls, want 1", calls)
	}
	if got, want := err.Error(), "attempt 1: unavailable; retry canceled: context canceled"; got != want {
		t.Errorf("error text %q, want %q", got, want)
	}
}

func TestExecNoRetryOnceContextDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, log := retryLog()
	calls := 0
	_, err := Exec(ctx, r, Policy{Attempts: 5}, func(ctx context.Context) (int, error) {
		calls++
		cancel()
		return 0, errors.New("interrupted")
	})
	if calls != 1 || len(*log) != 0 {
		t.Errorf("%d calls, %d Retry events; want 1 and 0", calls, len(*log))
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestFallbackCalled(t *testing.T) {
	r, _ := retryLog()
	boom := errors.New("boom")
	_, err := Exec(context.Background(), r, Policy{Attempts: 2}, func(context.Context) (string, error) { return "", boom })
	var got error
	e, err := Fallback(context.Background(), r, err, func(_ context.Context, err error) (string, error) {
		got = err
		return "canned answer", nil
	})
	if e != "canned answer" || err != nil {
		t.Errorf("got %q, %v; want the fallback's result", e, err)
	}
	if got != boom {
		t.Errorf("fallback got %v, want the last attempt's error", got)
	}
	var ne *NodeError
	if errors.As(r.Fail("F", "N", errors.New("x")), &ne); ne.Phase != PhaseExec {
		t.Errorf("phase %q after Fallback, want exec", ne.Phase)
	}

	// The fallback's own error is the step's.
	worse := errors.New("no canned answer either")
	if _, err := Fallback(context.Background(), r, boom, func(context.Context, error) (string, error) { return "", worse }); err != worse {
		t.Errorf("got %v, want the fallback's error", err)
	}
}

func TestFallbackNotAfterCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, _ := retryLog()
	_, err := Exec(ctx, r, Policy{Attempts: 3}, func(ctx context.Context) (int, error) { return 0, ctx.Err() })
	called := false
	e, ferr := Fallback(ctx, r, err, func(context.Context, error) (int, error) {
		called = true
		return 1, nil
	})
	if called {
		t.Error("fallback called on a canceled run")
	}
	if e != 0 || ferr != err || !errors.Is(ferr, context.Canceled) {
		t.Errorf("got %d, %v; want 0 and Exec's error unchanged", e, ferr)
	}
}

// A panic in a fallback is the run's to recover, as one in Exec is.
func TestFallbackPanic(t *testing.T) {
	r := start(context.Background(), "F", testSchema, 0, nil, nil)
	err := func() (err error) {
		defer r.recoverStep("F", "N", &err)
		if err := r.Begin(context.Background(), "F", "N"); err != nil {
			return err
		}
		_, err = Exec(context.Background(), r, Policy{}, func(context.Context) (int, error) { return 0, errors.New("x") })
		_, err = Fallback(context.Background(), r, err, func(context.Context, error) (int, error) { panic("in fallback") })
		return r.Fail("F", "N", err)
	}()
	var ne *NodeError
	var pe *PanicError
	if !errors.As(err, &ne) || ne.Phase != PhaseExec || !errors.As(err, &pe) || pe.Value != "in fallback" {
		t.Errorf("got %v, want a panic in phase exec", err)
	}
}
