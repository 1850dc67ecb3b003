//go:build linux

// Command measure times `picoflow generate` and `go build` of scale flows of
// the given sizes (see package scale) and prints a table: the measuring
// stick for issue 12's build targets.
//
//	go run ./internal/e2e/scale/measure -sizes 100,1000,10000 [-timeout 8m]
//
// Each size is built in one temporary module that requires this checkout
// through a replace directive, offline (GOPROXY=off, GOWORK=off,
// GOFLAGS=-mod=mod), with a build cache of its own: a warm-up build fills it
// with the standard library and the runtime, and every measured package
// carries a fresh nonce, so its compile and link are always cold and nothing
// else is rebuilt. Peak memory is the largest resident set of any one
// process of the build (the compiler, as a rule), from the kernel's rusage
// of the go command; a build that times out is killed with its process group
// and reports the most CPU time and memory seen while it ran.
//
// Columns: build s is the wall time of go build, build cpu s its user and
// system time with its children's (on a shared machine the steadier
// figure); compile s and link s are the wall times of the package's compile
// and link (from a -toolexec wrapper, which is this program), backend s the
// compiler's own be:compilefuncs time (SSA, register allocation, DWARF
// location lists; from -gcflags=-bench); compile MB and link MB their peak
// memory. -cpuprofile DIR adds a second build per size with
// -gcflags=-cpuprofile, for go tool pprof.
//
// Linux only: it reads /proc and the kernel's rusage in kilobytes.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/digital-duck/picoflow-go/internal/e2e/scale"
)

// toolLogEnv, when set, makes this program the -toolexec wrapper of a
// measured build: it runs the tool and appends its usage to the named file.
const toolLogEnv = "PICOFLOW_SCALE_TOOLLOG"

const modulePath = "github.com/digital-duck/picoflow-go"

func main() {
	if log := os.Getenv(toolLogEnv); log != "" && len(os.Args) > 1 && filepath.IsAbs(os.Args[1]) {
		os.Exit(toolexec(log, os.Args[1], os.Args[2:]))
	}
	sizes := flag.String("sizes", "100,1000,10000", "comma-separated flow sizes, in nodes")
	timeout := flag.Duration("timeout", 8*time.Minute, "bound of each generate and each build; a size that exceeds it stops the larger ones")
	work := flag.String("work", "", "work directory (default: a new temporary one, removed at the end unless -keep)")
	keep := flag.Bool("keep", false, "keep the work directory")
	gocache := flag.String("gocache", "", "GOCACHE of the measured builds (default: one in the work directory, warmed first)")
	profile := flag.String("cpuprofile", "", "directory to write a CPU profile of each size's compile into, from an extra build after the timed one")
	flag.Parse()
	var ns []int
	for _, f := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < scale.MinNodes {
			fatalf("-sizes: %q is not a number of nodes >= %d", f, scale.MinNodes)
		}
		ns = append(ns, n)
	}
	m := &measurer{timeout: *timeout, profile: *profile}
	if err := m.setup(*work, *gocache); err != nil {
		fatalf("%v", err)
	}
	if *keep || *work != "" {
		fmt.Fprintln(os.Stderr, "work directory:", m.work)
	} else {
		defer os.RemoveAll(m.work)
	}
	fmt.Printf("checkout %s, %s, %d CPUs, load average %s\n\n", m.commit, goruntime.Version(), goruntime.NumCPU(), loadavg())
	var results []*result
	stopAt := 0 // the smallest size that timed out
	for _, n := range ns {
		if stopAt > 0 && n >= stopAt {
			results = append(results, &result{nodes: n, status: "skipped"})
			continue
		}
		r := m.measure(n)
		if r.timedOut {
			stopAt = n
		}
		results = append(results, r)
	}
	printTable(results)
	fmt.Printf("\nload average at the end: %s\n", loadavg())
	if m.profile != "" {
		fmt.Printf("compile profiles in %s: go tool pprof -top FILE\n", m.profile)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "measure: "+format+"\n", args...)
	os.Exit(1)
}

type measurer struct {
	root, commit string
	work         string
	module       string // the temporary module's directory
	picoflow     string // the picoflow binary built from the checkout
	self         string // this program, the -toolexec wrapper
	env          []string
	timeout      time.Duration
	profile      string
	nonce        int
}

