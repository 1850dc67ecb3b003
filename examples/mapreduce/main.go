// Command mapreduce summarizes a folder of text files with a map-reduce
// flow: List finds the files, the batch node Summarize maps over them in
// parallel, and Reduce folds the summaries into a report. The summaries are
// computed offline (line and word counts, most frequent words), standing in
// for the model call a real program would make per file.
//
//	go run ./examples/mapreduce              # the example's testdata/docs
//	go run ./examples/mapreduce -dir ~/notes
//	go run ./examples/mapreduce -db runs.db  # then: picoflow runs -db runs.db
//
// Progress goes to stderr through hooks: on a terminal one line, rewritten
// as each step finishes; otherwise one line per step. The report goes to
// stdout. With -db FILE the run is also recorded in the run log at FILE (a
// SQLite database, see runtime/runlog), where picoflow runs and picoflow
// monitor show it.
package main

//go:generate go run github.com/digital-duck/picoflow-go/cmd/picoflow generate

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/digital-duck/picoflow-go/runtime"
	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

// Summary is what Summarize makes of one file. mapreduce.pico names it as
// an unqualified type, so it is declared here, in the generated file's
// package.
type Summary struct {
	File  string   `json:"file"`
	Lines int      `json:"lines"`
	Words int      `json:"words"`
	Top   []string `json:"top"` // the most frequent words, most frequent first
}

// topWords is how many words a Summary keeps.
const topWords = 3

// list implements ListNode.
type list struct{}

func (list) Prep(_ context.Context, c *Corpus) (string, error) { return c.Dir, nil }

func (list) Exec(_ context.Context, dir string) ([]string, error) {
	entries, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && filepath.Ext(e.Name()) == ".txt" {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no .txt files in %s", dir)
	}
	return names, nil
}

func (list) Post(_ context.Context, c *Corpus, _ string, names []string) (ListAction, error) {
	c.Files = names
	return ListListed, nil
}

// summarize implements SummarizeNode. Its Exec runs on several goroutines
// at once, so it touches nothing but its argument.
type summarize struct{}

func (summarize) Prep(_ context.Context, c *Corpus) ([]string, error) {
	paths := make([]string, len(c.Files))
	for i, name := range c.Files {
		paths[i] = filepath.Join(c.Dir, name)
	}
	return paths, nil
}

func (summarize) Exec(_ context.Context, path string) (Summary, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return Summary{}, err
	}
	return summarizeText(filepath.Base(path), string(text)), nil
}

// Post gets the summaries in the order of paths, however the parallel Execs
// finished, so the store needs no sorting.
func (summarize) Post(_ context.Context, c *Corpus, _ []string, summaries []Summary) (SummarizeAction, error) {
	c.Summaries = summaries
	return SummarizeSummarized, nil
}

// stopWords are common words that say nothing about a text's subject.
var stopWords = map[string]bool{
	"also": true, "before": true, "each": true, "every": true, "from": true,
	"into": true, "more": true, "much": true, "once": true, "only": true,
	"some": true, "than": true, "that": true, "their": true, "them": true,
	"then": true, "they": true, "this": true, "when": true, "where": true,
	"which": true, "while": true, "with": true,
}

// summarizeText counts the lines and the words of text (words as wc -w
// counts them: runs of non-space) and finds its most frequent words of four
// letters or more that are not stop words.
// Ties go to the alphabetically first word, so the result is the same on
// every run.
func summarizeText(file, text string) Summary {
	s := Summary{File: file, Lines: strings.Count(text, "\n"), Words: len(strings.Fields(text))}
	if text != "" && !strings.HasSuffix(text, "\n") {
		s.Lines++ // a last line without its newline still counts
	}
	counts := map[string]int{}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if utf8.RuneCountInString(w) >= 4 && !stopWords[w] {
			counts[w]++
		}
	}
	words := make([]string, 0, len(counts))
	for w := range counts {
		words = append(words, w)
	}
	slices.SortFunc(words, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), strings.Compare(a, b))
	})
	s.Top = words[:min(topWords, len(words))]
	return s
}

// reduce implements ReduceNode.
type reduce struct{}

func (reduce) Prep(_ context.Context, c *Corpus) ([]Summary, error) { return c.Summaries, nil }

