package bench

import (
	"context"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
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
		if *got != *want {
			t.Fatalf("trial %d: ended with count %d and a %d-byte payload, want %d and %d", i, got.Count, len(got.Payload), want.Count, len(want.Payload))
		}
	}
	if resumed < trials/2 {
		t.Errorf("only %d of %d trials were killed after a checkpoint; the test is not exercising resume", resumed, trials)
	}
}
