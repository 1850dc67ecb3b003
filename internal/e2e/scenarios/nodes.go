// Package scenarios runs PocketFlow's basic flow tests through generated
// code: branching, a loop until a condition, and a chain.
package scenarios

//go:generate go run github.com/digital-duck/picoflow-go/cmd/picoflow generate

import "context"

// start sets the starting value; its action type is a parameter so that the
// one Go type serves any node whose Post returns a single action.
type start[A ~int] struct {
	value int
	next  A
}

func (n start[A]) Post(_ context.Context, s *Numbers) (A, error) {
	s.Current = n.value
	return n.next, nil
}

// add adds n to the current value and routes to next: one generic type
// implements AddTen's, SubThree's and First's interfaces alike.
type add[A ~int] struct {
	n    int
	next A
}

func (a add[A]) Prep(_ context.Context, s *Numbers) (int, error) { return s.Current, nil }
func (a add[A]) Exec(_ context.Context, v int) (int, error)      { return v + a.n, nil }
func (a add[A]) Post(_ context.Context, s *Numbers, _ int, sum int) (A, error) {
	s.Current = sum
	return a.next, nil
}

// addLast is add for a terminal node: its Post returns only an error.
type addLast struct{ n int }

func (a addLast) Prep(_ context.Context, s *Numbers) (int, error) { return s.Current, nil }
func (a addLast) Exec(_ context.Context, v int) (int, error)      { return v + a.n, nil }
func (a addLast) Post(_ context.Context, s *Numbers, _ int, sum int) error {
	s.Current = sum
	return nil
}

// check routes on the sign of the current value, as PocketFlow's
// CheckPositiveNode does: zero counts as positive.
type check struct{}

func (check) Prep(_ context.Context, s *Numbers) (int, error) { return s.Current, nil }
func (check) Exec(_ context.Context, v int) (bool, error)     { return v >= 0, nil }
func (check) Post(_ context.Context, _ *Numbers, _ int, positive bool) (CheckAction, error) {
	if positive {
		return CheckPositive, nil
	}
	return CheckNegative, nil
}

type done struct{}

func (done) Post(context.Context, *Numbers) error { return nil }
