package temporal

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/digital-duck/picoflow-go/runtime"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// SupportPackageIsVersion1 is referred to by every file that
// `picoflow generate -temporal` writes, so that one written for another
// version of this package fails to build with a message that says to
// generate it again.
const SupportPackageIsVersion1 = true

// Flow is the table of a flow that its workflow drives, as a generated
// X.temporal.go declares it: the same rows as the flow's in-process table
// (runtime.Flow), with what the workflow needs to know of each node to run
// its phases as activities. The workflow code is this package's; only
// the activities run user code.
type Flow[S any] struct {
	Name     string
	MaxSteps int
	// Copy and Merge are the in-process table's: a parallel group's
	// members each get a copy of the store, merged when they have all
	// finished. Merge is nil for a flow without groups.
	Copy    func(s, dst *S)
	Merge   func(s *S, j *runtime.Join[S]) error
	Members []Member[S]
}

// Member is a row of a [Flow]: a node, a subflow or a parallel group.
type Member[S any] struct {
	Name string
	// Prep is set when the node's Prep runs as an activity of its own,
	// before its Exec or its wait for an answer. A node with neither runs
	// its Prep (if it has one) in the activity of its Post.
	Prep bool
	// Exec is set for a node with an Exec, run as an activity with Policy
	// (once per element of Prep's slice for a Batch node). Fallback: after
	// the last attempt fails, the node's ExecFallback runs as an activity.
	Exec     bool
	Policy   runtime.Policy
	Batch    bool
	Fallback bool
	// Await is set for a node that waits for an answer: an Update of the
	// workflow named after the node (see [Run.Answer]).
	Await bool
	// Actions name the member's actions by value from 1, and Routes holds
	// the row each goes to (negative: the flow ends; for a subflow with
	// outcome -Routes[i]), as in the in-process table.
	Actions []string
	Routes  []int
	// Subflow is the table of a member that is a flow, run inline: its
	// steps are the workflow's and its activities are named under it.
	Subflow *Flow[S]
	// Group holds, for a parallel group, its members' rows, and Next the
	// row it goes to (-1: the flow ends).
	Group []int
	Next  int
}

// Input is what a flow's workflow is started with: the store, and after
// a Continue-As-New where the run goes on.
type Input[S any] struct {
	Store *S `json:"store"`
	// At holds, for a run continued as new, the row to run next in the
	// flow and in each subflow below it; Steps the steps taken so far.
	At    []int `json:"at,omitempty"`
	Steps int   `json:"steps,omitempty"`
}

// Waiting is what the query QueryWaiting answers for a run that waits at
// an await node (nil when it waits for nothing): the node, its step and
// Prep's value, the question put to whoever answers, as JSON.
type Waiting struct {
	Flow     string          `json:"flow"`
	Node     string          `json:"node"`
	Step     int             `json:"step"`
	Question json.RawMessage `json:"question"`
}

// The queries every flow's workflow answers.
const (
	QueryWaiting = "picoflow.waiting" // *Waiting
	QueryStore   = "picoflow.store"   // the store after the last completed step
)

// state is the state of one workflow run of a flow: the steps, counted at
// the root for subflows and parallel members alike (workflow coroutines
// take turns, so none needs a lock), and the wait of an await node.
type state struct {
	cfg      config
	steps    int
	maxSteps int
	// ran counts the steps of this run of the workflow, since it began or
	// continued as new: the first never continues as new again.
	ran     int
	waiting *Waiting
	answer  json.RawMessage
	// taskBytes counts the bytes of local activity results recorded in
	// the current workflow task, and inflight reserves MaxJSON for each
	// one running (see local).
	taskBytes, inflight int
}

// WorkflowRegistry is where a flow's workflow is registered: a
// worker.Worker, a worker.WorkflowReplayer, or the test environment of
// go.temporal.io/sdk/testsuite.
type WorkflowRegistry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// Register registers fl's workflow with w under fl's name, run with opts.
// The generated Register<Flow> calls it and registers the activities.
func (fl *Flow[S]) Register(w WorkflowRegistry, opts []Option) {
	cfg := newConfig(opts)
	w.RegisterWorkflowWithOptions(func(ctx workflow.Context, in Input[S]) (*S, error) {
		return fl.workflow(ctx, cfg, in)
	}, workflow.RegisterOptions{Name: fl.Name})
}

