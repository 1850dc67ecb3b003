package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// MaxRetryAfter caps the pause that an error's RetryAfter hint may ask for,
// so that a misbehaving server cannot stall a run for hours.
const MaxRetryAfter = time.Minute

// Policy says how Exec runs a node's exec phase. The zero value means one
// attempt, no pause, constant pauses, no timeout and one element at a time.
type Policy struct {
	Attempts int           // tries in all; 0 or 1: one try
	Wait     time.Duration // pause before the first retry
	Backoff  float64       // factor applied to each further pause; 0 or 1: constant
	Timeout  time.Duration // limit per attempt; 0: none
	Parallel int           // batch elements run at once; 0 or 1: one after another
}

// policyFor is the policy of the current node's Exec: declared, or what a
// WithPolicy override makes of it.
func (r *Run) policyFor(declared Policy) Policy {
	if r.policy == nil {
		return declared
	}
	return r.policy(r.node, declared)
}

// retryAfter is implemented by errors that know when to try again, such as
// an HTTP 429 carrying a Retry-After header.
type retryAfter interface{ RetryAfter() time.Duration }

// Exec runs exec under policy p (or what [WithPolicy] makes of it): up to
// p.Attempts tries, each limited to p.Timeout, with pauses between them. It returns the result of the first
// try that succeeds, or the error of the last one; generated code wraps that
// error with [Run.Fail].
//
// An error wrapping [Permanent] is not retried, nor is any error once ctx is
// done. An error with a method RetryAfter() time.Duration sets the next
// pause (at most [MaxRetryAfter]) in place of the computed one. A pause ends
// early when ctx is done, with an error wrapping ctx.Err(). The timeout
// works through the context given to exec: exec must honour it.
//
// Exec takes no fallback: generated code checks whether the node implements
// ExecFallback only once Exec has failed, and then calls [Fallback], so a
// step that succeeds pays neither for the type assertion nor for a second
// closure.
func Exec[E any](ctx context.Context, r *Run, p Policy, exec func(context.Context) (E, error)) (E, error) {
	r.phase = PhaseExec
	p = r.policyFor(p)
	rt := retrier{wait: p.Wait}
	for {
		e, err := try(ctx, p.Timeout, exec)
		if err == nil {
			return e, nil
		}
		if err = rt.next(ctx, r, p, err); err != nil {
			r.attempts = rt.n
			var zero E
			return zero, err
		}
	}
}

// Fallback gives the result of a node's ExecFallback once every attempt of
// Exec has failed with err: it fires the Fallback hooks, then calls
// fallback(ctx, err), whose error (nil or not) is the step's. When ctx is done it returns err unchanged and calls nothing: a
// canceled run stops, it does not fall back. A panic in fallback is the
// run's to recover, as one in Exec is.
func Fallback[E any](ctx context.Context, r *Run, err error, fallback func(context.Context, error) (E, error)) (E, error) {
	if ctx.Err() != nil {
		var zero E
		return zero, err
	}
	r.phase = PhaseExec
	if herr := r.fellBack(max(r.attempts, 1), err); herr != nil {
		var zero E
		return zero, herr
	}
	return fallback(ctx, err)
}

// ExecBatch runs exec on every element of items, each under the policy p
// (declared, or as WithPolicy overrides it) as [Exec] does, and returns the
// results in the order of items (an empty, non-nil slice for no items).
// With p.Parallel > 1, up to that many elements run at once; the first failure cancels the context of the others and is
// the error returned, and a panic in an element becomes a *[PanicError].
//
// fallback, when not nil, is the node's ExecFallback: once every attempt of
// an element has failed and its context is not done, fallback(ctx, item, err)
// decides the element's result, as [Fallback] does for a whole Exec. An
// element canceled because another failed does not fall back.
func ExecBatch[P, E any](ctx context.Context, r *Run, declared Policy, items []P, exec func(context.Context, P) (E, error), fallback func(context.Context, P, error) (E, error)) ([]E, error) {
	r.phase = PhaseExec
	p := r.policyFor(declared) // assigned once: the goroutines copy it
	out := make([]E, len(items))
	// With checkpoints, completed elements are saved as the batch goes, and
	// a resumed batch takes the results saved for it.
	sv, resumed := batchProgress(r, items)
	defer sv.close()
	skip := func(i int) bool {
		raw, ok := resumed[strconv.Itoa(i)]
		return ok && json.Unmarshal(raw, &out[i]) == nil
	}
	if p.Parallel <= 1 || len(items) <= 1 {
		for i, item := range items {
			if skip(i) {
				continue
			}
			e, err := execItem(ctx, r, p, exec, fallback, item)
			if err != nil {
				return nil, err
			}
			out[i] = e
			if sv != nil {
				sv.completed(i, e)
			}
		}
		return out, nil
	}
	// gctx is canceled by the first element that fails, and by one that
	// calls runtime.Goexit (t.FailNow in a test, say): such an element never
	// returns, so errgroup would see no error and the batch would go on
	// with its zero result.
	cctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	g, gctx := errgroup.WithContext(cctx)
	g.SetLimit(p.Parallel)
	var exited atomic.Bool
	started := 0
	for i := range items {
		// Stop handing out elements once one failed; Go would only start
		// them to see a canceled context.
		if gctx.Err() != nil {
			break
		}
		started++
		if skip(i) {
			continue
		}
		g.Go(func() (err error) {
			// A panic on this goroutine (in exec or fallback) would kill the
			// process: no deferred Recover of the run method can reach it.
			returned := false
			defer func() {
				if v := recover(); v != nil {
					err = &PanicError{Value: v, Stack: debug.Stack()}
				} else if !returned {
					exited.Store(true)
					cancel(errGoexit)
				}
			}()
			err = func() error {
				// An element whose turn came after a failure is not run.
				if err := gctx.Err(); err != nil {
					return err
				}
				e, err := execItem(gctx, r, p, exec, fallback, items[i])
				if err != nil {
					return err
				}
				out[i] = e
				if sv != nil {
					sv.completed(i, e)
				}
				return nil
			}()
			returned = true // not reached when the element called Goexit
			return err
		})
	}
	err := g.Wait()
	if exited.Load() {
		return nil, errGoexit
	}
	if err != nil {
		return nil, err
	}
	// Elements left unstarted with no failure reported: the caller's ctx was
	// canceled while every started element ignored it.
	if started < len(items) {
		return nil, fmt.Errorf("batch canceled after %d of %d elements: %w", started, len(items), ctx.Err())
	}
	return out, nil
}

