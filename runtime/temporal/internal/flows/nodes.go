// Package flows holds the scenarios the Temporal workflow is tested with:
// flows.pico, its generated files, and node implementations that count
// their calls and fail on request.
package flows

//go:generate go -C ../../../.. run ./cmd/picoflow generate -temporal runtime/temporal/internal/flows

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/digital-duck/picoflow-go/runtime"
)

// Decision is Approve's answer.
type Decision struct {
	OK   bool   `json:"ok"`
	Note string `json:"note"`
}

// Nodes implements every node of flows.pico. Its counters are safe for
// the concurrent activities of a test.
type Nodes struct {
	mu sync.Mutex
	// FlakyFails is the number of Flaky's attempts that fail; Permanent
	// makes them fail with runtime.Permanent.
	FlakyFails int
	Permanent  bool
	// calls counts each node's Exec (and fallback) calls, by name.
	calls map[string]int
	// running and Most: the batch elements running now, and at most.
	running, most int
	// Fanned is called in each batch element, to hold it open.
	Fanned func(item string)
}

// Calls returns how many times phase (e.g. "Flaky.Exec") ran.
func (n *Nodes) Calls(phase string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.calls[phase]
}

// Most returns the most batch elements that ran at once.
func (n *Nodes) Most() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.most
}

func (n *Nodes) count(phase string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.calls == nil {
		n.calls = map[string]int{}
	}
	n.calls[phase]++
	return n.calls[phase]
}

type flaky struct{ *Nodes }

func (f flaky) Prep(_ context.Context, s *Job) (string, error) { return s.Input, nil }
func (f flaky) Exec(_ context.Context, prep string) (string, error) {
	if k := f.count("Flaky.Exec"); k <= f.FlakyFails {
		err := fmt.Errorf("attempt %d failed", k)
		if f.Permanent {
			err = runtime.Permanent(err)
		}
		return "", err
	}
	return strings.ToUpper(prep), nil
}
func (f flaky) Post(_ context.Context, s *Job, _, exec string) (FlakyAction, error) {
	s.Result = exec
	return FlakyOk, nil
}

type guarded struct{ *Nodes }

func (g guarded) Prep(_ context.Context, s *Job) (string, error) { return s.Input, nil }
func (g guarded) Exec(context.Context, string) (string, error) {
	return "", fmt.Errorf("service down (call %d)", g.count("Guarded.Exec"))
}
func (g guarded) ExecFallback(_ context.Context, prep string, err error) (string, error) {
	g.count("Guarded.Fallback")
	return "default for " + prep + " after: " + err.Error(), nil
}
func (g guarded) Post(_ context.Context, s *Job, _, exec string) error {
	s.Result = exec
	return nil
}

type fan struct{ *Nodes }

func (f fan) Prep(_ context.Context, s *Job) ([]string, error) { return s.Items, nil }
func (f fan) Exec(_ context.Context, item string) (string, error) {
	f.mu.Lock()
	f.running++
	f.most = max(f.most, f.running)
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.running--; f.mu.Unlock() }()
	f.count("Fan.Exec")
	if f.Fanned != nil {
		f.Fanned(item)
	}
	if item == "bad" {
		return "", runtime.Permanent(errors.New("bad item"))
	}
	return item + "!", nil
}
func (f fan) Post(_ context.Context, s *Job, _ []string, exec []string) error {
	s.Results = exec
	return nil
}

type roll struct{ *Nodes }

func (r roll) Exec(context.Context) (int, error) {
	r.count("Roll.Exec")
	return 0, errors.New("no dice")
}
func (r roll) ExecFallback(_ context.Context, err error) (int, error) {
	r.count("Roll.Fallback")
	if err.Error() != "no dice" {
		return 0, fmt.Errorf("fallback got %q", err)
	}
	return 6, nil
}
func (r roll) Post(_ context.Context, s *Job, exec int) (RollAction, error) {
	s.Count = exec
	return RollNext, nil
}

type salvage struct{ *Nodes }

func (v salvage) Prep(_ context.Context, s *Job) ([]string, error) { return s.Items, nil }
func (v salvage) Exec(_ context.Context, item string) (string, error) {
	v.count("Salvage.Exec")
	if item == "bad" {
		return "", runtime.Permanent(errors.New("bad item"))
	}
	return item + "!", nil
}
func (v salvage) ExecFallback(_ context.Context, item string, err error) (string, error) {
	v.count("Salvage.Fallback")
	return "saved " + item + " from " + err.Error(), nil
}
func (v salvage) Post(_ context.Context, s *Job, _ []string, exec []string) error {
	s.Results = exec
	return nil
}

type count struct{ *Nodes }

func (c count) Post(_ context.Context, s *Job) (CountAction, error) {
	if s.Count >= s.Target {
		return CountDone, nil
	}
	s.Count++
	s.Log = append(s.Log, fmt.Sprintf("count %d", s.Count))
	return CountAgain, nil
}

type web struct{ *Nodes }

func (w web) Prep(_ context.Context, s *Job) (string, error) { return s.Input, nil }
func (w web) Exec(_ context.Context, prep string) (string, error) {
	w.count("Web.Exec")
	return "web:" + prep, nil
}
func (w web) Post(_ context.Context, s *Job, _, exec string) error {
	s.Log = append(s.Log, exec)
	s.Total += 1
	if s.Input == "conflict" {
		s.Note = "web"
	}
	return nil
}

type docs struct{ *Nodes }

func (d docs) Prep(_ context.Context, s *Job) (string, error) { return s.Input, nil }
func (d docs) Exec(_ context.Context, prep string) (string, error) {
	d.count("Docs.Exec")
	return "docs:" + prep, nil
}
func (d docs) Post(_ context.Context, s *Job, _, exec string) error {
	s.Log = append(s.Log, exec)
	s.Total += 10
	if s.Input == "conflict" {
		s.Note = "docs"
	}
	return nil
}

type approve struct{ *Nodes }

func (a approve) Prep(_ context.Context, s *Job) (string, error) {
	return "may I ship " + s.Input + "?", nil
}
func (a approve) Post(_ context.Context, s *Job, _ string, answer Decision) (ApproveAction, error) {
	s.Note = answer.Note
	if answer.OK {
		return ApproveYes, nil
	}
	return ApproveNo, nil
}

type finish struct{ *Nodes }

func (f finish) Prep(_ context.Context, s *Job) (string, error) {
	if s.Input == "unfinished" {
		return "", errors.New("cannot finish")
	}
	return "finished", nil
}
func (f finish) Post(_ context.Context, s *Job, prep string) error {
	s.Log = append(s.Log, prep)
	return nil
}

// The flows of flows.pico, each with its nodes n.
func (n *Nodes) Retry() *Retry       { return NewRetry(flaky{n}, finish{n}) }
func (n *Nodes) Rescue() *Rescue     { return NewRescue(guarded{n}) }
func (n *Nodes) Batch() *Batch       { return NewBatch(fan{n}) }
func (n *Nodes) Mixed() *Mixed       { return NewMixed(roll{n}, salvage{n}) }
func (n *Nodes) Loop() *Loop         { return NewLoop(count{n}) }
func (n *Nodes) Nested() *Nested     { return NewNested(n.Loop(), finish{n}) }
func (n *Nodes) Parallel() *Parallel { return NewParallel(count{n}, web{n}, docs{n}, finish{n}) }
func (n *Nodes) Approval() *Approval { return NewApproval(approve{n}, finish{n}) }
