// Command resume runs a long flow with a checkpoint after every step, and
// continues it after a crash: it processes 50 items, one per step, then
// reports, 51 steps in all.
//
//	go run ./examples/resume -dir /tmp/cp -crash-after 20   # dies after step 20
//	go run ./examples/resume -dir /tmp/cp -resume           # runs steps 21 to 51, prints the result
//
//	go run ./examples/resume -db runs.db -crash-after 20    # as above, with the run log runs.db
//	go run ./examples/resume -db runs.db -resume            # then: picoflow runs -db runs.db
//
// The crash is an exit with status 3 (go run reports "exit status 3"). The
// resumed run prints the same result as one never interrupted; resuming a
// run that had finished prints its result again and runs no step. With
// -delay 200ms each item takes long enough to stop the run by hand, with
// Ctrl-C or kill -9, and -resume it: only the step in progress is lost.
//
// A run without -resume starts afresh. Without -db, checkpoints go to
// -dir, by default picoflow-resume in the system's temporary directory,
// each run's in a directory of its own named by its run ID, and -resume
// continues the most recently active run there. With -db FILE the run log
// at FILE (a SQLite database, see runtime/runlog) records the runs, where
// picoflow runs and picoflow monitor show them, and holds their
// checkpoints in place of -dir: -resume continues the newest run of the
// flow there, from its latest checkpoint in the log.
package main

//go:generate go run github.com/digital-duck/picoflow-go/cmd/picoflow generate

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

// process implements ProcessNode.
type process struct {
	delay time.Duration // how long each item takes, to leave time for a kill
}

func (process) Prep(_ context.Context, j *Job) (int, error) { return j.Done + 1, nil }

