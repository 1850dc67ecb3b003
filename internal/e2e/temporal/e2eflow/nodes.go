// Package e2eflow holds the flows of the end-to-end test against a real
// Temporal server: e2eflow.pico, its generated files, and the nodes'
// implementations, shared by the worker program and the tests.
package e2eflow

//go:generate go run github.com/digital-duck/picoflow-go/cmd/picoflow generate -temporal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
	pftemporal "github.com/digital-duck/picoflow-go/runtime/temporal"
)

// ExecsEnv names the environment variable that holds the file to which
// each completed Exec of Work appends its step's index (see [Nodes.Execs]).
const ExecsEnv = "PICOFLOW_E2E_EXECS"

// LingerEnv names the environment variable that holds how long Work's
// Exec waits after recording its line before it returns (see
// [Nodes.Linger]), as a Go duration.
const LingerEnv = "PICOFLOW_E2E_LINGER"

// ContinueAfter is the number of steps after which a run of Loop continues
// as new: its 20 steps take three runs (8, 8 and 4 steps).
const ContinueAfter = 8

// LoopOptions are the options every worker registers Loop with, the
// replayer too: options are read by the workflow's code.
func LoopOptions() []pftemporal.Option {
	return []pftemporal.Option{pftemporal.WithContinueAfter(ContinueAfter)}
}

// Answer is the answer Ask and Confirm wait for.
type Answer struct {
	OK   bool   `json:"ok"`
	Note string `json:"note"`
}

// Nodes implements every node of e2eflow.pico.
type Nodes struct {
	// Slow makes Work's Exec take its time: 150 to 300 ms, by step.
	Slow bool
	// Execs is the file to which each completed Exec of Work appends a
	// line, its step's index, synced to disk just before Exec returns;
	// "" for none.
	Execs string
	// Linger is how long Exec waits after recording its line before it
	// returns: a test kills the worker then, to see the Exec run again.
	Linger time.Duration
}

// Delay is how long Work's Exec takes at step i when it is slow: 150 to
// 300 ms, the same for a step on every run.
func Delay(i int) time.Duration {
	return time.Duration(150+(i*53)%151) * time.Millisecond
}

// Record appends the line i to the file named path, and syncs it to disk.
func Record(path string, i int) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(strconv.Itoa(i) + "\n"); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

type work struct{ *Nodes }

func (w work) Prep(_ context.Context, s *Job) (int, error) { return s.Counter + 1, nil }
func (w work) Exec(_ context.Context, i int) (string, error) {
	if w.Slow {
		time.Sleep(Delay(i))
	}
	if w.Execs != "" {
		if err := Record(w.Execs, i); err != nil {
			return "", err
		}
	}
	if w.Linger > 0 {
		time.Sleep(w.Linger)
	}
	return "step " + strconv.Itoa(i), nil
}
func (w work) Post(_ context.Context, s *Job, i int, exec string) (WorkAction, error) {
	s.Counter = i
	s.Log = append(s.Log, exec)
	if s.Counter >= s.Target {
		return WorkDone, nil
	}
	return WorkAgain, nil
}

type ask struct{ *Nodes }

func (a ask) Prep(_ context.Context, s *Job) (string, error) {
	return "may I ship " + s.Input + "?", nil
}
func (a ask) Post(_ context.Context, s *Job, _ string, answer Answer) (AskAction, error) {
	s.Note = answer.Note
	s.Log = append(s.Log, "asked: "+answer.Note)
	if answer.OK {
		return AskYes, nil
	}
	return AskNo, nil
}

type confirm struct{ *Nodes }

func (c confirm) Prep(_ context.Context, s *Job) (string, error) {
	return "sure about " + s.Input + "?", nil
}
func (c confirm) Post(_ context.Context, s *Job, _ string, answer Answer) error {
	s.Note = answer.Note
	s.Log = append(s.Log, "confirmed: "+answer.Note)
	return nil
}

type split struct{ *Nodes }

func (split) Post(_ context.Context, s *Job) (SplitAction, error) {
	s.Log = append(s.Log, "split")
	return SplitGo, nil
}

type web struct{ *Nodes }

func (web) Prep(_ context.Context, s *Job) (string, error)      { return s.Input, nil }
func (web) Exec(_ context.Context, prep string) (string, error) { return "web:" + prep, nil }
func (web) Post(_ context.Context, s *Job, _, exec string) error {
	s.Log = append(s.Log, exec)
	s.Total += 1
	return nil
}

type docs struct{ *Nodes }

func (docs) Prep(_ context.Context, s *Job) (string, error)      { return s.Input, nil }
func (docs) Exec(_ context.Context, prep string) (string, error) { return "docs:" + prep, nil }
func (docs) Post(_ context.Context, s *Job, _, exec string) error {
	s.Log = append(s.Log, exec)
	s.Total += 10
	return nil
}

type join struct{ *Nodes }

func (join) Post(_ context.Context, s *Job) error {
	s.Log = append(s.Log, "joined")
	return nil
}

type check struct{ *Nodes }

func (check) Prep(_ context.Context, s *Job) (string, error) { return s.Input, nil }
func (check) Exec(_ context.Context, prep string) (string, error) {
	if prep == "bad" {
		return "", runtime.Permanent(errors.New("bad input"))
	}
	return "checked " + prep, nil
}
func (check) Post(_ context.Context, s *Job, _, exec string) error {
	s.Note = exec
	return nil
}

type grow struct{ *Nodes }

func (grow) Post(_ context.Context, s *Job) error {
	s.Blob = strings.Repeat("x", s.Pad)
	return nil
}

// The flows of e2eflow.pico, each with its nodes n.
func (n *Nodes) Loop() *Loop         { return NewLoop(work{n}) }
func (n *Nodes) Approval() *Approval { return NewApproval(ask{n}, confirm{n}) }
func (n *Nodes) Fanout() *Fanout     { return NewFanout(split{n}, web{n}, docs{n}, join{n}) }
func (n *Nodes) Validate() *Validate { return NewValidate(check{n}) }
func (n *Nodes) Big() *Big           { return NewBig(grow{n}) }

// Register registers every flow of e2eflow.pico with w, run by n's nodes:
// Loop with [LoopOptions], the others with none.
func Register(w pftemporal.Registry, n *Nodes) error {
	for _, err := range []error{
		RegisterLoop(w, n.Loop(), LoopOptions()...),
		RegisterApproval(w, n.Approval()),
		RegisterFanout(w, n.Fanout()),
		RegisterValidate(w, n.Validate()),
		RegisterBig(w, n.Big()),
	} {
		if err != nil {
			return fmt.Errorf("e2eflow: %w", err)
		}
	}
	return nil
}

// RegisterWorkflows registers every flow's workflow alone with w, with the
// options of [Register]: for a worker.WorkflowReplayer.
func RegisterWorkflows(w pftemporal.WorkflowRegistry) {
	RegisterLoopWorkflow(w, LoopOptions()...)
	RegisterApprovalWorkflow(w)
	RegisterFanoutWorkflow(w)
	RegisterValidateWorkflow(w)
	RegisterBigWorkflow(w)
}