func (reduce) Exec(_ context.Context, summaries []Summary) (string, error) {
	return report(summaries), nil
}

func (reduce) Post(_ context.Context, c *Corpus, _ []Summary, report string) error {
	c.Report = report
	return nil
}

// report is a table of the summaries with a line of totals.
func report(summaries []Summary) string {
	width := len("total")
	for _, s := range summaries {
		width = max(width, len(s.File))
	}
	var b strings.Builder
	row := func(file, lines, words, top string) {
		// Trimmed: a file too short for top words leaves no trailing blanks.
		b.WriteString(strings.TrimRight(fmt.Sprintf("%-*s  %5s  %5s  %s", width, file, lines, words, top), " ") + "\n")
	}
	row("file", "lines", "words", "top words")
	lines, words := 0, 0
	for _, s := range summaries {
		row(s.File, fmt.Sprint(s.Lines), fmt.Sprint(s.Words), strings.Join(s.Top, ", "))
		lines += s.Lines
		words += s.Words
	}
	row("total", fmt.Sprint(lines), fmt.Sprint(words), fmt.Sprintf("in %d files", len(summaries)))
	return b.String()
}

// progress reports each finished step on w. Live, it rewrites a single line
// with \r, which only makes sense on a terminal; otherwise it writes one
// line per step, which reads well in a log or a pipe.
type progress struct {
	w     io.Writer
	live  bool
	width int // of the longest live line so far, to blank out its rest
}

func (p *progress) show(line string) {
	if !p.live {
		fmt.Fprintln(p.w, line)
		return
	}
	fmt.Fprintf(p.w, "\r%-*s", p.width, line)
	p.width = max(p.width, len(line))
}

// hooks are the runtime hooks that drive p. Hooks run one at a time, so p
// needs no lock.
func (p *progress) hooks() runtime.Hooks {
	h := runtime.Hooks{
		NodeEnd: func(e runtime.NodeEvent) {
			p.show(fmt.Sprintf("step %d %s done in %s", e.Step, e.Node, e.Elapsed.Round(time.Microsecond)))
		},
	}
	if p.live {
		h.NodeStart = func(e runtime.NodeEvent) { p.show(fmt.Sprintf("step %d %s ...", e.Step, e.Node)) }
		// Leave the last state on screen and move on to a fresh line.
		h.FlowEnd = func(runtime.FlowEvent) { fmt.Fprintln(p.w) }
	}
	return h
}

func newFlow() *MapReduce {
	return NewMapReduce(list{}, summarize{}, reduce{})
}

// run summarizes the .txt files in dir, reporting progress on progressOut
// (live: rewriting one line) and printing the report on out. With db set it
// records the run in the run log at db.
func run(ctx context.Context, out, progressOut io.Writer, live bool, dir, db string) error {
	c := NewCorpus()
	c.Dir = dir
	p := &progress{w: progressOut, live: live}
	opts := []runtime.Option{runtime.WithHooks(p.hooks())}
	if db != "" {
		runLog, err := runlog.Open(db)
		if err != nil {
			return err
		}
		defer runLog.Close()
		opts = append(opts, runLog.Options()...)
	}
	if err := newFlow().Run(ctx, c, opts...); err != nil {
		return err
	}
	_, err := io.WriteString(out, c.Report)
	return err
}

// defaultDir finds the example's documents from the directory go run is
// started in: the repository root or the example's own directory.
func defaultDir() string {
	candidates := []string{filepath.Join("examples", "mapreduce", "testdata", "docs"), filepath.Join("testdata", "docs")}
	for _, dir := range candidates {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return dir
		}
	}
	return candidates[0] // List reports that it is missing
}

// isTerminal reports whether f is a terminal (or another character device),
// where rewriting a line with \r shows as live progress.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func main() {
	dir := flag.String("dir", "", "folder of .txt files to summarize (default: the example's testdata/docs)")
	db := flag.String("db", "", "record the runs in the run log `FILE` (see picoflow runs and picoflow monitor)")
	flag.Parse()
	if *dir == "" {
		*dir = defaultDir()
	}
	if err := run(context.Background(), os.Stdout, os.Stderr, isTerminal(os.Stderr), *dir, *db); err != nil {
		fmt.Fprintln(os.Stderr, "mapreduce:", err)
		os.Exit(1)
	}
}
