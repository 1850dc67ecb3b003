// Package nested runs flows used as nodes through generated code.
package nested

//go:generate go run github.com/digital-duck/picoflow-go/cmd/picoflow generate

import "context"

type set struct{}

func (set) Post(_ context.Context, c *Calc) (SetAction, error) {
	c.Value = 5
	return SetDone, nil
}

type keep struct{}

func (keep) Post(context.Context, *Calc) (KeepAction, error) { return KeepKept, nil }

// arith applies op to the value; one generic type serves AddTen (which
// routes on) and, through last, the terminal Double.
type arith[A ~int] struct {
	op   func(int) int
	next A
}

func (n arith[A]) Prep(_ context.Context, c *Calc) (int, error) { return c.Value, nil }
func (n arith[A]) Exec(_ context.Context, v int) (int, error)   { return n.op(v), nil }
func (n arith[A]) Post(_ context.Context, c *Calc, _ int, v int) (A, error) {
	c.Value = v
	return n.next, nil
}

type double struct{}

func (double) Prep(_ context.Context, c *Calc) (int, error) { return c.Value, nil }
func (double) Exec(_ context.Context, v int) (int, error)   { return v * 2, nil }
func (double) Post(_ context.Context, c *Calc, _ int, v int) error {
	c.Value = v
	return nil
}

// decide says inner_done for values of at least 10.
type decide struct{}

func (decide) Prep(_ context.Context, c *Calc) (int, error) { return c.Value, nil }
func (decide) Post(_ context.Context, _ *Calc, v int) (DecideAction, error) {
	if v >= 10 {
		return DecideInnerDone, nil
	}
	return DecideOther, nil
}

// path records which terminal node the flow reached.
type path string

func (p path) Post(_ context.Context, c *Calc) error {
	c.Path = string(p)
	return nil
}

func compose() *Compose {
	return NewCompose(NewPlus(
		NewNumber(set{}, keep{}),
		arith[AddTenAction]{func(v int) int { return v + 10 }, AddTenNext},
	), double{})
}

func route() *Route {
	return NewRoute(NewInner(decide{}), path("B"), path("A"))
}
