// Package scale writes flows of any size, to measure how the cost of
// generating and building their Go code grows with the flow (issue 12).
//
// A flow of n nodes is a package main of three files: scale.pico, whose flow
// Chain is a chain of nodes with branches, retries, a batch node and a
// subflow; nodes.go, trivial implementations of every node shape; and
// main.go, which wires them with the generated constructors and runs the
// flow once. `picoflow generate` adds scale.pico.go. The output depends on n
// alone, so that the same size measured twice is the same program.
//
//	go run ./internal/e2e/scale/gen -nodes 1000 -o DIR
//	go run ./internal/e2e/scale/measure -sizes 100,1000,10000
package scale

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"strings"

	"github.com/digital-duck/picoflow-go/dsl"
)

// MinNodes is the smallest flow that has every feature: a batch node, a
// branch, a retried node with fallback, a subflow and a terminal node.
const MinNodes = 20

// The files of a flow, as Files names them.
const (
	PicoFile  = "scale.pico"
	NodesFile = "nodes.go"
	MainFile  = "main.go"
)

// The shapes of a node, each with its own implementation type in nodes.go.
const (
	shapeFull     = "implFull"     // prep string, exec string
	shapePrep     = "implPrep"     // prep int, no exec
	shapeExec     = "implExec"     // exec string, no prep
	shapeBare     = "implBare"     // no block: Post alone
	shapeRetry    = "implFull"     // as full, with attempts, wait, backoff and timeout
	shapeFallback = "implFallback" // as retry, with fallback
	shapeBatch    = "implBatch"    // prep []string, exec string, batch, parallel
	shapeLast     = "implLast"     // terminal: Post returns only an error
)

// node is one node as scale.pico declares it.
type node struct {
	name     string
	shape    string
	settings []string // the lines of its block
	branch   bool     // declares actions next, skip
}

// plan is the layout of a flow of n nodes: the chain's nodes, the subflow's
// nodes and where the chain enters the subflow.
type plan struct {
	n      int
	chain  []node
	detour []node
	enter  int // the chain node whose next is the subflow
}

func newPlan(n int) (*plan, error) {
	if n < MinNodes {
		return nil, fmt.Errorf("scale: %d nodes: at least %d are needed for every feature", n, MinNodes)
	}
	// The subflow gets a tenth of the nodes, so that both flows' generated
	// code grows with n.
	k := n / 10
	m := n - k
	width := len(fmt.Sprint(n))
	p := &plan{n: n, enter: m / 2}
	for i := range m {
		p.chain = append(p.chain, shape(fmt.Sprintf("Step%0*d", width, i), i, i == m-1, i+2 < m))
	}
	for i := range k {
		d := shape(fmt.Sprintf("Detour%0*d", width, i), i, false, false)
		if i == k-1 {
			// The subflow's outcomes: its last node's declared actions.
			d.settings = append(d.settings, "actions ok, fail")
		}
		p.detour = append(p.detour, d)
	}
	return p, nil
}

// shape picks the settings of the i-th node of a flow: the mix repeats every
// 140 nodes, so every size has the same proportions. A terminal last node
// has no actions; canBranch says that the node two on exists.
func shape(name string, i int, last, canBranch bool) node {
	nd := node{name: name}
	retry := []string{"prep string", "exec string", "attempts 3", "wait 10ms", "backoff 2", "timeout 1s"}
	switch {
	case last:
		nd.shape = shapeLast
	case i == 1:
		nd.shape = shapeBatch
		nd.settings = []string{"prep []string", "exec string", "batch", "parallel 4"}
	case i%14 == 3:
		nd.shape = shapeFallback
		nd.settings = append(retry, "fallback")
	case i%7 == 3:
		nd.shape = shapeRetry
		nd.settings = retry
	case i%4 == 0:
		nd.shape = shapeFull
		nd.settings = []string{"prep string", "exec string"}
	case i%4 == 1:
		nd.shape = shapePrep
		nd.settings = []string{"prep int"}
	case i%4 == 2:
		nd.shape = shapeExec
		nd.settings = []string{"exec string"}
	default:
		nd.shape = shapeBare
	}
	if !last && canBranch && i%5 == 2 {
		nd.branch = true
		nd.settings = append(nd.settings, "actions next, skip")
	}
	return nd
}