// setup finds the checkout, builds picoflow from it, makes the temporary
// module and warms its build cache.
func (m *measurer) setup(work, gocache string) error {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %v", err)
	}
	m.root = filepath.Dir(strings.TrimSpace(string(out)))
	if mod, err := os.ReadFile(filepath.Join(m.root, "go.mod")); err != nil || !bytes.HasPrefix(mod, []byte("module "+modulePath+"\n")) {
		return fmt.Errorf("run measure inside the %s checkout", modulePath)
	}
	m.commit = m.describe()
	if work == "" {
		if work, err = os.MkdirTemp("", "picoflow-scale-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	if m.work, err = filepath.Abs(work); err != nil {
		return err
	}
	if m.self, err = os.Executable(); err != nil {
		return err
	}
	if m.profile != "" {
		if m.profile, err = filepath.Abs(m.profile); err != nil {
			return err
		}
		if err := os.MkdirAll(m.profile, 0o755); err != nil {
			return err
		}
	}
	if gocache == "" {
		gocache = filepath.Join(m.work, "gocache")
	}
	if gocache, err = filepath.Abs(gocache); err != nil {
		return err
	}

	m.picoflow = filepath.Join(m.work, "picoflow")
	build := exec.Command("go", "build", "-o", m.picoflow, "./cmd/picoflow")
	build.Dir = m.root
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building picoflow: %v\n%s", err, out)
	}

	m.module = filepath.Join(m.work, "mod")
	if err := os.MkdirAll(m.module, 0o755); err != nil {
		return err
	}
	gomod := "module scalebench\n\ngo 1.24\n\nrequire " + modulePath + " v0.0.0\n\nreplace " + modulePath + " => " + m.root + "\n"
	if err := os.WriteFile(filepath.Join(m.module, "go.mod"), []byte(gomod), 0o644); err != nil {
		return err
	}
	sum, err := os.ReadFile(filepath.Join(m.root, "go.sum"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(m.module, "go.sum"), sum, 0o644); err != nil {
		return err
	}
	// GOTOOLCHAIN=local: the go.mod's version must never start a download.
	m.env = append(os.Environ(), "GOCACHE="+gocache, "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")

	// The warm-up: the smallest flow, built with the network the caller
	// allows, fills the module cache and the build cache with everything
	// but the measured package; from here on the network is off.
	fmt.Fprintln(os.Stderr, "warming up: building the standard library and the runtime into", gocache)
	dir, err := m.write(scale.MinNodes, "warm")
	if err != nil {
		return err
	}
	if u := m.run(m.module, m.env, m.picoflow, "generate", dir); u.err != nil {
		return fmt.Errorf("warm-up generate: %v\n%s", u.err, u.out)
	}
	if u := m.run(m.module, m.env, "go", "build", "-o", filepath.Join(m.work, "warm.bin"), "./warm"); u.err != nil {
		return fmt.Errorf("warm-up build: %v\n%s", u.err, u.out)
	}
	m.env = append(m.env, "GOPROXY=off")
	return nil
}

// describe names the checkout's commit, marked when the tree has changes,
// so that a table says which generated code it measured.
func (m *measurer) describe() string {
	out, err := exec.Command("git", "-C", m.root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "(unknown commit)"
	}
	commit := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", m.root, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		commit += "+changes"
	}
	return commit
}

// write writes the flow of n nodes as package dir of the module, with a
// nonce file that makes the package's compile and link miss the cache.
func (m *measurer) write(n int, dir string) (string, error) {
	dir = filepath.Join(m.module, dir)
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if err := scale.Write(dir, n); err != nil {
		return "", err
	}
	return dir, m.renonce(dir)
}

// renonce rewrites the nonce file. The nonce is a variable, not a comment,
// so that the compiled package differs too and the link is not cached.
func (m *measurer) renonce(dir string) error {
	m.nonce++
	src := fmt.Sprintf("package main\n\n// buildNonce makes this build miss the build cache.\nvar buildNonce = \"%d-%d\"\n", time.Now().UnixNano(), m.nonce)
	return os.WriteFile(filepath.Join(dir, "nonce.go"), []byte(src), 0o644)
}

type result struct {
	nodes, picoLines, genLines int
	gen, build, buildCPU       time.Duration
	compile, backend, link     time.Duration
	genMB, peakMB              float64
	compileMB, linkMB          float64
	timedOut                   bool
	bound                      time.Duration // the timeout, for the table's note
	status                     string        // "" when every step succeeded
}

