package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Flow describes one generated flow to the runtime: a table of its members,
// in the order of the .pico, whose Step funcs the runtime calls in turn. F
// is a pointer to the flow's struct, S the store's struct: with a pointer
// for F, every flow shares one instance of the runtime's generic code,
// whatever its members.
// Generated code declares one per flow, as a package variable, and its Run
// and Resume methods call the Flow's; users never touch it.
//
// The table is why the generated code of a flow grows by a constant amount
// per member: each member is one small method and one row, and the loop
// that drives them is here, once, rather than one function with a case per
// member, whose compile time grows faster than the flow.
type Flow[F comparable, S any] struct {
	Name     string
	Schema   string         // the fingerprint of the store's fields, for checkpoints
	MaxSteps int            // the flow's max_steps; <= 0: no limit
	Members  []Member[F, S] // the first is the start

	// Copy copies the store s into dst deeply: no change made in place to
	// one shows in the other. It takes the StoreWrite snapshot before a
	// step, after which Report fires StoreWrite for every field that
	// differs from it (only when some set of hooks has StoreWrite), and
	// gives each member of a parallel group a store of its own.
	Copy   func(s, dst *S)
	Report func(s *S, r *Run, old *S)
	// Merge merges the stores of a parallel group's members into s, which
	// they began as copies of, field by field, or fails with a
	// *MergeError and leaves s as it was. Nil for a flow without groups.
	Merge func(s *S, j *Join[S]) error
	// Encode appends s to dst as json.Marshal encodes it, for checkpoints
	// (nil: json.Marshal); the generated one is faster on string fields.
	Encode func(s *S, dst []byte) ([]byte, error)
}

// Member is a row of a [Flow]: one node or subflow.
type Member[F comparable, S any] struct {
	Name string
	// Check returns an error wrapping [ErrNilNode] when f's field for the
	// member is nil (for a subflow: or one of the subflow's own).
	Check func(f F) error
	// Step runs the member on the run's store: for a node one step, for a
	// subflow its steps until it ends. It returns the index of the member
	// to run next, or, when the flow ends, a negative number: -1 for a
	// flow of its own, -outcome for a subflow. action is the value of the
	// action it took (0 for a terminal node), which names it in Actions.
	Step func(f F, ctx context.Context, r *Run, s *S) (next, action int, err error)
	// Actions are the names of the member's actions (a subflow's:
	// outcomes), by value from 1.
	Actions []string
	Subflow bool
	// Routes holds, per action, the row it goes to (negative: the flow
	// ends), for Graph; the Step does the routing. Graph is a subflow's.
	Routes []int
	Graph  func() *Graph
	// Group holds, for a parallel group, the indexes of its members' rows;
	// its Step is nil, and Next is the row it goes to (-1: the flow ends).
	// Its Name is its members' joined by "+": Web+Docs.
	Group []int
	Next  int
}