func (p process) Exec(ctx context.Context, n int) (int, error) {
	if p.delay > 0 {
		select {
		case <-time.After(p.delay):
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	return collatz(n), nil
}

// Post records the item as done in the same step that computed it: the
// checkpoint saved after this step holds both, so a resumed run neither
// skips the item nor processes it twice.
func (process) Post(_ context.Context, j *Job, n, length int) (ProcessAction, error) {
	j.Done = n
	j.Lengths = append(j.Lengths, length)
	if j.Done < j.Items {
		return ProcessMore, nil
	}
	return ProcessDone, nil
}

// collatz is the number of steps from n to 1, halving even numbers and
// taking odd ones to 3n+1.
func collatz(n int) int {
	steps := 0
	for ; n > 1; steps++ {
		if n%2 == 0 {
			n /= 2
		} else {
			n = 3*n + 1
		}
	}
	return steps
}

// report implements ReportNode.
type report struct{}

func (report) Prep(_ context.Context, j *Job) ([]int, error) { return j.Lengths, nil }

func (report) Exec(_ context.Context, lengths []int) (string, error) {
	sum, longest := 0, 0
	for i, l := range lengths {
		sum += l
		if l > lengths[longest] {
			longest = i
		}
	}
	return fmt.Sprintf("%d items, chain lengths sum to %d, longest: item %d with %d steps",
		len(lengths), sum, longest+1, lengths[longest]), nil
}

func (report) Post(_ context.Context, j *Job, _ []int, result string) error {
	j.Result = result
	return nil
}

// crashAfter saves checkpoints through Checkpointer and ends the process
// as soon as the one of step is on disk: no deferred call runs and nothing
// is flushed, as when the process is killed between two steps.
type crashAfter struct {
	runtime.Checkpointer
	step int
	log  io.Writer
}

func (c crashAfter) Save(ctx context.Context, cp *runtime.Checkpoint) error {
	if err := c.Checkpointer.Save(ctx, cp); err != nil {
		return err
	}
	if cp.Step == c.step {
		fmt.Fprintf(c.log, "crashing after step %d; continue with -resume\n", cp.Step)
		os.Exit(3)
	}
	return nil
}

// options are the command's flags.
type options struct {
	dir        string
	db         string // a run log, in place of dir
	resume     bool
	crashAfter int // 0: never
	delay      time.Duration
}

// run runs the job with checkpoints in o.dir, or, with o.db, in the run
// log at o.db, from the start or, with o.resume, from the latest checkpoint
// there. It prints the result on out and what it did on log.
func run(ctx context.Context, out, log io.Writer, o options) error {
	flow := NewCollatz(process{delay: o.delay}, report{})
	// Where the checkpoints go, and how -resume finds the latest: the
	// files in o.dir, or, with o.db, the newest run in the log. The log
	// is passed as its Options are, WithCheckpoints(runLog) and
	// WithHooks(runLog.Hooks()), but apart, so that crashAfter can wrap it.
	where := o.dir
	var saver runtime.Checkpointer = runtime.Dir(o.dir)
	var record []runtime.Option
	latest := func() (*runtime.Checkpoint, error) { return runtime.LatestCheckpoint(o.dir) }
	if o.db != "" {
		runLog, err := runlog.Open(o.db)
		if err != nil {
			return err
		}
		defer runLog.Close()
		where, saver = o.db, runLog
		record = []runtime.Option{runtime.WithHooks(runLog.Hooks())}
		latest = func() (*runtime.Checkpoint, error) {
			runs, err := runLog.Runs(runlog.Filter{Flow: "Collatz", Limit: 1})
			if err != nil {
				return nil, err
			}
			if len(runs) == 0 {
				return nil, fs.ErrNotExist
			}
			return runLog.Latest(runs[0].ID)
		}
	}
	if o.crashAfter > 0 {
		saver = crashAfter{saver, o.crashAfter, log}
	}
	// The steps this process ran, to tell a resumed run's share, and the
	// last one completed, whose checkpoint an interrupted run resumes from.
	first, last, completed := 0, 0, 0
	steps := runtime.Hooks{
		NodeStart: func(e runtime.NodeEvent) {
			if first == 0 {
				first = e.Step
			}
			last = e.Step
		},
		NodeEnd: func(e runtime.NodeEvent) { completed = e.Step },
	}
	opts := append([]runtime.Option{runtime.WithCheckpoints(saver), runtime.WithHooks(steps)}, record...)

	var cp *runtime.Checkpoint
	if o.resume {
		found, err := latest()
		switch {
		case errors.Is(err, fs.ErrNotExist):
			// Crashed before its first checkpoint, or never run: nothing to lose.
			fmt.Fprintf(log, "no checkpoint in %s: starting afresh\n", where)
		case err != nil:
			return err
		default:
			cp = found
		}
	}

	j := NewJob()
	var err error
	if cp != nil {
		fmt.Fprintf(log, "resuming from %s after step %d (%s)\n", where, cp.Step, cp.Node)
		completed = cp.Step
		err = flow.Resume(ctx, j, cp, opts...)
	} else {
		fmt.Fprintf(log, "saving checkpoints in %s\n", where)
		err = flow.Run(ctx, j, opts...)
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted after step %d; continue with -resume", completed)
	}
	if err != nil {
		return err
	}
	if first == 0 {
		fmt.Fprintln(log, "the run had finished: no step ran")
	} else {
		fmt.Fprintf(log, "ran steps %d to %d\n", first, last)
	}
	_, err = fmt.Fprintln(out, j.Result)
	return err
}

func main() {
	var o options
	flag.StringVar(&o.dir, "dir", filepath.Join(os.TempDir(), "picoflow-resume"), "directory of the checkpoints")
	flag.StringVar(&o.db, "db", "", "record the runs in the run log `FILE` (see picoflow runs and picoflow monitor), which then holds the checkpoints in place of -dir")
	flag.BoolVar(&o.resume, "resume", false, "continue from the latest checkpoint in -dir (or -db)")
	flag.IntVar(&o.crashAfter, "crash-after", 0, "exit with status 3 once step `N` is saved, as if killed")
	flag.DurationVar(&o.delay, "delay", 0, "time each item takes")
	flag.Parse()
	// Ctrl-C cancels the context: the run stops between steps, and the
	// checkpoints saved so far are there to resume from.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Stdout, os.Stderr, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "resume:", err)
		os.Exit(1)
	}
}