// errGoexit is the error of a batch whose element called runtime.Goexit.
var errGoexit = errors.New("a batch element called runtime.Goexit (t.FailNow or t.SkipNow in a test?)")

// execItem is Exec, then Fallback when given, for one element of a batch.
func execItem[P, E any](ctx context.Context, r *Run, p Policy, exec func(context.Context, P) (E, error), fallback func(context.Context, P, error) (E, error), item P) (E, error) {
	rt := retrier{wait: p.Wait}
	for {
		e, err := tryItem(ctx, p.Timeout, exec, item)
		if err == nil {
			return e, nil
		}
		if err = rt.next(ctx, r, p, err); err != nil {
			if fallback != nil && ctx.Err() == nil {
				if herr := r.fellBack(rt.n, err); herr != nil {
					var zero E
					return zero, herr
				}
				return fallback(ctx, item, err)
			}
			var zero E
			return zero, err
		}
	}
}

// try runs one attempt, under its own deadline when timeout > 0 (only then
// is a context allocated). exec is only called, never stored, so the
// caller's closure can stay on its stack.
func try[E any](ctx context.Context, timeout time.Duration, exec func(context.Context) (E, error)) (E, error) {
	if timeout <= 0 {
		return exec(ctx)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return exec(ctx)
}

// tryItem is try for one element of a batch.
func tryItem[P, E any](ctx context.Context, timeout time.Duration, exec func(context.Context, P) (E, error), item P) (E, error) {
	if timeout <= 0 {
		return exec(ctx, item)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return exec(ctx, item)
}

// retrier holds the state of one retry loop. It is not generic, so Exec and
// the batch elements share every retry decision.
type retrier struct {
	n    int           // attempts made
	wait time.Duration // the computed pause before the next retry
}

// next is called after a failed attempt. It returns nil when the caller
// should try again (after the pause it has taken), or the error to give up
// with: err itself when attempts are spent or err is permanent, an error
// wrapping ctx.Err() and err when ctx is done.
func (rt *retrier) next(ctx context.Context, r *Run, p Policy, err error) error {
	rt.n++
	if rt.n >= p.Attempts || isPermanent(err) {
		return err
	}
	if cerr := ctx.Err(); cerr != nil {
		return retryCanceled(rt.n, err, cerr)
	}
	pause := rt.wait
	var ra retryAfter
	if errors.As(err, &ra) {
		pause = min(max(ra.RetryAfter(), 0), MaxRetryAfter)
	}
	if herr := r.retried(rt.n, err, pause); herr != nil {
		return herr
	}
	if cerr := sleep(ctx, pause); cerr != nil {
		return retryCanceled(rt.n, err, cerr)
	}
	backoff := p.Backoff
	if backoff <= 0 {
		backoff = 1
	}
	rt.wait = scale(rt.wait, backoff)
	return nil
}

// retryCanceled keeps both the cause of the stop (errors.Is ctx.Err()) and
// the last attempt's error.
func retryCanceled(n int, last, cerr error) error {
	return fmt.Errorf("attempt %d: %w; retry canceled: %w", n, last, cerr)
}

// sleep pauses for d, or less when ctx is done first (then it returns
// ctx.Err()).
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// scale multiplies d by f, saturating instead of overflowing on long
// backoff chains.
func scale(d time.Duration, f float64) time.Duration {
	v := float64(d) * f
	if v >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(v)
}
