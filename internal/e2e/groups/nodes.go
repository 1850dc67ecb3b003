// Package groups runs parallel groups through generated code.
package groups

//go:generate go run github.com/digital-duck/picoflow-go/cmd/picoflow generate

import (
	"context"
	"fmt"
)

type begin struct{}

func (begin) Post(_ context.Context, w *Work) (BeginAction, error) {
	w.Trail = append(w.Trail, "begin")
	return BeginGo, nil
}

// worker is W1 to W8: Exec returns its number (after wait, which may be
// nil), and Post appends "wN", adds N to total, offers N*10 as best (W3
// offers the most) and tags itself.
type worker struct {
	n    int
	wait func(ctx context.Context, n int) error
}

func (w worker) Exec(ctx context.Context) (int, error) {
	if w.wait != nil {
		if err := w.wait(ctx, w.n); err != nil {
			return 0, err
		}
	}
	return w.n, nil
}

func (w worker) Post(_ context.Context, s *Work, n int) error {
	s.Items = append(s.Items, fmt.Sprintf("w%d", n))
	s.Total += n
	best := n * 10
	if n == 3 {
		best = 1000
	}
	s.Best = max(s.Best, best)
	if s.Tags == nil {
		s.Tags = map[string]int{}
	}
	s.Tags[fmt.Sprintf("w%d", n)] = n
	return nil
}

type finish struct{}

func (finish) Post(_ context.Context, w *Work) error {
	w.Trail = append(w.Trail, "finish")
	return nil
}

// owner sets the owner and moves on.
type owner[A ~int] struct {
	name string
	done A
}

func (o owner[A]) Post(_ context.Context, w *Work) (A, error) {
	w.Owner = o.name
	w.Trail = append(w.Trail, "own "+o.name)
	return o.done, nil
}

// tag sets tag key to value (the same key in TagA and TagB with the same
// value does not conflict; with different values it does).
type tag[A ~int] struct {
	key   string
	value int
	done  A
}

func (t tag[A]) Post(_ context.Context, w *Work) (A, error) {
	if w.Tags == nil {
		w.Tags = map[string]int{}
	}
	w.Tags[t.key] = t.value
	return t.done, nil
}

// workers are W1 to W8, each waiting with wait before its Exec returns.
func workers(wait func(context.Context, int) error) []worker {
	var ws []worker
	for n := 1; n <= 8; n++ {
		ws = append(ws, worker{n: n, wait: wait})
	}
	return ws
}

// newWide is flow Wide with workers that wait with wait.
func newWide(wait func(context.Context, int) error) *Wide {
	w := workers(wait)
	return NewWide(begin{}, w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], finish{})
}

// mark sets tag key to value, as a terminal node.
type mark struct {
	key   string
	value int
}

func (m mark) Post(_ context.Context, w *Work) error {
	if w.Tags == nil {
		w.Tags = map[string]int{}
	}
	w.Tags[m.key] = m.value
	return nil
}
