// Package retries runs the retry, fallback, batch and parallel scenarios of
// PocketFlow and PicoFlow for Python through generated code.
package retries

//go:generate go run github.com/digital-duck/picoflow-go/cmd/picoflow generate

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// failing fails its first failures calls, then succeeds; it counts calls.
type failing struct {
	failures int
	calls    *int
}

func (n failing) Exec(context.Context) (string, error) {
	*n.calls++
	if *n.calls <= n.failures {
		return "", fmt.Errorf("attempt %d failed", *n.calls)
	}
	return fmt.Sprintf("ok on attempt %d", *n.calls), nil
}

func (n failing) Post(_ context.Context, j *Job, result string) error {
	j.Result = result
	return nil
}

// rescued always fails and has a fallback, as PocketFlow's exec_fallback.
type rescued struct{ failing }

func (rescued) ExecFallback(_ context.Context, err error) (string, error) {
	return "fallback after: " + err.Error(), nil
}

type chunks struct{}

// Prep splits the numbers into chunks of ten.
func (chunks) Prep(_ context.Context, j *Job) ([][]int, error) {
	var out [][]int
	for n := j.Numbers; len(n) > 0; {
		k := min(10, len(n))
		out = append(out, n[:k])
		n = n[k:]
	}
	return out, nil
}

func (chunks) Exec(_ context.Context, chunk []int) (int, error) {
	sum := 0
	for _, v := range chunk {
		sum += v
	}
	return sum, nil
}

func (chunks) Post(_ context.Context, j *Job, _ [][]int, sums []int) error {
	j.Sums, j.Total = sums, 0
	for _, s := range sums {
		j.Total += s
	}
	return nil
}

// slow sleeps 50ms per item and records the peak number of items in flight.
type slow struct {
	mu             sync.Mutex
	inFlight, peak int
}

func (n *slow) Prep(_ context.Context, j *Job) ([]int, error) { return j.Items, nil }

func (n *slow) Exec(ctx context.Context, item int) (int, error) {
	n.mu.Lock()
	n.inFlight++
	n.peak = max(n.peak, n.inFlight)
	n.mu.Unlock()
	defer func() {
		n.mu.Lock()
		n.inFlight--
		n.mu.Unlock()
	}()
	select {
	case <-time.After(50 * time.Millisecond):
		return item * item, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (n *slow) Post(_ context.Context, j *Job, _ []int, out []int) error {
	j.Outputs = out
	return nil
}
