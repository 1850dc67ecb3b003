package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
)

// durabilityEnv tells a re-executed test binary to be the child of
// TestDurabilityKill: "MODE STEP STUCK DIR" runs the flow with checkpoints
// into DIR in that mode, with the save of step STUCK (0: none) never
// returning, and stops for good when step STEP begins, after printing
// "reached STEP".
const durabilityEnv = "PICOFLOW_DURABILITY"

var modes = map[string]runtime.Durability{"sync": runtime.DurabilitySync, "async": runtime.DurabilityAsync, "exit": runtime.DurabilityExit}

// stuckSave is Dir whose save of one step never returns, as a disk that
// hangs would.
type stuckSave struct {
	runtime.Checkpointer
	step int
}

func (c stuckSave) Save(ctx context.Context, cp *runtime.Checkpoint) error {
	if cp.Step == c.step {
		select {}
	}
	return c.Checkpointer.Save(ctx, cp)
}

// TestDurabilityChild is the child process; it does nothing in a normal run.
func TestDurabilityChild(t *testing.T) {
	args := strings.Fields(os.Getenv(durabilityEnv))
	if len(args) != 4 {
		t.Skip("runs only as the child of TestDurabilityKill")
	}
	step, _ := strconv.Atoi(args[1])
	stuck, _ := strconv.Atoi(args[2])
	hooks := runtime.Hooks{NodeStart: func(e runtime.NodeEvent) {
		if e.Step == step {
			fmt.Printf("reached %d\n", step)
			select {} // the step in flight when the parent kills
		}
	}}
	err := crashFlow().Run(context.Background(), crashStore(),
		runtime.WithCheckpoints(stuckSave{runtime.Dir(args[3]), stuck}), runtime.WithDurability(modes[args[0]]), runtime.WithHooks(hooks))
	t.Fatalf("the run returned (%v); it should have been killed", err)
}

// TestDurabilityKill kills a run with SIGKILL while step 9 is in flight and
// checks what each durability mode promises to have on disk, then that the
// run resumed from there (or started again) ends as an uninterrupted one.
func TestDurabilityKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	want := crashStore()
	if err := crashFlow().Run(context.Background(), want); err != nil {
		t.Fatal(err)
	}
	const step = 9
	for _, tc := range []struct {
		mode   string
		stuck  int   // the step whose save never returns
		latest []int // the steps whose checkpoint may be the latest on disk; none: no checkpoint
	}{
		// The checkpoint of step 8 was saved before step 9 began.
		{"sync", 0, []int{step - 1}},
		// Step 8's save runs while step 9 does: it may or may not be done.
		{"async", 0, []int{step - 2, step - 1}},
		// Step 9 runs although step 8's save has not returned: step 7's is
		// the latest, and nothing older is lost.
		{"async", step - 1, []int{step - 2}},
		// Nothing is saved before the run stops.
		{"exit", 0, nil},
	} {
		name := fmt.Sprintf("%s_stuck%d", tc.mode, tc.stuck)
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestDurabilityChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d %d %s", durabilityEnv, tc.mode, step, tc.stuck, dir))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		reached := make(chan string, 1)
		go func() {
			line, _ := bufio.NewReader(out).ReadString('\n')
			reached <- line
		}()
		select {
		case line := <-reached:
			if line != fmt.Sprintf("reached %d\n", step) {
				t.Fatalf("%s: the child printed %q", name, line)
			}
		case <-time.After(time.Minute):
			t.Fatalf("%s: the child did not reach step %d", name, step)
		}
		if err := cmd.Process.Signal(os.Kill); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()

		got := &Counter{}
		cp, err := runtime.LatestCheckpoint(dir)
		switch {
		case tc.latest == nil:
			if !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("%s: latest checkpoint %+v, %v; want none", name, cp, err)
			}
			got = crashStore()
			err = crashFlow().Run(context.Background(), got)
		case err != nil:
			t.Fatalf("%s: latest checkpoint does not load: %v", name, err)
		default:
			if !slices.Contains(tc.latest, cp.Step) {
				t.Fatalf("%s: the latest checkpoint is of step %d, want one of %v", name, cp.Step, tc.latest)
			}
			err = crashFlow().Resume(context.Background(), got, cp)
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: ended with count %d, want %d", name, got.Count, want.Count)
		}
	}
}
