package runtime

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"
)

// A parallel group runs its members, each a node or a subflow, at the same
// time, each on its own deep copy of the store, with a Run of its own (a
// member run) whose steps are the run's: they are numbered and limited by
// the root run under one lock, and their hooks are called one at a time.
// A member run saves no checkpoints (the group saves one when it
// completes: a resumed run begins the group again) and fires no
// StoreWrite (the group reports the merged changes once).

// errMemberGoexit fails a group whose member called runtime.Goexit.
var errMemberGoexit = errors.New("a parallel member called runtime.Goexit (t.FailNow or t.SkipNow in a test?)")

// fork is what the member runs of one parallel group share.
type fork struct {
	mu     sync.Mutex // serializes the members' hooks; guards first
	parent *Run
	// root is the run whose steps the members' are, and count the lock of
	// its count: the parent and counting, or for a group inside a member
	// of another group, that group's.
	root     *Run
	count    *sync.Mutex
	counting sync.Mutex
	cancel   context.CancelFunc
	// first is the error of the member that failed first, which cancels
	// the others; firstRun its run.
	first    error
	firstRun *Run
}

// groupState is what one run of a group needs besides its goroutines. A
// run keeps the last one (Run.group), so that a group in a loop reuses it
// rather than allocating it again each time.
type groupState[F comparable, S any] struct {
	row      *Member[F, S]
	fork     fork
	join     Join[S]
	hooks    []Hooks // the run's, each holding the fork's lock
	runs     []Run
	returned []bool
}

// groupState returns the state for a run of group row g of fl on r.
func (fl *Flow[F, S]) groupState(r *Run, g *Member[F, S]) *groupState[F, S] {
	if st, ok := r.group.(*groupState[F, S]); ok && st.row == g {
		st.fork.first, st.fork.firstRun = nil, nil
		clear(st.returned)
		return st
	}
	n := len(g.Group)
	st := &groupState[F, S]{row: g, runs: make([]Run, n), returned: make([]bool, n)}
	st.join = Join[S]{Stores: make([]S, n), Members: make([]string, n)}
	for i, row := range g.Group {
		st.join.Members[i] = fl.Members[row].Name
	}
	st.fork.parent, st.fork.root, st.fork.count = r, r, &st.fork.counting
	if r.fork != nil {
		st.fork.root, st.fork.count = r.fork.root, r.fork.count
	}
	st.hooks = st.fork.lockedHooks(r.hooks)
	r.group = st
	return st
}

