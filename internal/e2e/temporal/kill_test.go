package e2e_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/digital-duck/picoflow-go/internal/e2e/temporal/e2eflow"
	pftemporal "github.com/digital-duck/picoflow-go/runtime/temporal"
	enumspb "go.temporal.io/api/enums/v1"
)

// buildWorker builds the worker program into a temporary directory and
// returns its path.
func buildWorker(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "worker")
	start := time.Now()
	out, err := exec.Command("go", "build", "-o", bin, "./worker").CombinedOutput()
	if err != nil {
		t.Fatalf("go build ./worker: %v\n%s", err, out)
	}
	t.Logf("built the worker in %v", time.Since(start).Round(time.Millisecond))
	return bin
}

// worker is a worker process.
type workerProc struct {
	cmd *exec.Cmd
	log string
}

// startWorker starts the worker program bin on srv's address and
// namespace, its Work recording its Execs in execs; its output goes to
// name.log in dir. It is killed when t ends, if it still runs.
func startWorker(t *testing.T, bin, addr, namespace, execs, dir, name string) *workerProc {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	out, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-addr", addr, "-namespace", namespace, "-queue", queue, "-v")
	cmd.Env = append(os.Environ(), e2eflow.ExecsEnv+"="+execs)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	w := &workerProc{cmd: cmd, log: logPath}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("%s's output:\n%s", name, b)
		}
	})
	return w
}

// execs returns the step indexes recorded in the file path, in order.
func execs(t *testing.T, path string) []int {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		i, err := strconv.Atoi(sc.Text())
		if err != nil {
			t.Fatalf("%s: line %q", path, sc.Text())
		}
		out = append(out, i)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// seq returns the integers from..to.
func seq(from, to int) []int {
	var s []int
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// A worker process killed (SIGKILL) in the middle of a 20-step run of Loop
// loses nothing: a second worker goes on where it stopped, and the run
// ends with the store of an uninterrupted run. No Exec whose completion
// Temporal recorded runs again; the one in flight at the kill may have
// recorded its line before its completion reached Temporal, and then it
// runs again: the recorded Execs are 1..k, perhaps k once more, then
// k+1..20, where k is the number recorded at the kill.
//
// In "anywhere" the kill comes up to 100 ms after the kth line, at the
// end of Exec k or in Exec k+1 (each Exec takes 150 ms at least); in
// "recorded" Exec waits 400 ms after recording its line, the kill comes
// in that wait, and Exec k must run twice.
func TestKill(t *testing.T) {
	bin := buildWorker(t)
	t.Run("anywhere", func(t *testing.T) { testKill(t, bin, 0) })
	t.Run("recorded", func(t *testing.T) { testKill(t, bin, 400*time.Millisecond) })
}

func testKill(t *testing.T, bin string, linger time.Duration) {
	srv := newServer(t)
	c := srv.GetDefaultClient()
	dir := t.TempDir()
	file := filepath.Join(dir, "execs")
	addr, ns := srv.GetFrontendHostPort(), srv.GetDefaultNamespace()
	ctx := timeout(t, 3*time.Minute)
	t.Setenv(e2eflow.LingerEnv, linger.String())

	// The uninterrupted run, in process.
	want := e2eflow.NewJob()
	if err := (&e2eflow.Nodes{}).Loop().Run(ctx, want); err != nil {
		t.Fatal(err)
	}
	var wantLog []string
	for i := 1; i <= 20; i++ {
		wantLog = append(wantLog, fmt.Sprintf("step %d", i))
	}
	if want.Counter != 20 || !reflect.DeepEqual(want.Log, wantLog) {
		t.Fatalf("the uninterrupted run: %+v", want)
	}

	w1 := startWorker(t, bin, addr, ns, file, dir, "worker1")
	begun := time.Now()
	run, err := e2eflow.StartLoop(ctx, c, pftemporal.StartOptions{ID: "loop-kill", TaskQueue: queue}, e2eflow.NewJob())
	if err != nil {
		t.Fatal(err)
	}

	// Kill the worker once k Execs are recorded, k from 5 to 8, and up to
	// 100 ms later. unseen is the last time the kth line was not there.
	k := 5 + rand.IntN(4)
	later := rand.N(100 * time.Millisecond)
	unseen := time.Now()
	for len(execs(t, file)) < k {
		if time.Since(begun) > time.Minute {
			t.Fatalf("%d Execs recorded after a minute", len(execs(t, file)))
		}
		unseen = time.Now()
		time.Sleep(2 * time.Millisecond)
	}
	time.Sleep(later)
	if err := w1.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = w1.cmd.Wait()
	killed := time.Now()
	before := execs(t, file)
	if len(before) < k || !reflect.DeepEqual(before, seq(1, len(before))) {
		t.Fatalf("recorded at the kill: %v, want 1..%d or more", before, k)
	}
	// inWait: the kill came in Exec k's wait after its line, for sure.
	inWait := killed.Sub(unseen) < linger && len(before) == k
	if len(before) > k {
		// The test was slow to kill: Exec k+1 recorded its line too.
		t.Logf("recorded at the kill: %v, more than the %d waited for", before, k)
		k = len(before)
	}

	startWorker(t, bin, addr, ns, file, dir, "worker2")
	got, err := run.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("killed worker1 %v after the %dth Exec was recorded (at most %v), %v into the run; worker2 finished the run %v later",
		later.Round(time.Millisecond), k, killed.Sub(unseen).Round(time.Millisecond), killed.Sub(begun).Round(time.Millisecond), time.Since(killed).Round(time.Millisecond))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("store %+v,\nwant the uninterrupted run's %+v", got, want)
	}

	all := execs(t, file)
	counts := map[int]int{}
	for _, i := range all {
		counts[i]++
	}
	t.Logf("Execs recorded: %v", all)
	once := append(seq(1, k), seq(k+1, 20)...)
	twice := append(seq(1, k), seq(k, 20)...)
	switch {
	case reflect.DeepEqual(all, twice):
		t.Logf("Exec %d ran twice: it recorded its line, and the kill came before its completion reached Temporal", k)
	case inWait:
		t.Errorf("recorded Execs %v: the kill came in Exec %d's wait after its line, so it must have run again: want %v", all, k, twice)
	case reflect.DeepEqual(all, once):
		t.Logf("every Exec ran once: the kill came in Exec %d, before its line (or after Exec %d's completion was recorded)", k+1, k)
	default:
		t.Errorf("recorded Execs %v (per step %v): want 1..%d, then %d once more or not, then %d..20", all, counts, k, k, k+1)
	}

	// The run continued as new twice (after steps 8 and 16): three runs.
	runs := 0
	for id := run.RunID; id != ""; runs++ {
		h := history(ctx, t, c, run.ID, id)
		if runs == 0 && *update && linger == 0 {
			writeHistory(ctx, t, c, run.ID, id, "work")
		}
		last := h.Events[len(h.Events)-1]
		id = ""
		if last.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW {
			id = last.GetWorkflowExecutionContinuedAsNewEventAttributes().GetNewExecutionRunId()
		}
	}
	if runs != 3 {
		t.Errorf("the run took %d workflow runs, want 3 (continued as new after steps 8 and 16)", runs)
	}
}