// Pico returns scale.pico for a flow of n nodes.
func Pico(n int) ([]byte, error) {
	p, err := newPlan(n)
	if err != nil {
		return nil, err
	}
	return p.pico(), nil
}

func (p *plan) pico() []byte {
	n := p.n
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("// scale.pico: a flow of %d nodes, written by internal/e2e/scale for measuring", n)
	w("// how generating and building its Go code grows with its size. Do not edit.")
	w("package main")
	w("")
	w("import \"time\"")
	w("")
	w("// Tally is the store every node reads and writes.")
	w("store Tally {")
	w("    count  int")
	w("    note   string = \"scale\"")
	w("    items  []string")
	w("    budget time.Duration = 1s")
	w("}")
	for _, nd := range append(append([]node(nil), p.chain...), p.detour...) {
		w("")
		if len(nd.settings) == 0 {
			w("node %s", nd.name)
			continue
		}
		w("node %s {", nd.name)
		for _, s := range nd.settings {
			w("    %s", s)
		}
		w("}")
	}

	w("")
	w("// Detour is a chain used as a node by Chain, which routes its outcomes.")
	w("flow Detour {")
	w("    start %s", p.detour[0].name)
	for i, nd := range p.detour[:len(p.detour)-1] {
		w("    %s then next -> %s", nd.name, p.detour[i+1].name)
	}
	last := p.detour[len(p.detour)-1].name
	w("    %s then ok -> end", last)
	w("    %s then fail -> end", last)
	w("}")

	w("")
	w("// Chain runs every node once when each takes its first action.")
	w("flow Chain {")
	w("    start %s", p.chain[0].name)
	w("    max_steps %d", 2*n)
	for i, nd := range p.chain[:len(p.chain)-1] {
		next := p.chain[i+1].name
		if i == p.enter {
			next = "Detour"
		}
		w("    %s then next -> %s", nd.name, next)
		if nd.branch {
			w("    %s then skip -> %s", nd.name, p.chain[i+2].name)
		}
		if i == p.enter {
			w("    Detour then ok -> %s", p.chain[i+1].name)
			w("    Detour then fail -> %s", p.chain[i+2].name)
		}
	}
	w("}")
	return b.Bytes()
}

// Files returns the files of the package for a flow of n nodes, by name:
// scale.pico, nodes.go and main.go (which is written from the checked model,
// so that it passes the members in the order the constructors take them).
func Files(n int) (map[string][]byte, error) {
	p, err := newPlan(n)
	if err != nil {
		return nil, err
	}
	pico := p.pico()
	m, diags := dsl.Check(PicoFile, pico)
	if len(diags) > 0 {
		return nil, fmt.Errorf("scale: %d nodes: %v", n, diags)
	}
	mainGo, err := p.mainFile(m)
	if err != nil {
		return nil, err
	}
	return map[string][]byte{PicoFile: pico, NodesFile: []byte(nodesGo), MainFile: mainGo}, nil
}