func (m *measurer) measure(n int) *result {
	r := &result{nodes: n, bound: m.timeout}
	fmt.Fprintf(os.Stderr, "%d nodes: writing\n", n)
	pkg := fmt.Sprintf("n%d", n)
	dir, err := m.write(n, pkg)
	if err != nil {
		r.status = "write: " + err.Error()
		return r
	}
	r.picoLines = lines(filepath.Join(dir, scale.PicoFile))

	fmt.Fprintf(os.Stderr, "%d nodes: generate\n", n)
	u := m.run(m.module, m.env, m.picoflow, "generate", dir)
	r.gen, r.genMB = u.wall, mb(u.maxKB)
	if r.status = u.status("generate"); r.status != "" {
		r.timedOut = u.timedOut
		return r
	}
	r.genLines = lines(filepath.Join(dir, scale.PicoFile+".go"))

	fmt.Fprintf(os.Stderr, "%d nodes: go build (load average %s)\n", n, loadavg())
	toolLog := filepath.Join(m.work, pkg+".tools")
	bench := filepath.Join(m.work, pkg+".bench")
	os.Remove(toolLog)
	os.Remove(bench)
	bin := filepath.Join(m.work, pkg+".bin")
	// -bench makes the compiler append its phase times to a file: cheap
	// timers, no change to the code it compiles.
	u = m.run(m.module, append(slices.Clip(m.env), toolLogEnv+"="+toolLog),
		"go", "build", "-toolexec", m.self, "-gcflags=-bench="+bench, "-o", bin, "./"+pkg)
	r.build, r.buildCPU, r.peakMB = u.wall, u.cpu, mb(u.maxKB)
	r.timedOut = u.timedOut
	if r.status = u.status("build"); r.status != "" {
		return r
	}
	for _, t := range readToolLog(toolLog) {
		switch t.tool {
		case "compile":
			r.compile, r.compileMB = t.wall, mb(t.maxKB)
		case "link":
			r.link, r.linkMB = t.wall, mb(t.maxKB)
		}
	}
	r.backend = compileFuncs(bench)

	// The program runs once, so that the measured code is known to work.
	run := m.run(m.work, m.env, bin)
	if run.err != nil || !bytes.Contains(run.out, []byte(fmt.Sprintf("ran %d nodes", n))) {
		r.status = fmt.Sprintf("run: %v %s", run.err, bytes.TrimSpace(run.out))
		return r
	}

	if m.profile != "" {
		fmt.Fprintf(os.Stderr, "%d nodes: profiling the compile\n", n)
		prof := filepath.Join(m.profile, fmt.Sprintf("compile-%d.pprof", n))
		if err := m.renonce(dir); err != nil {
			r.status = "profile: " + err.Error()
			return r
		}
		if u := m.run(m.module, m.env, "go", "build", "-gcflags=-cpuprofile="+prof, "-o", bin, "./"+pkg); u.err != nil {
			fmt.Fprintf(os.Stderr, "%d nodes: profile build: %s\n", n, u.status("build"))
		}
	}
	os.Remove(bin) // a 10,000-node binary is large; nothing reads it again
	return r
}

// usage is what one command cost.
type usage struct {
	wall, cpu time.Duration
	maxKB     int64 // the largest resident set of the command or any one child it waited for
	timedOut  bool
	out       []byte
	err       error
}

func (u usage) status(step string) string {
	switch {
	case u.timedOut:
		return "timeout"
	case u.err != nil:
		out := strings.TrimSpace(string(u.out))
		if len(out) > 2000 {
			out = out[:2000] + "..."
		}
		return fmt.Sprintf("%s failed: %v: %s", step, u.err, out)
	}
	return ""
}

// run runs a command in dir, bounded by the timeout: in a process group of
// its own, so that a timeout kills the compiler with the go command, and
// watched for its resident set, which a killed group's rusage loses.
func (m *measurer) run(dir string, env []string, name string, args ...string) usage {
	ctx, cancel := context.WithTimeout(context.Background(), m.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return usage{err: err}
	}
	seen := watchGroup(cmd.Process.Pid)
	err := cmd.Wait()
	u := usage{wall: time.Since(start), out: out.Bytes(), err: err}
	u.maxKB, u.cpu = seen()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		// Exact for a command that finished; a killed one's children
		// were never waited for, so the samples may say more.
		u.cpu = max(u.cpu, time.Duration(ru.Utime.Nano()+ru.Stime.Nano()))
		u.maxKB = max(u.maxKB, int64(ru.Maxrss))
	}
	if ctx.Err() != nil {
		u.timedOut = true
	}
	return u
}

// watchGroup samples the processes of group pgid until the returned func
// is called, which returns the largest resident set of any one of them, in
// KB, and the most CPU time the group had used at once: what a killed
// group's rusage loses.
func watchGroup(pgid int) func() (maxKB int64, cpu time.Duration) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var peak int64
	var most time.Duration
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			kb, cpu := sampleGroup(pgid)
			peak, most = max(peak, kb), max(most, cpu)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() (int64, time.Duration) {
		close(done)
		wg.Wait()
		return peak, most
	}
}

// userHZ is the unit of the CPU times in /proc/PID/stat: 100 on every Linux
// the go command runs on.
const userHZ = 100

