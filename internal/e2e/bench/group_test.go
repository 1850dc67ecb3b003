package bench

import (
	"context"
	"reflect"
	"sync"
	"testing"
)

// fanRounds is the rounds of Split and the group per run of Fan.
const fanRounds = 200

func newFan() *Fan { return NewFan(split{limit: fanRounds}, hit{}, hit{}) }

// fanByHand is Fan written by hand: Split, then Left and Right on two
// goroutines and a sync.WaitGroup, each on its own deep copy of the store
// (the generated copyInto), then their writes merged as Fan's merge rules
// say (hits appended in member order, sum added), written out for these
// two fields.
func fanByHand(ctx context.Context, f *Fan, s *Counter) error {
	for {
		p, err := f.Split.Prep(ctx, s)
		if err != nil {
			return err
		}
		a, err := f.Split.Post(ctx, s, p)
		if err != nil {
			return err
		}
		if a == SplitDone {
			return nil
		}
		var stores [2]Counter
		s.copyInto(&stores[0])
		s.copyInto(&stores[1])
		var errs [2]error
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); errs[0] = f.Left.Post(ctx, &stores[0]) }()
		go func() { defer wg.Done(); errs[1] = f.Right.Post(ctx, &stores[1]) }()
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		n := len(s.Hits)
		hits := make([]int, n, len(stores[0].Hits)+len(stores[1].Hits)-n)
		copy(hits, s.Hits)
		hits = append(hits, stores[0].Hits[n:]...)
		s.Hits = append(hits, stores[1].Hits[n:]...)
		s.Sum += stores[0].Sum - s.Sum + stores[1].Sum - s.Sum
	}
}

func TestFanByHandMatchesGenerated(t *testing.T) {
	a, b := &Counter{}, &Counter{}
	if err := fanByHand(context.Background(), newFan(), a); err != nil {
		t.Fatal(err)
	}
	if err := newFan().Run(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	want := &Counter{Count: fanRounds, Hits: []int{1, 1}, Sum: 2 * fanRounds}
	if !reflect.DeepEqual(a, want) || !reflect.DeepEqual(b, want) {
		t.Fatalf("by hand %+v, generated %+v; want %+v", a, b, want)
	}
}

// BenchmarkGroup: rounds of Split and a parallel group of two trivial
// members, generated against the same written by hand with goroutines and
// a WaitGroup. A round is three steps (Split, Left, Right).
func BenchmarkGroup(b *testing.B) {
	f := newFan()
	ctx := context.Background()
	reset := func(s *Counter) { s.Hits, s.Sum = s.Hits[:0], 0 }
	paired(b, 3*fanRounds,
		variant{"hand", func(s *Counter) error { reset(s); return fanByHand(ctx, f, s) }},
		variant{"generated", func(s *Counter) error { reset(s); return f.Run(ctx, s) }},
	)
}
