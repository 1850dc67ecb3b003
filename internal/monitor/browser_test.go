package monitor

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/digital-duck/picoflow-go/internal/testflow"
	"github.com/digital-duck/picoflow-go/runtime"
	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

// browser is the Chromium (or Chrome) the browser test drives, "" when
// none is installed.
func browser() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}

// liveRun is the run TestBrowser starts while its page is open.
const liveRun = "7f3a9c21"

// TestBrowser drives a headless Chromium through the monitor of a log
// written by running the test flow: the runs list and its filter, a
// failed run's error and stack, a waiting run's question, then a run
// started while the list is open, which appears in it, and whose page
// shows each step as it ends, without a reload, through its wait at Ask
// and its answer to the end. The page of that run, its graph with the
// path taken, its timeline and its stores, is saved as a screenshot:
// under the test's temporary directory, and at $PICOFLOW_SCREENSHOT when
// that is set.
func TestBrowser(t *testing.T) {
	exe := browser()
	if exe == "" {
		t.Skip("no browser installed (looked for /usr/bin/chromium, and chromium, chromium-browser, google-chrome on PATH): apt-get install chromium to run this test")
	}
	path := filepath.Join(t.TempDir(), "runs.db")
	l, err := runlog.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	recordRuns(t, l)
	srv := httptest.NewServer(LocalOnly(Handler(l)))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // CI runs as root
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("hide-scrollbars", true),
	)
	alloc, stopBrowser := chromedp.NewExecAllocator(ctx, opts...)
	defer stopBrowser() // kills the browser and waits for it
	tab, closeTab := chromedp.NewContext(alloc)
	defer closeTab()
	start := time.Now()
	if err := chromedp.Run(tab); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	t.Logf("%s started in %v", exe, time.Since(start).Round(time.Millisecond))
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(tab, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(what, js string, out any) {
		t.Helper()
		run(what, chromedp.Evaluate(js, out))
	}
	rowsJS := `[...document.querySelectorAll("tr.run")].map(r => r.dataset.run + " " + r.querySelector(".badge").textContent)`

	// The runs list, and its filter.
	var rows []string
	run("runs list", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(`tr[data-run="`+waitingRun+`"]`))
	eval("runs", rowsJS, &rows)
	if want := []string{noGraphRun + " failed", doneRun + " done", failedRun + " failed", waitingRun + " waiting"}; !slices.Equal(rows, want) {
		t.Errorf("runs list: %q, want %q", rows, want)
	}
	run("filter", chromedp.SetValue(`select[name="status"]`, "failed"), chromedp.Submit(`form.filters`),
		chromedp.WaitNotPresent(`tr[data-run="`+doneRun+`"]`), chromedp.WaitVisible(`tr[data-run="`+failedRun+`"]`))
	eval("filtered runs", rowsJS, &rows)
	if want := []string{noGraphRun + " failed", failedRun + " failed"}; !slices.Equal(rows, want) {
		t.Errorf("status=failed: %q, want %q", rows, want)
	}

	// A failed run's error and stack, shown as text; a waiting run's
	// question.
	var stack, question string
	run("failed run", chromedp.Navigate(srv.URL+"/runs/"+failedRun), chromedp.WaitVisible(`#errors pre.err`), chromedp.Text(`#errors pre.err`, &stack))
	if stack != "flow Loop: node Count (step 2) exec: count broke" {
		t.Errorf("failed run's error: %q", stack)
	}
	run("waiting run", chromedp.Navigate(srv.URL+"/runs/"+waitingRun), chromedp.WaitVisible(`pre.question`), chromedp.Text(`pre.question`, &question))
	if question != "3" {
		t.Errorf("question: %q", question)
	}

	// A run in progress: its Count takes a while (and two attempts), and
	// its second step waits until the page is watching.
	watching := make(chan struct{})
	counting := make(chan int, 16)
	nodes := testflow.Nodes{Flaky: true, Delay: 120 * time.Millisecond, Started: func(n int) {
		select {
		case counting <- n:
		default:
		}
		if n == 1 {
			<-watching
		}
	}}
	run("runs list", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(`tr[data-run="`+doneRun+`"]`))
	ran := make(chan error, 1)
	go func() {
		ran <- testflow.New(nodes).Run(context.Background(), testflow.NewJob(), append(l.Options(), runtime.WithRunID(liveRun))...)
	}()
	defer func() {
		select {
		case <-watching:
		default:
			close(watching)
		}
	}()
	// The list shows the new run without a reload; its link opens it.
	run("the new run in the list", waitFor(`document.querySelector('tr[data-run="`+liveRun+`"]') !== null`))
	for n := range counting {
		if n == 1 {
			break // step 1 is in the log
		}
	}
	// Its link, followed: read in the page, which may replace the list
	// between a lookup of the link and a click from here.
	var href string
	eval("the new run's link", `document.querySelector('tr[data-run="`+liveRun+`"] a').href`, &href)
	if href != srv.URL+"/runs/"+liveRun {
		t.Fatalf("the new run's link is %s", href)
	}
	run("open the new run", chromedp.Navigate(href), waitFor(`document.querySelector("#status") !== null`))
	var first int
	eval("watch", `window.marker = 42; window.seen = [];
		(function watch() {
			const n = document.querySelectorAll("#timeline tr.step").length;
			if (window.seen[window.seen.length - 1] !== n) window.seen.push(n);
			setTimeout(watch, 15);
		})();
		document.querySelectorAll("#timeline tr.step").length`, &first)
	close(watching)
	run("the run waits", waitFor(`document.querySelector("#status").textContent === "waiting" &&
		window.seen[window.seen.length - 1] === document.querySelectorAll("#timeline tr.step").length`))
	if err := <-ran; !errors.As(err, new(*runtime.Interrupt)) {
		t.Fatalf("live run: %v", err)
	}
	var seen []int
	var marker int
	eval("seen", `window.seen`, &seen)
	eval("marker", `window.marker`, &marker)
	// The rows came as the steps ended: 1 when the page opened, then 2
	// when the second Count ended, …, then 6 (the third Count, the group
	// and Ask end together).
	if first != 1 || marker != 42 || len(seen) < 3 || seen[0] != 1 || !slices.Contains(seen, 2) || seen[len(seen)-1] != 6 || !slices.IsSorted(seen) {
		t.Errorf("timeline rows seen %v (first %d), marker %d: want 1, 2, … 6 in one page", seen, first, marker)
	}
	var q string
	eval("the question", `document.querySelector("pre.question").textContent`, &q)
	if q != "3" {
		t.Errorf("the live run's question: %q", q)
	}

	// Answered, it goes on to Finish and is done: the page follows.
	cp, err := l.Latest(liveRun)
	if err != nil {
		t.Fatal(err)
	}
	if err := testflow.New(nodes).ResumeAsk(context.Background(), testflow.NewJob(), cp, true, l.Options()...); err != nil {
		t.Fatal(err)
	}
	run("the run is done", waitFor(`document.querySelector("#status").textContent === "done" && document.querySelector('svg.graph g.node.taken[data-node="Finish"]') !== null`))
	var page struct {
		Marker     int
		Taken      []string
		Edges      []string
		Rows       int
		Bars       int
		Retries    int
		Changed    []string
		EdgeColour string
		Emits      int
	}
	eval("the page", `({
		marker: window.marker,
		taken: [...document.querySelectorAll("svg.graph g.node.taken, svg.graph g.member.taken")].map(g => g.dataset.node),
		edges: [...document.querySelectorAll("svg.graph g.edge.taken")].map(g => g.dataset.from + ">" + g.dataset.to),
		rows: document.querySelectorAll("#timeline tr.step").length,
		bars: [...document.querySelectorAll("#timeline rect.bar")].filter(r => r.getBoundingClientRect().width > 0).length,
		retries: document.querySelectorAll("#timeline rect.mark.retry").length,
		changed: [...document.querySelectorAll("#stores .field.changed .k")].map(e => e.textContent),
		edgeColour: getComputedStyle(document.querySelector("svg.graph g.edge.taken path")).stroke,
		emits: document.querySelectorAll("#emits tbody tr").length,
	})`, &page)
	if page.Marker != 42 {
		t.Errorf("the page was reloaded")
	}
	if want := []string{"Count", "Left+Right", "Left", "Right", "Ask", "Finish", "end"}; !slices.Equal(page.Taken, want) {
		t.Errorf("taken nodes %q, want %q", page.Taken, want)
	}
	if want := []string{"Count>Count", "Count>Left+Right", "Ask>Finish", "Finish>end", "Left+Right>Ask"}; !slices.Equal(page.Edges, want) {
		t.Errorf("taken edges %q, want %q", page.Edges, want)
	}
	if page.Rows != 7 || page.Bars != 7 || page.Retries != 3 || page.Emits != 6 {
		t.Errorf("timeline: %d rows, %d bars, %d retries, %d emits; want 7, 7, 3, 6", page.Rows, page.Bars, page.Retries, page.Emits)
	}
	if want := []string{"n", "n", "log", "note"}; !slices.Equal(page.Changed, want) {
		t.Errorf("changed fields %q, want %q", page.Changed, want)
	}
	if page.EdgeColour != "rgb(30, 142, 62)" {
		t.Errorf("a taken edge's colour: %q (is the stylesheet applied?)", page.EdgeColour)
	}

	// The screenshot, of the whole page.
	var shot []byte
	run("screenshot", chromedp.FullScreenshot(&shot, 100))
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if n, b := colours(img), img.Bounds(); n < 64 || b.Dx() != 1280 || b.Dy() < 900 {
		t.Errorf("screenshot: %dx%d with %d colours: want 1280 wide, a page tall, many colours", b.Dx(), b.Dy(), n)
	}
	out := filepath.Join(t.TempDir(), "monitor.png")
	if p := os.Getenv("PICOFLOW_SCREENSHOT"); p != "" {
		out = p
	}
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s, %d KB; the test took %v", out, len(shot)>>10, time.Since(start).Round(time.Millisecond))
}

// waitFor waits until the JavaScript expression cond is true in the page.
// It reads the page in one evaluation: a part that the page replaces as
// the log changes may be gone between a lookup of its node and a read.
func waitFor(cond string) chromedp.Action {
	return chromedp.Poll(cond, nil, chromedp.WithPollingTimeout(20*time.Second), chromedp.WithPollingInterval(10*time.Millisecond))
}

// colours counts the distinct colours of img (up to 1000).
func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= 1000 {
				return len(seen)
			}
		}
	}
	return len(seen)
}
