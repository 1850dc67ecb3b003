// Command approval writes a draft and stops to ask a person to approve it;
// a later run with the answer continues from the checkpoint, in a new
// process, as a person answering days later would:
//
//	go run ./examples/approval              # writes draft 1, prints it and how to answer
//	go run ./examples/approval -answer no   # writes draft 2 and asks again
//	go run ./examples/approval -answer yes  # publishes draft 2
//
// Checkpoints go to -dir, by default picoflow-approval in the system's
// temporary directory; a run without -answer starts a new post.
package main

//go:generate go run github.com/digital-duck/picoflow-go/cmd/picoflow generate

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/digital-duck/picoflow-go/runtime"
)

type write struct{}

func (write) Prep(_ context.Context, s *Post) (string, error) { return s.Topic, nil }
func (write) Post(_ context.Context, s *Post, topic string) (WriteAction, error) {
	s.Drafts++
	s.Draft = fmt.Sprintf("%s, draft %d", topic, s.Drafts)
	return WriteNext, nil
}

type review struct{}

func (review) Prep(_ context.Context, s *Post) (string, error) { return s.Draft, nil }
func (review) Post(_ context.Context, _ *Post, _ string, yes bool) (ReviewAction, error) {
	if yes {
		return ReviewYes, nil
	}
	return ReviewNo, nil
}

type publish struct{}

func (publish) Prep(_ context.Context, s *Post) (string, error) { return s.Draft, nil }
func (publish) Post(_ context.Context, s *Post, draft string) error {
	s.Published = draft
	return nil
}

// run starts a post, or, with answer "yes" or "no", answers the question
// the latest run in dir waits for. It prints what happened on out.
func run(ctx context.Context, out io.Writer, dir, answer string) error {
	flow := NewApproval(write{}, review{}, publish{})
	opts := []runtime.Option{runtime.WithCheckpoints(runtime.Dir(dir))}
	s := NewPost()
	var err error
	switch answer {
	case "":
		err = flow.Run(ctx, s, opts...)
	case "yes", "no":
		cp, lerr := runtime.LatestCheckpoint(dir)
		if lerr != nil {
			return fmt.Errorf("no run waits for an answer in %s: %w", dir, lerr)
		}
		err = flow.ResumeReview(ctx, s, cp, answer == "yes", opts...)
	default:
		return fmt.Errorf("-answer %q: want yes or no", answer)
	}
	var in *runtime.Interrupt
	switch {
	case errors.As(err, &in):
		_, err = fmt.Fprintf(out, "waiting for a decision on %q\nanswer with: go run ./examples/approval -dir %s -answer yes (or no)\n", in.Question, dir)
		return err
	case err != nil:
		return err
	}
	_, err = fmt.Fprintf(out, "published %q after %d drafts\n", s.Published, s.Drafts)
	return err
}

func main() {
	dir := flag.String("dir", filepath.Join(os.TempDir(), "picoflow-approval"), "directory of the checkpoints")
	answer := flag.String("answer", "", "yes or no: the decision on the draft waiting for one")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *dir, *answer); err != nil {
		fmt.Fprintln(os.Stderr, "approval:", err)
		os.Exit(1)
	}
}