// workflow is the flow's workflow function.
func (fl *Flow[S]) workflow(ctx workflow.Context, cfg config, in Input[S]) (*S, error) {
	s := in.Store
	if s == nil {
		// Started with the store itself, say, rather than an Input: an
		// empty store would run without the .pico's defaults.
		return nil, temporal.NewNonRetryableApplicationError("flow "+fl.Name+" was started without a store: start it with Start"+fl.Name+", whose input is a pftemporal.Input", errNoStore, nil)
	}
	st := &state{cfg: cfg, steps: in.Steps, maxSteps: fl.MaxSteps}
	if cfg.maxSteps != nil {
		st.maxSteps = *cfg.maxSteps
	}
	if err := workflow.SetQueryHandler(ctx, QueryWaiting, func() (*Waiting, error) { return st.waiting, nil }); err != nil {
		return nil, err
	}
	if err := workflow.SetQueryHandler(ctx, QueryStore, func() (*S, error) { return s, nil }); err != nil {
		return nil, err
	}
	for _, node := range fl.awaits(nil) {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, node, func(ctx workflow.Context, a Value[json.RawMessage]) error {
			st.answer = a.Value
			return nil
		}, workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, a Value[json.RawMessage]) error {
			if st.waiting == nil || st.waiting.Node != node || st.answer != nil {
				return temporal.NewNonRetryableApplicationError("flow "+fl.Name+" is not waiting at "+node, errNotWaiting, nil)
			}
			return nil
		}}); err != nil {
			return nil, err
		}
	}
	_, err := fl.drive(ctx, st, fl.Name+".", s, in.At, false)
	var more *continueAt
	switch {
	case err == nil:
		return s, nil
	case errors.As(err, &more):
		// An Update handler may still be running: let it finish first.
		if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
			return nil, err
		}
		return nil, workflow.NewContinueAsNewError(ctx, fl.Name, Input[S]{Store: s, At: more.at, Steps: st.steps})
	}
	return nil, failure(err)
}

// awaits appends the await nodes that fl reaches, itself or in subflows,
// each once, in table order (workflow code must not range over maps).
func (fl *Flow[S]) awaits(out []string) []string {
	for i := range fl.Members {
		m := &fl.Members[i]
		if m.Await && !slices.Contains(out, m.Name) {
			out = append(out, m.Name)
		}
		if m.Subflow != nil {
			out = m.Subflow.awaits(out)
		}
	}
	return out
}

// continueAt is the error by which a flow asks the flows above it to
// continue as new: at holds the rows to go on from, outermost first.
type continueAt struct{ at []int }

func (c *continueAt) Error() string { return "continue as new" }

// drive runs fl on s from its start, or from the rows at (a continued
// run), until it ends, and returns its outcome (for a subflow: the value
// of the action of its edge into end). prefix names fl's activities
// ("Support." or "Support.Research."). A member of a parallel group
// never continues as new: its siblings' places could not be kept.
func (fl *Flow[S]) drive(ctx workflow.Context, st *state, prefix string, s *S, at []int, member bool) (int, error) {
	i := 0
	if len(at) > 0 {
		i, at = at[0], at[1:]
		if i < 0 || i >= len(fl.Members) {
			return 0, temporal.NewNonRetryableApplicationError(fmt.Sprintf("flow %s has no row %d to continue at: the run was continued by another version of the flow", fl.Name, i), errNodeType, nil)
		}
	}
	for {
		m := &fl.Members[i]
		if m.Subflow == nil && !member && st.continueNow(ctx) {
			return 0, &continueAt{at: []int{i}}
		}
		var next int
		switch {
		case m.Group != nil:
			if err := fl.group(ctx, st, prefix, s, m); err != nil {
				return 0, err
			}
			next = m.Next
		case m.Subflow != nil:
			outcome, err := m.Subflow.drive(ctx, st, prefix+m.Name+".", s, at, member)
			var more *continueAt
			if errors.As(err, &more) {
				more.at = append([]int{i}, more.at...)
				return 0, more
			}
			if err != nil {
				return 0, err
			}
			if next, err = fl.route(st, m, outcome); err != nil {
				return 0, err
			}
		default:
			action, err := fl.node(ctx, st, prefix, s, m)
			if err != nil {
				return 0, err
			}
			if next, err = fl.route(st, m, action); err != nil {
				return 0, err
			}
		}
		at = nil
		if next < 0 {
			return -next, nil
		}
		i = next
	}
}

// continueNow tells whether the run should continue as new before its
// next step: Temporal suggests it (the history grows large), or this run
// of the workflow has taken the steps the options allow.
func (st *state) continueNow(ctx workflow.Context) bool {
	if st.ran == 0 {
		return false
	}
	return workflow.GetInfo(ctx).GetContinueAsNewSuggested() || st.ran >= st.cfg.continueAfter
}

// route returns the row that action (1 and up; 0 for a terminal node) of
// m goes to, negative when the flow ends.
func (fl *Flow[S]) route(st *state, m *Member[S], action int) (int, error) {
	if len(m.Routes) == 0 && action == 0 {
		return -1, nil
	}
	if action < 1 || action > len(m.Routes) {
		return 0, &stepError{flow: fl.Name, node: m.Name, step: st.steps, phase: runtime.PhasePost,
			text: runtime.ErrBadAction.Error() + " " + strconv.Itoa(action) + ": not one of the node's actions (" + strings.Join(m.Actions, ", ") + ")"}
	}
	return m.Routes[action-1], nil
}

// begin counts a step of node in flow against max_steps.
func (st *state) begin(flow, node string) error {
	if st.maxSteps > 0 && st.steps >= st.maxSteps {
		return &stepError{flow: flow, node: node, step: st.steps + 1, maxSteps: st.maxSteps}
	}
	st.steps++
	st.ran++
	return nil
}