// group runs group row g of fl: its members at once, each on a copy of s,
// then merges their stores into s and returns the row to run next. The
// first member to fail cancels the others, and the group fails with its
// error; a merge conflict fails it with a *NodeError holding a
// *MergeError, s left as it was.
func (fl *Flow[F, S]) group(ctx context.Context, r *Run, f F, s *S, g *Member[F, S]) (int, error) {
	st := fl.groupState(r, g)
	j, fk := &st.join, &st.fork
	for i := range g.Group {
		fl.Copy(s, &j.Stores[i])
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fk.cancel = cancel
	var wg sync.WaitGroup
	wg.Add(len(g.Group))
	for i, row := range g.Group {
		c := &st.runs[i]
		r.memberRun(c, fk, st.hooks)
		go func() {
			defer wg.Done()
			err := fl.member(c.context(ctx), c, f, &j.Stores[i], row)
			st.returned[i] = true // not reached when the member called Goexit
			if err != nil {
				fk.fail(c, err)
			}
		}()
	}
	wg.Wait()
	if r != fk.root {
		// r is itself a member's run: its steps so far are the root's.
		fk.count.Lock()
		r.step = fk.root.step
		fk.count.Unlock()
	}
	for i, ok := range st.returned {
		if !ok {
			c := &st.runs[i]
			fk.fail(c, &NodeError{Flow: fl.Name, Node: j.Members[i], Step: c.step, Phase: c.phase, Err: errMemberGoexit})
		}
	}
	if fk.first != nil {
		// The member's run fired NodeError for it already.
		if ne, ok := fk.first.(*NodeError); ok && ne == fk.firstRun.reported {
			r.reported = ne
		}
		return 0, fk.first
	}
	if err := fl.Merge(s, j); err != nil {
		return 0, &NodeError{Flow: fl.Name, Node: g.Name, Step: r.step, Phase: PhaseMerge, Err: err}
	}
	return g.Next, nil
}

// member runs row i of fl, a member of a parallel group, on run c to its
// end: one step for a node, the subflow's steps for a flow. It is the body
// of the observed loop for one step, less the checkpoint and StoreWrite.
func (fl *Flow[F, S]) member(ctx context.Context, c *Run, f F, s *S, i int) (err error) {
	m := &fl.Members[i]
	defer func() {
		if v := recover(); v != nil {
			err = c.recovered(fl.Name, m.Name, v)
		}
	}()
	if !c.observed {
		_, _, err = m.Step(f, ctx, c, s)
		return err
	}
	if !m.Subflow {
		c.cur, c.node = fl.Name, m.Name
	}
	_, a, err := fl.observedStep(ctx, c, f, s, m)
	if err != nil {
		return c.failed(err)
	}
	if c.ending {
		return c.end(m.action(a), "", s)
	}
	return nil
}

// memberRun makes c a member run of r for fork fk, with hooks, r's hooks
// made to run one at a time.
func (r *Run) memberRun(c *Run, fk *fork, hooks []Hooks) {
	*c = Run{
		fork:         fk,
		fast:         math.MinInt, // every Begin counts through the fork
		flow:         r.flow,
		schema:       r.schema,
		id:           r.id,
		cur:          r.cur,
		maxSteps:     r.maxSteps,
		limit:        math.MaxInt,
		hooks:        hooks,
		starts:       r.starts,
		ends:         r.ends,
		timed:        r.timed,
		emits:        r.emits,
		cancelable:   true,
		start:        r.start,
		policy:       r.policy,
		interceptors: r.interceptors,
	}
	c.observed = len(hooks) > 0 || c.policy != nil || len(c.interceptors) > 0
	c.ending = c.ends || c.timed
	if c.timed {
		c.began = time.Since(c.start)
	}
}

// begin counts member run c's next step as the root run's next, or
// refuses it as the root would: canceled, past max_steps or after a hook
// failed; or because another member failed.
func (fk *fork) begin(ctx context.Context, c *Run, flow string) error {
	fk.mu.Lock()
	failed := fk.first != nil
	fk.mu.Unlock()
	switch {
	case failed:
		return errGroupCanceled
	case ctx.Err() != nil:
		return c.refuse(ctx, flow)
	}
	fk.count.Lock()
	defer fk.count.Unlock()
	p := fk.root
	if p.hookErr != nil || p.step >= p.limit {
		return p.refuse(ctx, flow)
	}
	p.step++
	c.step = p.step
	return nil
}

// fail records err, the error of member run c, and cancels the other
// members when it is the first. A hook's failure is the whole run's.
func (fk *fork) fail(c *Run, err error) {
	fk.mu.Lock()
	if fk.first == nil {
		fk.first, fk.firstRun = err, c
		fk.cancel()
	}
	fk.mu.Unlock()
	var he *HookError
	if errors.As(err, &he) {
		fk.count.Lock()
		fk.root.hookFailed(err)
		fk.count.Unlock()
	}
}

// errGroupCanceled is the cause with which a group cancels its other
// members once one failed; their errors are not the group's.
var errGroupCanceled = errors.New("another member of the parallel group failed")

// lockedHooks returns hs with every func made to hold fk's lock: the
// members' hooks arrive one at a time, as a run's do.
func (fk *fork) lockedHooks(hs []Hooks) []Hooks {
	if len(hs) == 0 {
		return nil
	}
	out := make([]Hooks, len(hs))
	for i, h := range hs {
		out[i] = Hooks{
			NodeStart: locked(&fk.mu, h.NodeStart),
			NodeEnd:   locked(&fk.mu, h.NodeEnd),
			NodeError: locked(&fk.mu, h.NodeError),
			Retry:     locked(&fk.mu, h.Retry),
			Fallback:  locked(&fk.mu, h.Fallback),
			Emit:      locked(&fk.mu, h.Emit),
			// StoreWrite: the group reports the merged writes; FlowStart
			// and FlowEnd: the run's, not a member's.
		}
	}
	return out
}

func locked[E any](mu *sync.Mutex, f func(E)) func(E) {
	if f == nil {
		return nil
	}
	return func(e E) {
		mu.Lock()
		defer mu.Unlock()
		f(e)
	}
}
