// Command compare runs the benchmarks of package bench in interleaved rounds
// and prints, for each of issue 12's speed targets (and issue 14's group
// figure), the ratio it is judged
// by (computed within each round, so that the machine's drift between
// rounds cancels) as a range over the rounds, beside its bound:
//
//	go run ./internal/e2e/bench/compare [-rounds 5] [-benchtime 1s]
//
// Each round runs every benchmark once, in the order of the file, so that
// the variants of a group run next to each other. The output is the table
// README.md shows.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// target is one ratio that issue 12 bounds, or that issue 14 reports.
type target struct {
	what  string
	bound float64
	ratio func(ns map[string]float64) float64
}

func per(a, b string) func(map[string]float64) float64 {
	return func(ns map[string]float64) float64 { return ns[a] / ns[b] }
}

// added is what variant adds over base, as a share of what ref adds over
// base (ref "" for a plain ns/step).
func added(variant, base, ref, refBase string) func(map[string]float64) float64 {
	return func(ns map[string]float64) float64 {
		d := ns[ref]
		if refBase != "" {
			d -= ns[refBase]
		}
		return (ns[variant] - ns[base]) / d
	}
}

var targets = []target{
	{"plain step / hand-written loop, context.Background()", 1.25, per("Step/background generated", "Step/background hand")},
	{"plain step / hand-written loop, cancellable context", 1.35, per("Step/cancellable generated", "Step/cancellable hand")},
	{"NodeStart+NodeEnd overhead per step / one time.Since", 1.5, added("Hooks hooks", "Hooks plain", "Hooks since", "")},
	{"StoreWrite, no change / plain step", 2, per("StoreWrite watched", "StoreWrite plain")},
	{"checkpoint per step, 10 KB store / durable write of its bytes", 1.3, per("Checkpoint/10KB/checkpoint", "Checkpoint/10KB/raw")},
	{"checkpoint per step, 1 MB store / durable write of its bytes", 1.3, per("Checkpoint/1MB/checkpoint", "Checkpoint/1MB/raw")},
	{"DurabilityAsync / DurabilitySync, cost added to a step, 10 KB", 0.2, added("Durability/10KB/async", "Durability/10KB/none", "Durability/10KB/sync", "Durability/10KB/none")},
	{"DurabilityAsync / DurabilitySync, cost added to a step, 1 MB", 0.2, added("Durability/1MB/async", "Durability/1MB/none", "Durability/1MB/sync", "Durability/1MB/none")},
	// Issue 14 sets no bound: the figure is reported.
	{"parallel group of 2 trivial members / goroutines and a WaitGroup by hand", 0, per("Group generated", "Group hand")},
}

func main() {
	rounds := flag.Int("rounds", 5, "interleaved rounds")
	benchtime := flag.String("benchtime", "1s", "-test.benchtime of each benchmark")
	flag.Parse()
	dir, err := os.MkdirTemp("", "picoflow-bench-")
	check(err)
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "bench.test")
	build := exec.Command("go", "test", "-c", "-o", bin, "github.com/digital-duck/picoflow-go/internal/e2e/bench")
	build.Stderr = os.Stderr
	check(build.Run())

	var all []map[string]float64
	var names []string
	allocs := map[string]string{}
	for i := range *rounds {
		fmt.Fprintf(os.Stderr, "round %d of %d\n", i+1, *rounds)
		cmd := exec.Command(bin, "-test.run=^$", "-test.bench=.", "-test.benchmem", "-test.count=1", "-test.benchtime="+*benchtime)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		check(err)
		ns, order := parse(out, allocs)
		all = append(all, ns)
		if names == nil {
			names = order
		}
	}

	fmt.Printf("| target | bound | ratio, %d rounds | |\n|---|---|---|---|\n", *rounds)
	for _, t := range targets {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, ns := range all {
			r := t.ratio(ns)
			lo, hi = math.Min(lo, r), math.Max(hi, r)
		}
		verdict, bound := "met", fmt.Sprintf("≤ %.2f", t.bound)
		switch {
		case t.bound == 0:
			verdict, bound = "", "none"
		case hi > t.bound:
			verdict = "**not met**"
		}
		fmt.Printf("| %s | %s | %.2f–%.2f | %s |\n", t.what, bound, lo, hi, verdict)
	}
	fmt.Printf("\n| benchmark | ns/step, %d rounds | allocs/op (a paired benchmark's: all its variants') |\n|---|---|---|\n", *rounds)
	for _, name := range names {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, ns := range all {
			lo, hi = math.Min(lo, ns[name]), math.Max(hi, ns[name])
		}
		fmt.Printf("| %s | %s–%s | %s |\n", name, num(lo), num(hi), allocs[name])
	}
}

// parse reads the ns/step of every benchmark line of out, and the names in
// the order they ran; allocs gets each one's allocs/op.
func parse(out []byte, allocs map[string]string) (map[string]float64, []string) {
	ns := map[string]float64{}
	var order []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndex(name, "-"); i > 0 {
			name = name[:i] // the GOMAXPROCS suffix
		}
		first := len(order)
		for i := 1; i+1 < len(f); i++ {
			unit := f[i+1]
			key := name
			if v, ok := strings.CutSuffix(unit, "-ns/step"); ok {
				// A variant of a paired benchmark.
				unit, key = "ns/step", name+" "+v
			}
			switch unit {
			case "ns/step":
				v, err := strconv.ParseFloat(f[i], 64)
				check(err)
				ns[key] = v
				order = append(order, key)
			case "allocs/op":
				allocs[name] = f[i]
			}
		}
		// allocs/op comes last on the line; a paired benchmark's is that of
		// all its variants together.
		for _, key := range order[first:] {
			allocs[key] = allocs[name]
		}
	}
	return ns, order
}

// num writes a figure with three significant digits.
func num(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.3g ms", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.3g µs", v/1e3)
	}
	return fmt.Sprintf("%.3g ns", v)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}
