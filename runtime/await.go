package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Interrupt is the error of a run that stopped at an await node to wait for
// an answer: errors.As finds it in the error a flow's Run, Resume or
// Resume<Node> returns. Question is the node's Prep value; Checkpoint is the
// run's state, to give the flow's Resume<Node> with the answer, in this
// process or another (it is also saved, first, when the run has
// checkpoints).
type Interrupt struct {
	Flow, RunID, Node string
	Step              int
	Question          any
	Checkpoint        *Checkpoint
}

func (e *Interrupt) Error() string {
	return fmt.Sprintf("flow %s: run %s waits at node %s (step %d) for an answer", e.Flow, e.RunID, e.Node, e.Step)
}

// Await stops the run at node of flow, which asks question (its Prep's
// value), and returns the *Interrupt for the step to return. The checkpoint
// it makes is that of the steps before: resumed with an answer, the run
// runs the node's Post as this same step. With checkpoints on it is saved
// before Await returns, whatever the run's Durability; a save error is
// returned instead.
func (r *Run) Await(flow, node string, question, store any) error {
	q, err := json.Marshal(question)
	if err != nil {
		return r.Fail(flow, node, fmt.Errorf("question: %w", err))
	}
	data, err := r.encodeStore(store)
	if err != nil {
		return r.Fail(flow, node, fmt.Errorf("store: %w", err))
	}
	if r.id == "" {
		r.id = newRunID() // a plain run names itself only when it must
	}
	cp := r.newCheckpoint(r.step-1, node, node, data)
	cp.Await, cp.Question = cp.Next, q
	if r.cp != nil {
		// This checkpoint supersedes any not saved yet: the store is the
		// same (Prep only reads it), and the question is new.
		if err := r.saves.wait(); err != nil {
			return err
		}
		r.saves.last = nil
		if err := saveErr(r.cp.Save(r.stepContext(), cp), cp); err != nil {
			return err
		}
	}
	return &Interrupt{Flow: r.flow, RunID: r.id, Node: node, Step: r.step, Question: question, Checkpoint: cp}
}

// Answer is called by the step of an await node first: when the run is
// resuming at it with an answer, it decodes the saved question into
// question (a pointer to the Prep type, or nil for a node without Prep),
// sets *answer and reports true, and the step goes on to Post; else it
// reports false, and the step runs Prep and stops with [Run.Await].
func Answer[A any](r *Run, question any, answer *A) (bool, error) {
	if !r.answering {
		return false, nil
	}
	r.answering = false
	a, ok := r.answer.(A)
	if !ok {
		return false, fmt.Errorf("the answer is a %T, not a %T", r.answer, *answer)
	}
	if question != nil && len(r.question) > 0 {
		if err := json.Unmarshal(r.question, question); err != nil {
			return false, fmt.Errorf("question: %w", err)
		}
	}
	*answer = a
	return true, nil
}

// ResumeAnswer continues a run of flow f that cp shows waiting at await
// node node (directly, or inside a subflow), giving that node's Post the
// answer: the generated Resume<Node>. A checkpoint that waits elsewhere, or
// does not wait, is refused before anything runs.
func (fl *Flow[F, S]) ResumeAnswer(ctx context.Context, f F, s *S, cp *Checkpoint, node string, answer any, opts []Option) error {
	if cp == nil {
		return fmt.Errorf("resume flow %s at %s: nil checkpoint", fl.Name, node)
	}
	waits := cp.Await
	if i := strings.LastIndexByte(waits, '/'); i >= 0 {
		waits = waits[i+1:]
	}
	switch {
	case cp.Await == "":
		return fmt.Errorf("resume flow %s at %s: the checkpoint of step %d does not wait for an answer", fl.Name, node, cp.Step)
	case waits != node:
		return fmt.Errorf("resume flow %s at %s: the checkpoint waits at %s, not %s", fl.Name, node, cp.Await, node)
	}
	r, err := fl.restore(ctx, f, s, cp, opts)
	if err != nil {
		return err
	}
	r.entry, r.answering, r.answer, r.question = cp.Await, true, answer, cp.Question
	return fl.run(ctx, r, f, s)
}