// Write writes the files of Files(n) into dir, making it.
func Write(dir string, n int) error {
	files, err := Files(n)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// mainFile writes main.go: one value per member, its implementation type
// instantiated with the member's action type and holding its first action,
// so that a run takes every node's first route.
func (p *plan) mainFile(m *dsl.Model) ([]byte, error) {
	shapes := map[string]string{}
	for _, nd := range append(append([]node(nil), p.chain...), p.detour...) {
		shapes[nd.name] = nd.shape
	}
	var b bytes.Buffer
	b.WriteString("// Code generated by internal/e2e/scale. DO NOT EDIT.\n\n")
	b.WriteString("package main\n\nimport (\n\"context\"\n\"fmt\"\n\"os\"\n)\n\n")
	b.WriteString("func main() {\n")
	var detour, chain *dsl.Flow
	for _, fl := range m.Flows {
		switch fl.Name {
		case "Detour":
			detour = fl
		case "Chain":
			chain = fl
		}
	}
	for _, fl := range []*dsl.Flow{detour, chain} {
		fmt.Fprintf(&b, "%s := %s(\n", strings.ToLower(fl.Name), fl.Constructor)
		for _, mb := range fl.Members {
			if mb.Flow != nil {
				fmt.Fprintf(&b, "%s,\n", strings.ToLower(mb.Flow.Name))
				continue
			}
			nd := mb.Node
			if nd.Terminal() {
				fmt.Fprintf(&b, "%s{},\n", shapes[nd.Name])
				continue
			}
			fmt.Fprintf(&b, "%s[%s]{%s},\n", shapes[nd.Name], nd.ActionType, nd.Actions[0].GoName)
		}
		b.WriteString(")\n")
	}
	fmt.Fprintf(&b, "s := %s()\n", m.Store.Constructor)
	b.WriteString("if err := chain.Run(context.Background(), s); err != nil {\n")
	b.WriteString("fmt.Fprintln(os.Stderr, err)\nos.Exit(1)\n}\n")
	// Each node takes its first action, next (or ok), so none is skipped
	// and every node counts itself once.
	fmt.Fprintf(&b, "if s.Count != %d {\n", len(m.Nodes))
	fmt.Fprintf(&b, "fmt.Fprintf(os.Stderr, \"ran %%d nodes, want %d\\n\", s.Count)\nos.Exit(1)\n}\n", len(m.Nodes))
	b.WriteString("fmt.Println(\"ran\", s.Count, \"nodes\")\n}\n")
	return format.Source(b.Bytes())
}

// nodesGo implements every node shape once, generic in the action type, so
// that the code besides the generated file stays small and linear in n: a
// node costs one line of main.go. Each Post counts the node and returns the
// action the value holds.
const nodesGo = `// Code generated by internal/e2e/scale. DO NOT EDIT.

package main

import "context"

// action is what every generated action type is.
type action interface{ ~int }

type implFull[A action] struct{ a A }

func (implFull[A]) Prep(_ context.Context, s *Tally) (string, error)    { return s.Note, nil }
func (implFull[A]) Exec(_ context.Context, prep string) (string, error) { return prep, nil }
func (n implFull[A]) Post(_ context.Context, s *Tally, _, _ string) (A, error) {
	s.Count++
	return n.a, nil
}

type implFallback[A action] struct{ a A }

func (implFallback[A]) Prep(_ context.Context, s *Tally) (string, error)    { return s.Note, nil }
func (implFallback[A]) Exec(_ context.Context, prep string) (string, error) { return prep, nil }
func (n implFallback[A]) Post(_ context.Context, s *Tally, _, _ string) (A, error) {
	s.Count++
	return n.a, nil
}
func (implFallback[A]) ExecFallback(_ context.Context, prep string, _ error) (string, error) {
	return prep, nil
}

type implPrep[A action] struct{ a A }

func (implPrep[A]) Prep(_ context.Context, s *Tally) (int, error) { return s.Count, nil }
func (n implPrep[A]) Post(_ context.Context, s *Tally, _ int) (A, error) {
	s.Count++
	return n.a, nil
}

type implExec[A action] struct{ a A }

func (implExec[A]) Exec(context.Context) (string, error) { return "done", nil }
func (n implExec[A]) Post(_ context.Context, s *Tally, _ string) (A, error) {
	s.Count++
	return n.a, nil
}

type implBare[A action] struct{ a A }

func (n implBare[A]) Post(_ context.Context, s *Tally) (A, error) {
	s.Count++
	return n.a, nil
}

type implBatch[A action] struct{ a A }

func (implBatch[A]) Prep(context.Context, *Tally) ([]string, error) {
	return []string{"a", "b", "c", "d", "e"}, nil
}
func (implBatch[A]) Exec(_ context.Context, item string) (string, error) { return item, nil }
func (n implBatch[A]) Post(_ context.Context, s *Tally, _, exec []string) (A, error) {
	s.Count++
	s.Items = append(s.Items, exec...)
	return n.a, nil
}

type implLast struct{}

func (implLast) Post(_ context.Context, s *Tally) error {
	s.Count++
	return nil
}
`
