package approval

import (
	"context"
	"errors"
	"testing"

	"github.com/digital-duck/picoflow-go/runtime"
)

func review(asked *int) *Review {
	return NewReview(write{}, approve{asked: asked}, publish{})
}

// interrupted returns the *runtime.Interrupt in err, failing the test when
// there is none.
func interrupted(t *testing.T, err error) *runtime.Interrupt {
	t.Helper()
	var in *runtime.Interrupt
	if !errors.As(err, &in) {
		t.Fatalf("got %v, want a *runtime.Interrupt", err)
	}
	return in
}

// A run stops at Approve; answered no, it writes again and stops again at
// the same node (a loop); answered yes from the saved checkpoint, in what
// could be another process, it publishes. The store ends as the same run
// answered in-process, and Prep runs once per question.
func TestAwaitLoopAndRestart(t *testing.T) {
	ctx, dir := context.Background(), t.TempDir()
	asked := 0
	s := NewDoc()
	err := review(&asked).Run(ctx, s, runtime.WithCheckpoints(runtime.Dir(dir)))
	in := interrupted(t, err)
	if in.Node != "Approve" || in.Step != 2 || in.Question != "draft 1" || in.Checkpoint.Await != "Approve" || asked != 1 {
		t.Fatalf("interrupt %+v after %d questions; want Approve at step 2 asking draft 1", in, asked)
	}
	if got, want := err.Error(), "flow Review: run "+in.RunID+" waits at node Approve (step 2) for an answer"; got != want {
		t.Errorf("error text %q, want %q", got, want)
	}

	// No: a second draft, a second question, at step 4.
	s = NewDoc()
	in = interrupted(t, review(&asked).ResumeApprove(ctx, s, in.Checkpoint, false, runtime.WithCheckpoints(runtime.Dir(dir))))
	if in.Step != 4 || in.Question != "draft 2" || asked != 2 {
		t.Fatalf("second interrupt %+v after %d questions; want step 4 asking draft 2", in, asked)
	}

	// A new process finds the run waiting on disk and answers yes.
	cp, err := runtime.LatestCheckpoint(dir)
	if err != nil || cp.Await != "Approve" || cp.Step != 3 {
		t.Fatalf("latest checkpoint %+v, %v; want the run waiting at Approve after step 3", cp, err)
	}
	resumed := NewDoc()
	steps := 0
	hooks := runtime.WithHooks(runtime.Hooks{FlowEnd: func(e runtime.FlowEvent) { steps = e.Steps }})
	if err := review(&asked).ResumeApprove(ctx, resumed, cp, true, hooks); err != nil {
		t.Fatal(err)
	}
	want := Doc{Drafts: 2, Draft: "draft 2", Published: "draft 2"}
	if *resumed != want || steps != 5 || asked != 2 {
		t.Errorf("store %+v after %d steps and %d questions, want %+v after 5 and 2", *resumed, steps, asked, want)
	}
}

// Inside a subflow the parent gets the method, and the checkpoint names
// the node by its path.
func TestAwaitInSubflow(t *testing.T) {
	ctx := context.Background()
	asked := 0
	desk := NewDesk(review(&asked), archive{})
	in := interrupted(t, desk.Run(ctx, NewDoc())) // no Checkpointer: the Interrupt carries the state
	if in.Checkpoint.Await != "Review/Approve" || in.Checkpoint.Next != "Review/Approve" {
		t.Fatalf("checkpoint waits at %q (next %q), want Review/Approve", in.Checkpoint.Await, in.Checkpoint.Next)
	}
	s := NewDoc()
	if err := desk.ResumeApprove(ctx, s, in.Checkpoint, true); err != nil || s.Published != "draft 1" {
		t.Errorf("got %v, published %q; want draft 1", err, s.Published)
	}
}

// A checkpoint that does not wait at the node is refused before anything
// runs.
func TestResumeAnswerRefuses(t *testing.T) {
	ctx, dir := context.Background(), t.TempDir()
	asked := 0
	s := NewDoc()
	in := interrupted(t, review(&asked).Run(ctx, s, runtime.WithCheckpoints(runtime.Dir(dir))))
	cp := *in.Checkpoint
	cp.Await = ""
	err := review(&asked).ResumeApprove(ctx, NewDoc(), &cp, true)
	if want := "resume flow Review at Approve: the checkpoint of step 1 does not wait for an answer"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	cp.Await = "Elsewhere"
	err = review(&asked).ResumeApprove(ctx, NewDoc(), &cp, true)
	if want := "resume flow Review at Approve: the checkpoint waits at Elsewhere, not Approve"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	// Resume without an answer asks again.
	in = interrupted(t, review(&asked).Resume(ctx, NewDoc(), in.Checkpoint))
	if in.Step != 2 || asked != 2 {
		t.Errorf("plain Resume: %+v after %d questions; want the question asked again at step 2", in, asked)
	}
}
