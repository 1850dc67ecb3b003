package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digital-duck/picoflow-go/runtime"
	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

const wantResult = "50 items, chain lengths sum to 1066, longest: item 27 with 111 steps\n"

// crashDirEnv tells a re-executed test binary to be the child that runs
// the job with checkpoints into that directory and crashes after step 20.
const crashDirEnv = "PICOFLOW_RESUME_CRASH_DIR"

// crashDBEnv, with crashDirEnv, has the child keep its checkpoints in the
// run log at that path.
const crashDBEnv = "PICOFLOW_RESUME_CRASH_DB"

// runJob runs the job in-process and returns what it printed on stdout and
// on stderr, with dir written as DIR and db as DB.
func runJob(t *testing.T, o options) (out, log string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), &stdout, &stderr, o); err != nil {
		t.Fatal(err)
	}
	log = stderr.String()
	if o.db != "" {
		log = strings.ReplaceAll(log, o.db, "DB")
	}
	return stdout.String(), strings.ReplaceAll(log, o.dir, "DIR")
}

// onlyRun returns the one run in the log at db, failing unless it is the
// only one, of flow Collatz, with status and steps as given, and one row
// per step.
func onlyRun(t *testing.T, db, status string, steps int) runlog.Run {
	t.Helper()
	runLog, err := runlog.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer runLog.Close()
	runs, err := runLog.Runs(runlog.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Flow != "Collatz" || runs[0].Status != status || runs[0].Steps != steps {
		t.Fatalf("runs %+v, want one of Collatz, %s after %d steps", runs, status, steps)
	}
	rows, err := runLog.Steps(runs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != steps || rows[0].Node != "Process" || rows[steps-1].Step != steps {
		t.Fatalf("%d steps in the log, want %d", len(rows), steps)
	}
	return runs[0]
}

func checkpoints(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*", "step_*.json")) // one directory per run
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestUninterrupted(t *testing.T) {
	dir := t.TempDir()
	out, log := runJob(t, options{dir: dir})
	if out != wantResult {
		t.Errorf("printed %q, want %q", out, wantResult)
	}
	if want := "saving checkpoints in DIR\nran steps 1 to 51\n"; log != want {
		t.Errorf("logged %q, want %q", log, want)
	}
	if n := len(checkpoints(t, dir)); n != 51 {
		t.Errorf("%d checkpoints, want one per step: 51", n)
	}
}

// TestCrashChild is the child process; it does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("runs only as the child of TestCrashThenResume and TestCrashThenResumeFromRunLog")
	}
	err := run(context.Background(), os.Stdout, os.Stderr, options{dir: dir, db: os.Getenv(crashDBEnv), crashAfter: 20})
	t.Fatalf("run returned (error %v) instead of crashing after step 20", err)
}

// TestCrashThenResume crashes a run in a child process after step 20, then
// resumes it here: it runs the remaining steps and prints exactly what an
// uninterrupted run prints. Resuming once more runs no step.
func TestCrashThenResume(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("child ended with %v, want exit status 3\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	wantLog := "saving checkpoints in DIR\ncrashing after step 20; continue with -resume\n"
	if log := strings.ReplaceAll(stderr.String(), dir, "DIR"); stdout.Len() != 0 || log != wantLog {
		t.Errorf("child printed %q and logged %q, want nothing and %q", stdout.String(), log, wantLog)
	}

	cp, err := runtime.LatestCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Step != 20 || cp.Node != "Process" || cp.Next != "Process" || len(checkpoints(t, dir)) != 20 {
		t.Fatalf("latest checkpoint: step %d, node %q, next %q, of %d; want step 20 of Process, next Process, of 20",
			cp.Step, cp.Node, cp.Next, len(checkpoints(t, dir)))
	}

	out, log := runJob(t, options{dir: dir, resume: true})
	if out != wantResult {
		t.Errorf("resumed run printed %q, want the uninterrupted %q", out, wantResult)
	}
	if want := "resuming from DIR after step 20 (Process)\nran steps 21 to 51\n"; log != want {
		t.Errorf("resumed run logged %q, want %q", log, want)
	}
	if n := len(checkpoints(t, dir)); n != 51 {
		t.Errorf("%d checkpoints after resuming, want 51", n)
	}

	out, log = runJob(t, options{dir: dir, resume: true})
	if out != wantResult {
		t.Errorf("resuming the finished run printed %q, want %q", out, wantResult)
	}
	if want := "resuming from DIR after step 51 (Report)\nthe run had finished: no step ran\n"; log != want {
		t.Errorf("resuming the finished run logged %q, want %q", log, want)
	}
	if n := len(checkpoints(t, dir)); n != 51 {
		t.Errorf("%d checkpoints after resuming the finished run, want still 51", n)
	}
}

// TestRunLog: with -db the run is recorded in the run log, which holds the
// checkpoints: -dir stays empty, and a second invocation with -resume
// continues the same run from its latest checkpoint in the log.
func TestRunLog(t *testing.T) {
	o := options{dir: t.TempDir(), db: filepath.Join(t.TempDir(), "runs.db")}
	out, log := runJob(t, o)
	if want := "saving checkpoints in DB\nran steps 1 to 51\n"; out != wantResult || log != want {
		t.Errorf("printed %q and logged %q, want %q and %q", out, log, wantResult, want)
	}
	if files, _ := os.ReadDir(o.dir); len(files) != 0 {
		t.Errorf("-dir holds %d files; with -db the checkpoints go to the log", len(files))
	}
	done := onlyRun(t, o.db, runlog.StatusDone, 51)

	o.resume = true
	out, log = runJob(t, o)
	if want := "resuming from DB after step 51 (Report)\nthe run had finished: no step ran\n"; out != wantResult || log != want {
		t.Errorf("resuming printed %q and logged %q, want %q and %q", out, log, wantResult, want)
	}
	if again := onlyRun(t, o.db, runlog.StatusDone, 51); again.ID != done.ID {
		t.Errorf("resumed run %s, want %s", again.ID, done.ID)
	}
}

// TestCrashThenResumeFromRunLog: as TestCrashThenResume, with the
// checkpoints in a run log: the child's run, left running at step 20,
// goes on under its ID from its latest checkpoint in the log.
func TestCrashThenResumeFromRunLog(t *testing.T) {
	o := options{dir: t.TempDir(), db: filepath.Join(t.TempDir(), "runs.db"), resume: true}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+o.dir, crashDBEnv+"="+o.db)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("child ended with %v, want exit status 3\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	wantLog := "saving checkpoints in DB\ncrashing after step 20; continue with -resume\n"
	if log := strings.ReplaceAll(stderr.String(), o.db, "DB"); stdout.Len() != 0 || log != wantLog {
		t.Errorf("child printed %q and logged %q, want nothing and %q", stdout.String(), log, wantLog)
	}
	crashed := onlyRun(t, o.db, runlog.StatusRunning, 20)

	out, log := runJob(t, o)
	if want := "resuming from DB after step 20 (Process)\nran steps 21 to 51\n"; out != wantResult || log != want {
		t.Errorf("resumed run printed %q and logged %q, want %q and %q", out, log, wantResult, want)
	}
	if resumed := onlyRun(t, o.db, runlog.StatusDone, 51); resumed.ID != crashed.ID {
		t.Errorf("resumed run %s, want the crashed %s", resumed.ID, crashed.ID)
	}
}

func TestResumeWithoutCheckpointStartsAfresh(t *testing.T) {
	out, log := runJob(t, options{dir: t.TempDir(), resume: true})
	if out != wantResult {
		t.Errorf("printed %q, want %q", out, wantResult)
	}
	if want := "no checkpoint in DIR: starting afresh\nsaving checkpoints in DIR\nran steps 1 to 51\n"; log != want {
		t.Errorf("logged %q, want %q", log, want)
	}
}

func TestResumeWithoutRunInLogStartsAfresh(t *testing.T) {
	out, log := runJob(t, options{dir: t.TempDir(), db: filepath.Join(t.TempDir(), "runs.db"), resume: true})
	if want := "no checkpoint in DB: starting afresh\nsaving checkpoints in DB\nran steps 1 to 51\n"; out != wantResult || log != want {
		t.Errorf("printed %q and logged %q, want %q and %q", out, log, wantResult, want)
	}
}

// TestNewRunIsNotShadowed: a finished run's checkpoints, further along, do
// not pass for the latest of a new run that crashed: -resume continues the
// new one.
func TestNewRunIsNotShadowed(t *testing.T) {
	dir := t.TempDir()
	runJob(t, options{dir: dir})
	// A second run stops after step 5 (canceled here; a crash leaves the
	// same files).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := runtime.WithHooks(runtime.Hooks{NodeEnd: func(e runtime.NodeEvent) {
		if e.Step == 5 {
			cancel()
		}
	}})
	if err := NewCollatz(process{}, report{}).Run(ctx, NewJob(), runtime.WithCheckpoints(runtime.Dir(dir)), stop); !errors.Is(err, context.Canceled) {
		t.Fatalf("the second run: %v, want it canceled", err)
	}
	cp, err := runtime.LatestCheckpoint(dir)
	if err != nil || cp.Step != 5 {
		t.Fatalf("latest checkpoint %+v (err %v), want step 5 of the new run", cp, err)
	}
	out, log := runJob(t, options{dir: dir, resume: true})
	if want := "resuming from DIR after step 5 (Process)\nran steps 6 to 51\n"; out != wantResult || log != want {
		t.Errorf("printed %q and logged %q, want %q and %q", out, log, wantResult, want)
	}
}

func TestCanceledRunCanBeResumed(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Cancel from inside the run, once step 5 is saved.
	saver := runtime.Dir(dir)
	j := NewJob()
	err := (&Collatz{Process: process{}, Report: report{}}).Run(ctx, j,
		runtime.WithCheckpoints(saver),
		runtime.WithHooks(runtime.Hooks{NodeEnd: func(e runtime.NodeEvent) {
			if e.Step == 5 {
				cancel()
			}
		}}))
	if !errors.Is(err, context.Canceled) || j.Done != 5 {
		t.Fatalf("err = %v after %d items, want context.Canceled after 5", err, j.Done)
	}
	out, log := runJob(t, options{dir: dir, resume: true})
	if want := "resuming from DIR after step 5 (Process)\nran steps 6 to 51\n"; out != wantResult || log != want {
		t.Errorf("printed %q and logged %q, want %q and %q", out, log, wantResult, want)
	}
}
