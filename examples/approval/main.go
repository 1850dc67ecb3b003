// Command approval writes a draft and stops to ask a person to approve it;
// a later run with the answer continues from the checkpoint, in a new
// process, as a person answering days later would:
//
//	go run ./examples/approval              # writes draft 1, prints it and how to answer
//	go run ./examples/approval -answer no   # writes draft 2 and asks again
//	go run ./examples/approval -answer yes  # publishes draft 2
//
//	go run ./examples/approval -db runs.db              # as above, with the run log runs.db
//	go run ./examples/approval -db runs.db -answer yes  # then: picoflow runs -db runs.db
//
// A run without -answer starts a new post. Without -db, checkpoints go to
// -dir, by default picoflow-approval in the system's temporary directory,
// and -answer answers the run of the latest checkpoint there. With -db FILE
// the run log at FILE (a SQLite database, see runtime/runlog) records the
// runs, where picoflow runs and picoflow monitor show them, and holds their
// checkpoints in place of -dir: -answer answers the newest run of the flow
// waiting there.
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
	"github.com/digital-duck/picoflow-go/runtime/runlog"
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
// the latest run waits for. Without db the checkpoints are files in dir;
// with db the run log at db records the runs and holds their checkpoints.
// It prints what happened on out.
func run(ctx context.Context, out io.Writer, dir, db, answer string) error {
	if answer != "" && answer != "yes" && answer != "no" {
		return fmt.Errorf("-answer %q: want yes or no", answer)
	}
	flow := NewApproval(write{}, review{}, publish{})
	// Where the checkpoints go, and how the next process finds the run
	// waiting for an answer: the latest checkpoint in dir, or, with db,
	// the newest waiting run in the log. The log's Options include its
	// own WithCheckpoints, so runtime.Dir is not passed then.
	where, again := dir, "-dir "+dir
	opts := []runtime.Option{runtime.WithCheckpoints(runtime.Dir(dir))}
	latest := func() (*runtime.Checkpoint, error) { return runtime.LatestCheckpoint(dir) }
	if db != "" {
		runLog, err := runlog.Open(db)
		if err != nil {
			return err
		}
		defer runLog.Close()
		where, again = db, "-db "+db
		opts = runLog.Options()
		latest = func() (*runtime.Checkpoint, error) {
			waiting, err := runLog.Runs(runlog.Filter{Flow: "Approval", Status: runlog.StatusWaiting, Limit: 1})
			if err != nil {
				return nil, err
			}
			if len(waiting) == 0 {
				return nil, errors.New("the log has no waiting run of Approval")
			}
			return runLog.Latest(waiting[0].ID)
		}
	}
	s := NewPost()
	var err error
	switch answer {
	case "":
		err = flow.Run(ctx, s, opts...)
	case "yes", "no":
		cp, lerr := latest()
		if lerr != nil {
			return fmt.Errorf("no run waits for an answer in %s: %w", where, lerr)
		}
		err = flow.ResumeReview(ctx, s, cp, answer == "yes", opts...)
	}
	var in *runtime.Interrupt
	switch {
	case errors.As(err, &in):
		_, err = fmt.Fprintf(out, "waiting for a decision on %q\nanswer with: go run ./examples/approval %s -answer yes (or no)\n", in.Question, again)
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
	db := flag.String("db", "", "record the runs in the run log `FILE` (see picoflow runs and picoflow monitor), which then holds the checkpoints in place of -dir")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *dir, *db, *answer); err != nil {
		fmt.Fprintln(os.Stderr, "approval:", err)
		os.Exit(1)
	}
}