// Check returns the error of the first member of f that is nil, so that a
// half-wired flow fails before its first step.
func (fl *Flow[F, S]) Check(f F) error {
	for i := range fl.Members {
		// A group's row has no field of its own to check.
		if check := fl.Members[i].Check; check != nil {
			if err := check(f); err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckNested is the Check of a member that is flow fl: f, the member's
// field in flow, must be set, and so must every member of f.
func (fl *Flow[F, S]) CheckNested(f F, flow, member string) error {
	var unset F
	if f == unset {
		return MissingNode(flow, member)
	}
	return fl.Check(f)
}

// CheckNode is the Check of a member that is a node: node, the member's
// field in flow (an interface), must not be nil.
func CheckNode(node any, flow, member string) error {
	if node == nil {
		return MissingNode(flow, member)
	}
	return nil
}

// Run runs flow f on s from its start member: the generated Run method.
func (fl *Flow[F, S]) Run(ctx context.Context, f F, s *S, opts []Option) error {
	if err := fl.Check(f); err != nil {
		return err
	}
	return fl.run(ctx, start(ctx, fl.Name, fl.Schema, fl.MaxSteps, fl.Graph, opts), f, s)
}

// run drives the run r of f on s and ends it.
func (fl *Flow[F, S]) run(ctx context.Context, r *Run, f F, s *S) error {
	defer r.finishGoexit()
	_, err := fl.drive(r.context(ctx), r, f, s)
	return r.finish(err)
}

// restore begins a run of f that continues cp, and restores s from it; an
// error after the run began has ended it.
func (fl *Flow[F, S]) restore(ctx context.Context, f F, s *S, cp *Checkpoint, opts []Option) (*Run, error) {
	if err := fl.Check(f); err != nil {
		return nil, err
	}
	r, err := resume(ctx, cp, fl.Name, fl.Schema, fl.MaxSteps, fl.Graph, opts)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(cp.Store, s); err != nil {
		return nil, r.finish(fmt.Errorf("resume flow %s: store: %w", fl.Name, err))
	}
	return r, nil
}

// Resume continues a run of flow f from checkpoint cp: it restores s from
// cp.Store and runs from the member cp.Next names (a path such as
// "Research/Fetch" inside subflows), numbering steps on from cp.Step. When
// cp.Next is "" the run had finished: s gets its final store and no step
// runs. See [Checkpoint] for what is refused.
func (fl *Flow[F, S]) Resume(ctx context.Context, f F, s *S, cp *Checkpoint, opts []Option) error {
	r, err := fl.restore(ctx, f, s, cp, opts)
	if err != nil {
		return err
	}
	if cp.Next == "" {
		return r.finish(nil)
	}
	r.entry, r.resumeBatch = cp.Next, cp.Batch
	return fl.run(ctx, r, f, s)
}

// Nested runs flow f, member name of the flow that is running, as one
// member's step of it: its steps count in the same run, and its hooks and
// checkpoints are the run's. It returns the outcome that f ended with; the
// calling flow routes it and ends the step.
func (fl *Flow[F, S]) Nested(ctx context.Context, r *Run, f F, s *S, name string) (outcome int, err error) {
	// The path names a checkpoint's next node, and an await node's, from
	// the top-level flow.
	r.depth++
	r.path = append(r.path, name)
	outcome, err = fl.drive(ctx, r, f, s)
	r.depth--
	r.path = r.path[:len(r.path)-1]
	return outcome, err
}

// drive runs the members of fl from the start, or from where a resumed run
// stopped, until the flow ends or a step fails, and returns the outcome
// that the last member gave. A panic in node code fails the step that was
// running, as a *NodeError holding a *PanicError; one in a hook the step
// called fails the run with a *HookError.
func (fl *Flow[F, S]) drive(ctx context.Context, r *Run, f F, s *S) (outcome int, err error) {
	at := 0
	if r.entry != "" {
		if at, err = fl.entry(r); err != nil {
			return 0, err
		}
	}
	defer func() {
		if v := recover(); v != nil {
			err = r.recovered(fl.Name, fl.Members[at].Name, v)
		}
	}()
	if r.observed {
		return fl.driveObserved(ctx, r, f, s, &at)
	}
	// The loop a person would write: no hook, no checkpoint, no clock, and
	// the context asked before each step only if it can be canceled.
	if r.cancelable {
		for at >= 0 {
			if ctx.Err() != nil {
				return 0, r.refuse(ctx, fl.Name)
			}
			if at, err = fl.step(ctx, r, f, s, at); err != nil {
				return 0, err
			}
		}
		return -at, nil
	}
	for at >= 0 {
		if at, err = fl.step(ctx, r, f, s, at); err != nil {
			return 0, err
		}
	}
	return -at, nil
}

// step runs row at of the plain loop and returns the next.
func (fl *Flow[F, S]) step(ctx context.Context, r *Run, f F, s *S, at int) (next int, err error) {
	m := &fl.Members[at]
	if m.Step == nil {
		return fl.group(ctx, r, f, s, m)
	}
	next, _, err = m.Step(f, ctx, r, s)
	return next, err
}

// driveObserved is drive for a run with hooks or checkpoints: it snapshots
// the store around each step for StoreWrite, reports failures to NodeError
// and ends each step with its action and the member that runs next. *at is
// the member running, for drive's recover.
func (fl *Flow[F, S]) driveObserved(ctx context.Context, r *Run, f F, s *S, at *int) (int, error) {
	var old S // reused by every step: a snapshot costs no allocation of its own
	if r.cp != nil && fl.Encode != nil {
		r.encode = func(dst []byte) ([]byte, error) { return fl.Encode(s, dst) }
	}
	for {
		if r.cancelable && ctx.Err() != nil {
			return 0, r.refuse(ctx, fl.Name)
		}
		m := &fl.Members[*at]
		if !m.Subflow {
			// The step's hooks name it by these (a subflow's own loop
			// names its steps).
			r.cur, r.node = fl.Name, m.Name
		}
		// A subflow's own steps snapshot for themselves.
		watch := r.writes && !m.Subflow
		if watch {
			fl.Copy(s, &old)
		}
		next, a, err := fl.observedStep(ctx, r, f, s, m)
		if watch {
			// Reported even when the step failed: its writes happened.
			fl.Report(s, r, &old)
		}
		if err != nil {
			return 0, r.failed(err)
		}
		// A subflow's last step is ended by the flow that called it, which
		// knows the member that runs next.
		if r.ending && (next >= 0 || r.depth == 0) {
			to := ""
			if next >= 0 {
				to = fl.Members[next].Name
			}
			if m.Step == nil {
				// A group is no step: its members' steps were ended, and
				// its completion saves a checkpoint.
				r.ctx = ctx
				r.lap()
				err = r.save("", to, s)
			} else {
				err = r.end(m.action(a), to, s)
			}
			if err != nil {
				return 0, err
			}
		}
		if next < 0 {
			return -next, nil
		}
		*at = next
	}
}

// observedStep runs member m of an observed run: a group, or a step
// inside the run's interceptors, then fails it when an Emit hook panicked.
func (fl *Flow[F, S]) observedStep(ctx context.Context, r *Run, f F, s *S, m *Member[F, S]) (next, action int, err error) {
	switch {
	case m.Step == nil:
		// A group's members are intercepted one by one.
		next, err = fl.group(ctx, r, f, s, m)
	case len(r.interceptors) > 0 && !m.Subflow:
		next, action, err = r.intercept(ctx, fl.Name, m.Name, func(ctx context.Context) (int, int, error) { return m.Step(f, ctx, r, s) })
	default:
		next, action, err = m.Step(f, ctx, r, s)
	}
	if r.emits && err == nil {
		err = r.emitFailed()
	}
	return next, action, err
}

// action is the name of the member's action a ("" for none).
func (m *Member[F, S]) action(a int) string {
	if a > 0 {
		return m.Actions[a-1]
	}
	return ""
}

// entry takes the first member of r.entry, the path of the member a resumed
// run goes on from, and returns its index; the rest of the path is for the
// subflow that member is.
func (fl *Flow[F, S]) entry(r *Run) (int, error) {
	path := r.entry
	head, rest, _ := strings.Cut(path, "/")
	for i := range fl.Members {
		if m := &fl.Members[i]; m.Name == head && (rest == "" || m.Subflow) {
			r.entry = rest
			return i, nil
		}
	}
	r.entry = ""
	return 0, fmt.Errorf("flow %s has no node %q to run", fl.Name, path)
}