// sampleGroup returns the largest resident set of a process of group pgid,
// in KB, and the CPU time of the group's processes, from /proc/PID/stat
// (fields 5, pgrp; 14 and 15, utime and stime in ticks; 24, rss in pages).
func sampleGroup(pgid int) (maxKB int64, cpu time.Duration) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0, 0
	}
	page := int64(os.Getpagesize()) / 1024
	var ticks int64
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The command name, in parentheses, may hold spaces: count the
		// fields after its closing one, which start at field 3.
		i := bytes.LastIndexByte(data, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(data[i+1:]))
		if len(f) < 22 {
			continue
		}
		field := func(n int) int64 { v, _ := strconv.ParseInt(f[n-3], 10, 64); return v }
		if field(5) != int64(pgid) {
			continue
		}
		ticks += field(14) + field(15)
		maxKB = max(maxKB, field(24)*page)
	}
	return maxKB, time.Duration(ticks) * time.Second / userHZ
}

// toolexec runs tool as the go command asked and, for the compile of
// package main and the link, appends its wall time and peak memory to log.
func toolexec(log, tool string, args []string) int {
	cmd := exec.Command(tool, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	name := strings.TrimSuffix(filepath.Base(tool), ".exe")
	if (name == "compile" && slices.Contains(args, "main")) || name == "link" {
		if !slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "-V") }) && cmd.ProcessState != nil {
			var maxKB int64
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				maxKB = int64(ru.Maxrss)
			}
			if f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
				fmt.Fprintf(f, "%s\t%d\t%d\n", name, wall.Nanoseconds(), maxKB)
				f.Close()
			}
		}
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode()
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

type toolUse struct {
	tool  string
	wall  time.Duration
	maxKB int64
}

func readToolLog(path string) []toolUse {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var uses []toolUse
	for line := range strings.Lines(string(data)) {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		ns, _ := strconv.ParseInt(f[1], 10, 64)
		kb, _ := strconv.ParseInt(f[2], 10, 64)
		uses = append(uses, toolUse{f[0], time.Duration(ns), kb})
	}
	return uses
}

// compileFuncs reads the compiler's back-end time (SSA, register
// allocation, code generation: be:compilefuncs) from a -bench file.
func compileFuncs(path string) time.Duration {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) >= 3 && strings.HasSuffix(fs[0], ":be:compilefuncs") {
			ns, _ := strconv.ParseInt(fs[2], 10, 64)
			return time.Duration(ns)
		}
	}
	return 0
}

func lines(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return bytes.Count(data, []byte("\n"))
}

func mb(kb int64) float64 { return float64(kb) / 1024 }

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func printTable(results []*result) {
	head := []string{"nodes", ".pico lines", "generated lines", "generate s", "build s", "build cpu s", "compile s", "backend s", "link s", "build peak MB", "compile MB", "link MB"}
	rows := [][]string{head}
	secs := func(d time.Duration) string {
		if d == 0 {
			return "-"
		}
		return strconv.FormatFloat(d.Seconds(), 'f', 2, 64)
	}
	mbs := func(v float64) string {
		if v == 0 {
			return "-"
		}
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	var notes []string
	for _, r := range results {
		row := []string{strconv.Itoa(r.nodes), strconv.Itoa(r.picoLines), strconv.Itoa(r.genLines),
			secs(r.gen), secs(r.build), secs(r.buildCPU), secs(r.compile), secs(r.backend), secs(r.link),
			mbs(r.peakMB), mbs(r.compileMB), mbs(r.linkMB)}
		switch {
		case r.status == "skipped":
			row = append(row[:1], "skipped")
		case r.timedOut:
			// A killed build: its time is the bound, its CPU time and
			// memory the most seen while it ran.
			row[4] = "timeout"
			row[5] = "≥" + secs(r.buildCPU)
			row[9] = "≥" + mbs(r.peakMB)
			notes = append(notes, fmt.Sprintf("%d nodes: killed after %v", r.nodes, r.bound))
		case r.status != "":
			notes = append(notes, fmt.Sprintf("%d nodes: %s", r.nodes, r.status))
		}
		rows = append(rows, row)
	}
	width := make([]int, len(head))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for k, row := range rows {
		var b strings.Builder
		for i, c := range row {
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			if i == 0 || k == 0 {
				fmt.Fprintf(&b, "| %s%s ", c, pad)
			} else {
				fmt.Fprintf(&b, "| %s%s ", pad, c)
			}
		}
		fmt.Println(b.String() + "|")
		if k == 0 {
			var sep strings.Builder
			for i := range head {
				sep.WriteString("|" + strings.Repeat("-", width[i]+2))
			}
			fmt.Println(sep.String() + "|")
		}
	}
	for _, n := range notes {
		fmt.Println(n)
	}
}
