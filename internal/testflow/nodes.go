// Package testflow is a generated flow for the tests of the run log, its
// commands and its monitor.
package testflow

//go:generate go run github.com/digital-duck/picoflow-go/cmd/picoflow generate

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
)

// Nodes configures the flow's nodes.
type Nodes struct {
	Flaky bool          // Count's Exec fails its first attempt of each step
	Delay time.Duration // Count's Exec takes this long
	// FailAt makes Count fail (for good) when the count reaches it (0:
	// never).
	FailAt int
	// Started, when set, is called as each Count Exec begins.
	Started func(n int)
}

// New returns flow Loop with these nodes.
func New(n Nodes) *Loop {
	c := &count{Nodes: n, tried: map[int]bool{}}
	return NewLoop(c, side{"left"}, side{"right"}, ask{}, finish{})
}

type count struct {
	Nodes
	mu    sync.Mutex
	tried map[int]bool
}

func (c *count) Prep(_ context.Context, j *Job) (int, error) { return j.N, nil }

func (c *count) Exec(ctx context.Context, n int) (int, error) {
	if c.Started != nil {
		c.Started(n)
	}
	if c.Delay > 0 {
		select {
		case <-time.After(c.Delay):
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	runtime.Emit(ctx, fmt.Sprintf("counting %d", n+1))
	if c.FailAt > 0 && n+1 == c.FailAt {
		return 0, runtime.Permanent(errors.New("count broke"))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Flaky && !c.tried[n] {
		c.tried[n] = true
		return 0, errors.New("flaky")
	}
	return n + 1, nil
}

func (c *count) Post(_ context.Context, j *Job, _ int, n int) (CountAction, error) {
	j.N = n
	if n < j.Limit {
		return CountMore, nil
	}
	return CountDone, nil
}

type side struct{ name string }

func (s side) Post(_ context.Context, j *Job) error {
	j.Log = append(j.Log, s.name)
	return nil
}

type ask struct{}

func (ask) Prep(_ context.Context, j *Job) (int, error) { return j.N, nil }

func (ask) Post(_ context.Context, j *Job, n int, yes bool) (AskAction, error) {
	if yes {
		return AskYes, nil
	}
	return AskNo, nil
}

type finish struct{}

func (finish) Post(_ context.Context, j *Job) error {
	j.Note = "finished"
	return nil
}
