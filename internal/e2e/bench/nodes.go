// Package bench measures generated flows against hand-written Go.
package bench

//go:generate go run github.com/digital-duck/picoflow-go/cmd/picoflow generate

import (
	"context"
	"encoding/json"
	"time"
)

// tick adds one; with encode set, its Exec also encodes a small JSON
// message, a stand-in for the least work a real node does, and with work
// set it sleeps that long, as a node waiting on a model would.
type tick struct {
	encode bool
	work   time.Duration
}

func (tick) Prep(_ context.Context, s *Counter) (int, error) { return s.Count, nil }

func (t tick) Exec(_ context.Context, n int) (int, error) {
	if t.work > 0 {
		time.Sleep(t.work)
	}
	if t.encode {
		msg := struct {
			Role    string `json:"role"`
			Content string `json:"content"`
			N       int    `json:"n"`
		}{"user", "count one more", n}
		if _, err := json.Marshal(msg); err != nil {
			return 0, err
		}
	}
	return n + 1, nil
}

func (tick) Post(_ context.Context, s *Counter, _ int, n int) (TickAction, error) {
	s.Count = n
	return TickNext, nil
}

// check stops the loop at limit; with work set it sleeps that long first.
type check struct {
	limit int
	work  time.Duration
}

func (c check) Prep(_ context.Context, s *Counter) (int, error) {
	if c.work > 0 {
		time.Sleep(c.work)
	}
	return s.Count, nil
}
func (c check) Post(_ context.Context, _ *Counter, n int) (CheckAction, error) {
	if n < c.limit {
		return CheckMore, nil
	}
	return CheckDone, nil
}

// look counts its own steps, in n, and stops at limit; it never writes the
// store.
type look struct {
	n     *int
	limit int
}

func (l look) Prep(_ context.Context, s *Counter) (int, error) { return s.Count, nil }
func (l look) Post(_ context.Context, _ *Counter, _ int) (LookAction, error) {
	if *l.n++; *l.n < l.limit {
		return LookAgain, nil
	}
	return LookDone, nil
}

// split counts rounds to limit and clears hits, so that each round's
// copies are as small as its members.
type split struct{ limit int }

func (split) Prep(_ context.Context, s *Counter) (int, error) { return s.Count, nil }
func (sp split) Post(_ context.Context, s *Counter, n int) (SplitAction, error) {
	if n >= sp.limit {
		return SplitDone, nil
	}
	s.Count = n + 1
	s.Hits = s.Hits[:0]
	return SplitGo, nil
}

// hit is Left and Right: one hit, one more in sum.
type hit struct{}

func (hit) Post(_ context.Context, s *Counter) error {
	s.Hits = append(s.Hits, 1)
	s.Sum++
	return nil
}
