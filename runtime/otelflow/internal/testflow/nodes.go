// Package testflow holds the flows that otelflow's tests and example run:
// testflow.pico.go is what picoflow generates from testflow.pico, and this
// file the nodes, whose Do funcs a test sets to fail, block or start spans.
// Each node appends its name to the store's Ran.
package testflow

// The module of otelflow does not require picoflow's generator: run it from
// the main module.
//go:generate go -C ../../../.. run ./cmd/picoflow generate runtime/otelflow/internal/testflow/testflow.pico

import (
	"context"
)

// Fetch implements FetchNode: Exec calls Do with the input (nil: returns
// the input), and Post keeps the result as the answer.
type Fetch struct {
	Do func(ctx context.Context, input string) (string, error)
}

func (Fetch) Prep(_ context.Context, s *State) (string, error) { return s.Input, nil }

func (n Fetch) Exec(ctx context.Context, input string) (string, error) {
	if n.Do == nil {
		return input, nil
	}
	return n.Do(ctx, input)
}

func (Fetch) Post(_ context.Context, s *State, _, exec string) (FetchAction, error) {
	s.Ran = append(s.Ran, "Fetch")
	s.Answer = exec
	return FetchNext, nil
}

// Guess implements GuessNode: Exec calls Do (nil: returns "guess"), and
// ExecFallback returns "fallback".
type Guess struct {
	Do func(ctx context.Context) (string, error)
}

func (n Guess) Exec(ctx context.Context) (string, error) {
	if n.Do == nil {
		return "guess", nil
	}
	return n.Do(ctx)
}

func (Guess) ExecFallback(context.Context, error) (string, error) { return "fallback", nil }

func (Guess) Post(_ context.Context, s *State, exec string) (GuessAction, error) {
	s.Ran = append(s.Ran, "Guess")
	s.Answer = exec
	return GuessNext, nil
}

// Answer implements AnswerNode: Post calls Do (when set) with the answer.
type Answer struct {
	Do func(ctx context.Context, answer string) error
}

func (Answer) Prep(_ context.Context, s *State) (string, error) { return s.Answer, nil }

func (n Answer) Post(ctx context.Context, s *State, answer string) error {
	s.Ran = append(s.Ran, "Answer")
	if n.Do != nil {
		return n.Do(ctx, answer)
	}
	return nil
}

// Member implements LeftNode and RightNode: Post calls Do (when set).
type Member struct {
	Name string
	Do   func(ctx context.Context) error
}

func (n Member) Post(ctx context.Context, s *State) error {
	s.Ran = append(s.Ran, n.Name)
	if n.Do != nil {
		return n.Do(ctx)
	}
	return nil
}

// Lookup implements LookupNode: Post calls Do (when set) and routes found.
type Lookup struct {
	Do func(ctx context.Context) error
}

func (n Lookup) Post(ctx context.Context, s *State) (LookupAction, error) {
	s.Ran = append(s.Ran, "Lookup")
	if n.Do != nil {
		if err := n.Do(ctx); err != nil {
			return 0, err
		}
	}
	return LookupFound, nil
}

// Review implements ReviewNode: it asks whether to answer, and routes yes
// or no by the answer.
type Review struct{}

func (Review) Prep(_ context.Context, s *State) (string, error) {
	return "answer " + s.Input + "?", nil
}

func (Review) Post(_ context.Context, s *State, _ string, answer bool) (ReviewAction, error) {
	s.Ran = append(s.Ran, "Review")
	if answer {
		return ReviewYes, nil
	}
	return ReviewNo, nil
}
