package bench

import (
	"context"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
)

// crashDirEnv tells a re-executed test binary to be the child that runs the
// flow with checkpoints into that directory until it is killed.
const crashDirEnv = "PICOFLOW_CRASH_DIR"

// crashRounds makes the child's run long enough (2*crashRounds steps, each
// saving a 10 KB checkpoint with fsync) to be killed part-way through.
const crashRounds = 2000

func crashStore() *Counter { return &Counter{Payload: strings.Repeat("p", 10<<10)} }

func crashFlow() *Count { return &Count{Tick: tick{}, Check: check{limit: crashRounds}} }

// TestCrashChild is the child process; it does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("runs only as the child of TestCrashResume")
	}
	if err := crashFlow().Run(context.Background(), crashStore(), runtime.WithCheckpoints(runtime.Dir(dir))); err != nil {
		t.Fatal(err)
	}
}

// TestCrashResume kills a checkpointing run with SIGKILL at random moments.
// Every time, the latest checkpoint must load, and resuming from it must end
// in the same store as a run that was never interrupted.
func TestCrashResume(t *testing.T) {
	if testing.Short() {
		t.Skip("starts many processes")
	}
	want := crashStore()
	if err := crashFlow().Run(context.Background(), want); err != nil {
		t.Fatal(err)
	}
	trials := 25
	resumed := 0
	for i := range trials {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill somewhere between process start-up and the end of the run.
		time.Sleep(time.Duration(rand.IntN(400)) * time.Millisecond)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()

		got := &Counter{}
		cp, err := runtime.LatestCheckpoint(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			// Killed before the first step finished: start again.
			got = crashStore()
			err = crashFlow().Run(context.Background(), got)
		case err != nil:
			t.Fatalf("trial %d: latest checkpoint does not load: %v", i, err)
		default:
			resumed++
			err = crashFlow().Resume(context.Background(), got, cp)
		}
		if err != nil {
			t.Fatalf("trial %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("trial %d: ended with count %d and a %d-byte payload, want %d and %d", i, got.Count, len(got.Payload), want.Count, len(want.Payload))
		}
	}
	if resumed < trials/2 {
		t.Errorf("only %d of %d trials were killed after a checkpoint; the test is not exercising resume", resumed, trials)
	}
}

// shareDirEnv tells a re-executed test binary to run a short checkpointed
// flow into that directory, for TestTwoProcessesOneDirectory.
const shareDirEnv = "PICOFLOW_SHARE_DIR"

// TestShareChild is the child process; it does nothing in a normal run.
func TestShareChild(t *testing.T) {
	dir := os.Getenv(shareDirEnv)
	if dir == "" {
		t.Skip("runs only as the child of TestTwoProcessesOneDirectory")
	}
	f := &Count{Tick: tick{}, Check: check{limit: 60}}
	if err := f.Run(context.Background(), crashStore(), runtime.WithCheckpoints(runtime.Dir(dir))); err != nil {
		t.Fatal(err)
	}
}

// Two processes checkpointing into one directory at once never disturb
// each other: each run has its own directory there, and each ends with its
// 120 checkpoints whole.
func TestTwoProcessesOneDirectory(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	var cmds []*exec.Cmd
	for range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestShareChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), shareDirEnv+"="+dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("a child failed: %v", err)
		}
	}
	runs, err := os.ReadDir(dir)
	if err != nil || len(runs) != 2 {
		t.Fatalf("%d run directories (%v), want 2", len(runs), err)
	}
	for _, run := range runs {
		cp, err := runtime.RunCheckpoint(dir, run.Name())
		if err != nil || cp.Step != 120 || cp.Next != "" {
			t.Errorf("run %s: %+v, %v; want it finished after 120 steps", run.Name(), cp, err)
		}
		files, _ := os.ReadDir(filepath.Join(dir, run.Name()))
		if len(files) != 120 {
			t.Errorf("run %s: %d files, want 120", run.Name(), len(files))
		}
	}
}
