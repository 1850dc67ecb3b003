// Package batches tests that a batch killed part-way resumes without
// running its completed elements again.
package batches

//go:generate go run github.com/digital-duck/picoflow-go/cmd/picoflow generate

import (
	"context"
	"sync"
	"time"
)

// square squares an item after delay, and reports each call to called.
type square struct {
	delay  time.Duration
	called func(item int)
}

func (square) Prep(_ context.Context, s *Work) ([]int, error) { return s.Items, nil }

func (q square) Exec(_ context.Context, item int) (int, error) {
	q.called(item)
	time.Sleep(q.delay)
	return item * item, nil
}

func (square) Post(_ context.Context, s *Work, _ []int, squares []int) error {
	s.Squares = squares
	return nil
}

// calls counts Exec calls by item, safely across a batch's goroutines.
type calls struct {
	mu sync.Mutex
	n  map[int]int
}

func (c *calls) add(item int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[int]int{}
	}
	c.n[item]++
}
