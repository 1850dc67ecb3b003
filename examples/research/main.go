// Command research answers a question from three kinds of sources that it
// searches at the same time: a parallel group of the nodes Web, Docs and
// Code, each writing to its own copy of the store, merged by the rules
// research.pico declares (pages merge append, cost merge sum).
//
//	go run ./examples/research "how do goroutines and channels work?"
//	go run ./examples/research -latency 1s "what is a context?"
//	go run ./examples/research -db runs.db   # then: picoflow runs -db runs.db
//
// The sources are a small corpus compiled into the program, searched
// offline; -latency is how long each source takes, as a search engine or a
// model would. The three run at once: the run takes about one latency, not
// three. Each step's start and end go to stderr, the answer to stdout.
// With -db FILE the run is also recorded in the run log at FILE (a SQLite
// database, see runtime/runlog), where picoflow runs and picoflow monitor
// show it.
package main

//go:generate go run github.com/digital-duck/picoflow-go/cmd/picoflow generate

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

// Page is one search result. research.pico names it as a local type.
type Page struct {
	Source string `json:"source"` // web, docs or code
	Title  string `json:"title"`
	URL    string `json:"url"`
	Text   string `json:"text"`
}

// plan implements PlanNode.
type plan struct{}

func (plan) Prep(_ context.Context, r *Brief) (string, error) { return r.Question, nil }

// common are the words a search term is not.
var common = map[string]bool{"a": true, "an": true, "and": true, "are": true, "do": true, "does": true, "how": true,
	"i": true, "in": true, "is": true, "it": true, "of": true, "the": true, "to": true, "what": true, "why": true, "work": true}

func (plan) Exec(_ context.Context, question string) ([]string, error) {
	var terms []string
	for _, w := range strings.FieldsFunc(strings.ToLower(question), func(r rune) bool {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9')
	}) {
		if common[w] {
			continue
		}
		w = strings.TrimSuffix(w, "s") // channels finds channel too
		if len(w) > 1 && !slices.Contains(terms, w) {
			terms = append(terms, w)
		}
	}
	if len(terms) == 0 {
		return nil, fmt.Errorf("no search terms in %q", question)
	}
	return terms, nil
}

func (plan) Post(_ context.Context, r *Brief, _ string, terms []string) (PlanAction, error) {
	r.Terms = terms
	return PlanSearch, nil
}

// source searches one kind of page of the corpus, taking latency per
// search and charging cost. It implements WebNode, DocsNode and CodeNode.
// Exec runs on the group's goroutines: it reads only its arguments and
// the corpus, which nothing writes.
type source struct {
	kind    string
	cost    float64
	latency time.Duration
}

func (src source) Prep(_ context.Context, r *Brief) ([]string, error) { return r.Terms, nil }

func (src source) Exec(ctx context.Context, terms []string) ([]Page, error) {
	select {
	case <-time.After(src.latency):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var found []Page
	for _, p := range corpus {
		if p.Source == src.kind && matches(p, terms) {
			found = append(found, p)
		}
	}
	return found, nil
}

// Post appends to this member's own copy of the store: the group merges
// the three copies' appends and costs.
func (src source) Post(_ context.Context, r *Brief, _ []string, found []Page) error {
	r.Pages = append(r.Pages, found...)
	r.Cost += src.cost
	return nil
}

// matches reports whether p's title or text holds one of terms.
func matches(p Page, terms []string) bool {
	text := strings.ToLower(p.Title + " " + p.Text)
	for _, t := range terms {
		if strings.Contains(text, t) {
			return true
		}
	}
	return false
}

// write implements WriteNode.
type write struct{}

func (write) Prep(_ context.Context, r *Brief) ([]Page, error) { return r.Pages, nil }

func (write) Exec(_ context.Context, pages []Page) (string, error) {
	if len(pages) == 0 {
		return "Nothing in the sources matches the question.", nil
	}
	var b strings.Builder
	for i, p := range pages {
		fmt.Fprintf(&b, "[%d] %s (%s, %s): %s\n", i+1, p.Title, p.Source, p.URL, p.Text)
	}
	return b.String(), nil
}

func (write) Post(_ context.Context, r *Brief, _ []Page, answer string) error {
	r.Answer = answer
	return nil
}

// newResearch wires the flow, each source taking latency per search.
func newResearch(latency time.Duration) *Research {
	return NewResearch(plan{},
		source{kind: "web", cost: 0.25, latency: latency},
		source{kind: "docs", cost: 0.125, latency: latency},
		source{kind: "code", cost: 0.0625, latency: latency},
		write{})
}

// trace reports each step's start and end to w, with the time since the
// run began. Hooks from the group's members arrive one at a time, so the
// writes need no lock of their own; the mutex is for the clock's reader.
func trace(w io.Writer) runtime.Hooks {
	var mu sync.Mutex
	var began time.Time
	since := func() time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return time.Since(began).Round(time.Millisecond)
	}
	return runtime.Hooks{
		FlowStart: func(runtime.FlowEvent) { began = time.Now() },
		NodeStart: func(e runtime.NodeEvent) { fmt.Fprintf(w, "%6v  step %d %s starts\n", since(), e.Step, e.Node) },
		NodeEnd:   func(e runtime.NodeEvent) { fmt.Fprintf(w, "%6v  step %d %s done\n", since(), e.Step, e.Node) },
	}
}

// run answers question, printing the answer and its cost to out and the
// trace to progress. With db set it records the run in the run log at db.
func run(ctx context.Context, out, progress io.Writer, question string, latency time.Duration, db string) error {
	opts := []runtime.Option{runtime.WithHooks(trace(progress))}
	if db != "" {
		runLog, err := runlog.Open(db)
		if err != nil {
			return err
		}
		defer runLog.Close()
		opts = append(opts, runLog.Options()...)
	}
	r := &Brief{Question: question}
	if err := newResearch(latency).Run(ctx, r, opts...); err != nil {
		return err
	}
	fmt.Fprintf(out, "Q: %s\n%s(%d pages, $%.4f)\n", r.Question, r.Answer, len(r.Pages), r.Cost)
	return nil
}

func main() {
	latency := flag.Duration("latency", 300*time.Millisecond, "how long each source takes to search")
	db := flag.String("db", "", "record the runs in the run log `FILE` (see picoflow runs and picoflow monitor)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: research [-latency D] [-db FILE] [QUESTION]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	question := strings.Join(flag.Args(), " ")
	if question == "" {
		question = "How do goroutines and channels work?"
	}
	if err := run(context.Background(), os.Stdout, os.Stderr, question, *latency, *db); err != nil {
		fmt.Fprintln(os.Stderr, "research:", err)
		os.Exit(1)
	}
}
