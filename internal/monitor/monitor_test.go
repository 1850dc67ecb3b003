package monitor

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/digital-duck/picoflow-go/internal/testflow"
	"github.com/digital-duck/picoflow-go/runtime"
	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

func TestMain(m *testing.M) {
	time.Local = time.UTC // the pages show local times
	pollRunning, pollStopped, pollRuns = 20*time.Millisecond, 50*time.Millisecond, 50*time.Millisecond
	os.Exit(m.Run())
}

// get returns the status and body of GET path from h.
func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec.Code, rec.Body.String()
}

// contains fails t for each of wants that body lacks.
func contains(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks\n\t%s", what, w)
		}
	}
	if t.Failed() {
		t.Logf("%s:\n%s", what, body)
	}
}

func lacks(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if strings.Contains(body, w) {
			t.Errorf("%s has\n\t%s", what, w)
		}
	}
}

func row(id, status, started, steps, elapsed, err string) string {
	return `<tr class="run status-` + status + `" data-run="` + id + `"><td><span class="badge status-` + status + `">` + status + `</span></td>` +
		`<td class="id"><a href="/runs/` + id + `">` + id + `</a></td><td>Loop</td><td class="time">` + started + `</td>` +
		`<td class="num">` + steps + `</td><td class="num">` + elapsed + `</td><td class="err">` + err + `</td></tr>`
}

var (
	waitingRow = row(waitingRun, "waiting", "2026-12-01 09:30:00", "6", "50ms", "flow Loop: run aaaa1111 waits at node Ask (step 6) for an answer")
	failedRow  = row(failedRun, "failed", "2026-12-01 09:31:00", "2", "50ms", "flow Loop: node Count (step 2) exec: count broke")
	doneRow    = row(doneRun, "done", "2026-12-01 09:32:00", "7", "120ms", "")
	noGraphRow = row(noGraphRun, "failed", "2026-12-01 09:33:00", "1", "50ms", "flow Loop: node Count (step 1) exec: count broke")
)

func TestRunsList(t *testing.T) {
	h := Handler(logWithRuns(t))
	code, body := get(t, h, "/")
	if code != 200 {
		t.Fatalf("GET /: %d", code)
	}
	// Newest first.
	all := noGraphRow + "\n" + doneRow + "\n" + failedRow + "\n" + waitingRow + "\n"
	contains(t, "GET /", body, all, `<datalist id="flows"><option value="Loop"></datalist>`, `<option value="">any</option><option>running</option>`)
}

func TestRunsFilters(t *testing.T) {
	h := Handler(logWithRuns(t))
	for _, c := range []struct {
		query string
		want  []string // the rows, in order
		form  string   // a part of the form that shows the filter
	}{
		{"?status=failed", []string{noGraphRow, failedRow}, `<option selected>failed</option>`},
		{"?status=waiting&flow=Loop", []string{waitingRow}, `<input name="flow" value="Loop"`},
		{"?id=cc", []string{doneRow}, `<input name="id" value="cc"`},
		{"?id=+bbbb+", []string{failedRow}, `<input name="id" value="bbbb"`},
		{"?flow=Loop", []string{noGraphRow, doneRow, failedRow, waitingRow}, `<a class="clear" href="/">clear</a>`},
	} {
		code, body := get(t, h, "/"+c.query)
		if code != 200 {
			t.Errorf("%s: %d", c.query, code)
			continue
		}
		contains(t, c.query, body, strings.Join(c.want, "\n")+"\n</tbody>", c.form)
		if n := strings.Count(body, `<tr class="run `); n != len(c.want) {
			t.Errorf("%s: %d runs, want %d", c.query, n, len(c.want))
		}
	}
	for _, q := range []string{"?flow=Nope", "?status=canceled", "?id=zz", "?flow=Loop&id=aaaa&status=done"} {
		_, body := get(t, h, "/"+q)
		contains(t, q, body, `<p class="empty">No runs match the filter.</p>`)
	}
	// The table alone, for the page's live updates.
	_, body := get(t, h, "/?status=done&fragment=1")
	if !strings.HasPrefix(body, `<table class="runs">`) || !strings.Contains(body, doneRow) || strings.Contains(body, "<html") {
		t.Errorf("fragment:\n%s", body)
	}
}

func TestEmptyLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runs.db")
	l, err := runlog.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	code, body := get(t, Handler(l), "/")
	if code != 200 {
		t.Fatalf("GET /: %d", code)
	}
	contains(t, "empty log", body, `<p class="empty">No runs in `+path+` yet: a flow run with the log's options (runlog.Log.Options) records its runs there.</p>`)
	lacks(t, "empty log", body, `<table class="runs">`)
}

func TestRunGraph(t *testing.T) {
	h := Handler(logWithRuns(t))
	_, body := get(t, h, "/runs/"+doneRun)
	contains(t, "done run", body,
		`<svg class="graph" xmlns="http://www.w3.org/2000/svg"`,
		// The path taken: every node ran, Count three times (its loop twice),
		// the group's members once each, and Finish ended the run; Ask's
		// "no" did not happen.
		`<g class="node kind-node taken start" data-node="Count"><title>Count: run 3 times, 30ms in all, 6 attempts</title>`,
		`<text class="sub" x="90" y="121">3× · 30ms</text>`,
		`<g class="edge taken" data-from="Count" data-to="Count">`,
		`<text class="label" x="90" y="55"><tspan class="taken">more ×2</tspan></text>`,
		`<g class="edge taken" data-from="Count" data-to="Left&#43;Right">`,
		`<g class="node kind-group taken" data-node="Left&#43;Right">`,
		`<text class="group-label" x="222" y="63">parallel · 1× · 20ms</text>`,
		`<g class="member kind-member taken" data-node="Left"><title>Left: run 1 time, 20ms in all</title>`,
		`<g class="member kind-member taken" data-node="Right">`,
		`<g class="edge taken" data-from="Left&#43;Right" data-to="Ask">`,
		`<g class="node kind-node taken" data-node="Ask"><title>Ask: run 1 time, 5ms in all</title>`,
		`<g class="edge taken" data-from="Ask" data-to="Finish">`,
		`<g class="edge" data-from="Ask" data-to="end"><path d="M544,108 C592,108 593,155 641,155" marker-end="url(#arrow)"/><rect class="label-bg" x="568" y="112" width="24" height="16" rx="3"/><text class="label" x="580" y="124"><tspan>no</tspan></text></g>`,
		`<g class="edge taken" data-from="Finish" data-to="end">`,
		`<g class="node kind-end taken" data-node="end">`,
	)

	// The failed run stopped in Count; nothing after it ran.
	_, body = get(t, h, "/runs/"+failedRun)
	contains(t, "failed run", body,
		`<g class="node kind-node taken failed start" data-node="Count">`,
		`<g class="edge taken" data-from="Count" data-to="Count">`,
		`<g class="edge" data-from="Count" data-to="Left&#43;Right">`,
		`<g class="node kind-group" data-node="Left&#43;Right">`,
		`<g class="node kind-node" data-node="Ask">`,
	)
	// The waiting run waits at Ask.
	_, body = get(t, h, "/runs/"+waitingRun)
	contains(t, "waiting run", body,
		`<g class="node kind-node taken waiting" data-node="Ask">`,
		`<g class="edge" data-from="Ask" data-to="Finish">`,
		`<g class="node kind-node" data-node="Finish">`,
	)

	_, body = get(t, h, "/runs/"+noGraphRun)
	contains(t, "run without a graph", body, `<p class="empty">The log has no graph of flow Loop for this run.</p>`, `<tr class="step status-failed" data-step="1" data-node="Count">`)
	lacks(t, "run without a graph", body, `<svg class="graph"`)
}

func TestRunTimeline(t *testing.T) {
	h := Handler(logWithRuns(t))
	_, body := get(t, h, "/runs/"+doneRun)
	contains(t, "done run", body,
		// The scale: 120 ms, the run's time.
		`<div class="axis"><span>0s</span><span>30ms</span><span>60ms</span><span>90ms</span><span>120ms</span></div>`,
		// Step 1: 10 ms from the start, two attempts, a retry at 5 ms that
		// waited 2 ms.
		`<tr class="step status-done" data-step="1" data-node="Count">
<td class="num">1</td>
<td class="node">Count</td>
<td>more</td>
<td><span class="badge status-done">done</span></td>
<td class="num">&#43;0s</td>
<td class="num">10ms</td>
<td class="num">2 <span class="retry-count">1 retry</span></td>
<td class="bars"><svg class="bar" viewBox="0 0 1000 16" preserveAspectRatio="none" aria-hidden="true"><rect class="track" x="0" y="7" width="1000" height="2"/><rect class="bar status-done" x="0" y="2" width="83" height="12"><title>step 1 Count: done, 10ms from &#43;0s, 2 attempts</title></rect><rect class="mark wait" x="41" y="0" width="16" height="16"><title>retry after attempt 1: flaky; waited 2ms</title></rect><rect class="mark retry" x="41" y="0" width="3" height="16"><title>retry after attempt 1: flaky; waited 2ms</title></rect></svg></td>
</tr>`,
		`<rect class="bar status-done" x="83" y="2" width="83" height="12"><title>step 2 Count: done, 10ms from &#43;10ms, 2 attempts</title></rect>`,
		// The group's members side by side: one row each, at the same time.
		`<tr class="step status-done parallel" data-step="4" data-node="Left">
<td class="num">4</td>
<td class="node">Left <span class="par" title="ran in parallel group Left&#43;Right">∥ Left&#43;Right</span></td>`,
		`<rect class="bar status-done" x="250" y="2" width="166" height="12"><title>step 4 Left: done, 20ms from &#43;30ms</title></rect>`,
		`<tr class="step status-done parallel" data-step="5" data-node="Right">`,
		`<rect class="bar status-done" x="250" y="2" width="166" height="12"><title>step 5 Right: done, 20ms from &#43;30ms</title></rect>`,
		`<rect class="bar status-done" x="833" y="2" width="41" height="12"><title>step 6 Ask: done, 5ms from &#43;100ms</title></rect>`,
		`<rect class="bar status-done" x="916" y="2" width="83" height="12"><title>step 7 Finish: done, 10ms from &#43;110ms</title></rect>`,
		// The retries, listed.
		`<tr class="retry"><td class="num">2</td><td>Count</td><td>retry</td><td class="num">1</td><td class="num">2ms</td><td class="num">&#43;15ms</td><td class="err">flaky</td></tr>`,
	)
	if n := strings.Count(body, `<tr class="step `); n != 7 {
		t.Errorf("%d timeline rows, want 7", n)
	}
	// A waiting step is a bar at its start.
	_, body = get(t, h, "/runs/"+waitingRun)
	contains(t, "waiting run", body, `<rect class="bar status-waiting" x="997" y="2" width="3" height="12"><title>step 6 Ask: waiting, 0s from &#43;50ms</title></rect>`)
}

func TestLongRun(t *testing.T) {
	defer func(steps, stores int) { maxSteps, maxStores = steps, stores }(maxSteps, maxStores)
	maxSteps, maxStores = 2, 3
	_, body := get(t, Handler(logWithRuns(t)), "/runs/"+doneRun)
	contains(t, "done run", body,
		`<p class="note">The 5 steps before these are not shown.</p>`,
		`<p class="note">The stores of the 3 checkpoints before these are not shown.</p>`,
		`<tr class="step status-done" data-step="6" data-node="Ask">`,
		`<tr data-step="5">`,
		// The graph has them all.
		`<text class="sub" x="90" y="121">3× · 30ms</text>`,
	)
	if n := strings.Count(body, `<tr class="step `); n != 2 {
		t.Errorf("%d timeline rows, want 2", n)
	}
	lacks(t, "done run", body, `<tr data-step="3">`, "The first checkpoint")
}

func TestRunStores(t *testing.T) {
	h := Handler(logWithRuns(t))
	_, body := get(t, h, "/runs/"+doneRun)
	contains(t, "done run", body,
		`<tr data-step="1"><td class="num">1</td><td class="node">Count → Count</td><td><div class="fields"><span class="field" title="1"><span class="k">n</span> <span class="v">1</span></span>`,
		`<p class="note">The first checkpoint's changes are not marked: the log has no store before it.</p>`,
		`<tr data-step="2"><td class="num">2</td><td class="node">Count → Count</td><td><div class="fields"><span class="field changed" title="was 1"><span class="k">n</span> <span class="v">2</span></span><span class="field" title="3"><span class="k">limit</span> <span class="v">3</span></span>`,
		`<tr data-step="3"><td class="num">3</td><td class="node">Count → Left&#43;Right</td><td><div class="fields"><span class="field changed" title="was 2"><span class="k">n</span> <span class="v">3</span></span>`,
		// The group's merge wrote log.
		`<span class="field changed" title="was null"><span class="k">log</span> <span class="v">[&#34;left&#34;,&#34;right&#34;]</span></span>`,
		`<tr data-step="7"><td class="num">7</td><td class="node">Finish → end</td>`,
		`<span class="field changed" title="was &#34;&#34;"><span class="k">note</span> <span class="v">&#34;finished&#34;</span></span>`,
	)
	if n := strings.Count(body, `<span class="field changed" title=`); n != 4 {
		t.Errorf("%d changed fields, want 4 (n twice, log, note)", n)
	}
}

func TestRunErrorsAndQuestion(t *testing.T) {
	h := Handler(logWithRuns(t))
	_, body := get(t, h, "/runs/"+failedRun)
	contains(t, "failed run", body,
		`<div class="run-error"><p>Error</p><pre class="err">flow Loop: node Count (step 2) exec: count broke</pre></div>`,
		`<section id="errors"><h2>Errors</h2>
<div class="error"><h3>Step 2 · Count</h3><pre class="err">flow Loop: node Count (step 2) exec: count broke</pre><pre class="stack">goroutine 7 [running]:
testflow.(*count).Exec(&lt;script&gt;alert(1)&lt;/script&gt;)</pre></div>`,
		`<code>&#34;counting 2&#34;</code>`,
	)
	lacks(t, "failed run", body, "<script>alert", `class="question"`)

	_, body = get(t, h, "/runs/"+waitingRun)
	contains(t, "waiting run", body,
		`<div class="question"><p>Waiting at <b>Ask</b> for an answer to:</p><pre class="question">3</pre></div>`,
		`<span class="badge status-waiting" id="status">waiting</span>`,
	)
	lacks(t, "waiting run", body, `<section id="errors">`, `class="run-error"`)

	_, body = get(t, h, "/runs/"+doneRun)
	contains(t, "done run", body,
		`<tr><td class="num">1</td><td>Count</td><td class="num">&#43;8ms</td><td><code>&#34;counting 1&#34;</code></td></tr>`,
		`<tr><td class="num">3</td><td>Count</td><td class="num">&#43;28ms</td><td><code>&#34;counting 3&#34;</code></td></tr>`,
	)
	lacks(t, "done run", body, `<section id="errors">`, `class="run-error"`, `class="question"`)
}

func TestNotFound(t *testing.T) {
	l := logWithRuns(t)
	h := Handler(l)
	for _, c := range []struct{ path, want string }{
		{"/runs/zzzz", `<p class="message">There is no run &#34;zzzz&#34; in ` + l.Path() + `.</p>`},
		{"/runs/zzzz/events", `no run "zzzz"`},
		{"/runs/zzzz?fragment=1", `There is no run`},
		{"/nowhere", `<p class="message">There is no page /nowhere here.</p>`},
		{"/assets/none.css", "404"},
	} {
		code, body := get(t, h, c.path)
		if code != 404 || !strings.Contains(body, c.want) {
			t.Errorf("GET %s: %d\n%s\nwant 404 and %s", c.path, code, body, c.want)
		}
	}
	// A run ID's unique prefix names its run.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/runs/cccc?fragment=1", nil))
	if rec.Code != http.StatusFound || rec.Header().Get("Location") != "/runs/cccc3333?fragment=1" {
		t.Errorf("GET /runs/cccc: %d %q", rec.Code, rec.Header().Get("Location"))
	}
}

func TestEscapes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runs.db")
	l, err := runlog.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	id := `x/"><img src=x onerror=alert(1)>`
	_ = testflow.New(testflow.Nodes{FailAt: 1}).Run(context.Background(), testflow.NewJob(), append(l.Options(), runtime.WithRunID(id))...)
	h := Handler(l)
	_, body := get(t, h, "/")
	contains(t, "runs", body, `<a href="/runs/x%2F%22%3E%3Cimg%20src=x%20onerror=alert%281%29%3E">x/&#34;&gt;&lt;img src=x onerror=alert(1)&gt;</a>`)
	code, body := get(t, h, "/runs/x%2F%22%3E%3Cimg%20src=x%20onerror=alert%281%29%3E")
	if code != 200 {
		t.Fatalf("the run's page: %d\n%s", code, body)
	}
	contains(t, "run", body, `<h1>Run <span class="id">x/&#34;&gt;&lt;img src=x onerror=alert(1)&gt;</span>`)
	lacks(t, "run", body, "<img")
}

func TestHeaders(t *testing.T) {
	h := Handler(logWithRuns(t))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'; script-src 'self'") {
		t.Errorf("Content-Security-Policy: %q", csp)
	}
	for path, typ := range map[string]string{"/assets/style.css": "text/css", "/assets/monitor.js": "text/javascript"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), typ) {
			t.Errorf("GET %s: %d %q", path, rec.Code, rec.Header().Get("Content-Type"))
		}
	}
	// Pages and assets name nothing on the network.
	for _, name := range []string{"assets/style.css", "assets/monitor.js"} {
		b, _ := assetFS.ReadFile(name)
		if strings.Contains(string(b), "http:") || strings.Contains(string(b), "https:") || strings.Contains(string(b), "@import") {
			t.Errorf("%s names the network", name)
		}
	}

	local := LocalOnly(h)
	for host, want := range map[string]int{"localhost:8080": 200, "127.0.0.1:8080": 200, "[::1]:9000": 200, "LOCALHOST": 200, "evil.example:8080": 403, "10.0.0.1": 403} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		local.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("Host %s: %d, want %d", host, rec.Code, want)
		}
	}
	for addr, want := range map[string]bool{"127.0.0.1:8080": true, "localhost:0": true, "[::1]:80": true, ":8080": false, "0.0.0.0:8080": false, "192.168.1.2:80": false} {
		if IsLoopback(addr) != want {
			t.Errorf("IsLoopback(%q) = %v", addr, !want)
		}
	}
}

// sse reads server-sent events from r.
type sse struct {
	r *bufio.Reader
}

type sseEvent struct {
	id, name, data string
}

func (s *sse) next() (sseEvent, error) {
	var e sseEvent
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return e, err
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if e.name != "" || e.data != "" {
				return e, nil
			}
		case strings.HasPrefix(line, "id: "):
			e.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			e.name = line[7:]
		case strings.HasPrefix(line, "data: "):
			e.data = line[6:]
		}
	}
}

// TestRunEvents follows a run in progress, whose Count takes a while,
// through its stream: it sends each step as it is recorded, then the
// run's state, up to its wait at Ask.
func TestRunEvents(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runs.db")
	writer, err := runlog.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	reader, err := runlog.OpenExisting(path) // as the monitor of another process
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	srv := httptest.NewServer(Handler(reader))
	defer srv.Close()

	started := make(chan int, 10)
	gate := make(chan struct{})
	n := testflow.Nodes{Delay: 30 * time.Millisecond, Started: func(n int) {
		started <- n
		if n == 1 {
			<-gate // step 2 waits until the stream is open
		}
	}}
	done := make(chan error, 1)
	go func() {
		done <- testflow.New(n).Run(context.Background(), testflow.NewJob(), append(writer.Options(), runtime.WithRunID("live1"))...)
	}()
	<-started
	<-started // step 2 has begun: step 1 is in the log
	run, err := reader.Run("live1")
	if err != nil {
		t.Fatal(err)
	}
	if steps, _ := reader.Steps("live1"); len(steps) != 1 || run.Status != runlog.StatusRunning {
		t.Fatalf("run %s with steps %+v", run.Status, steps)
	}
	// The page of the run in progress marks where it is, and names its
	// stream.
	_, page := get(t, Handler(reader), "/runs/live1")
	contains(t, "the run in progress", page,
		`<g class="node kind-node taken current start" data-node="Count">`,
		`<span class="badge status-running" id="status">running</span>`,
		`data-live="/runs/live1/events?after=`,
		`data-fragment="/runs/live1?fragment=1" data-target="live"`,
	)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/runs/live1/events?updated="+strconv.FormatInt(run.Updated.UnixNano(), 10)+"&steps=1", nil)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	close(gate)
	s := &sse{bufio.NewReader(res.Body)}
	var got []string
	var kinds []string
	var last runData
	for last.Status != runlog.StatusWaiting {
		e, err := s.next()
		if err != nil {
			t.Fatalf("after steps %v: %v", got, err)
		}
		switch e.name {
		case "step":
			var d stepData
			if err := json.Unmarshal([]byte(e.data), &d); err != nil {
				t.Fatal(err)
			}
			if d.Node == "Right" {
				d.Node = "Left" // which member takes which step is a race
			}
			got = append(got, fmt.Sprintf("%d %s %s %s", d.Step, d.Node, d.Status, d.Action))
		case "event":
			var d eventData
			json.Unmarshal([]byte(e.data), &d)
			kinds = append(kinds, d.Kind)
		case "run":
			if err := json.Unmarshal([]byte(e.data), &last); err != nil {
				t.Fatal(err)
			}
			if e.id == "" {
				t.Errorf("run event without an id")
			}
		}
	}
	if err := <-done; !errors.As(err, new(*runtime.Interrupt)) {
		t.Fatalf("run: %v", err)
	}
	// Each step after the one the client had, once, in order.
	want := []string{"2 Count done more", "3 Count done done", "4 Left done ", "5 Left done ", "6 Ask waiting "}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("steps sent:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !slices.Contains(kinds, "emit") || !slices.Contains(kinds, "write") {
		t.Errorf("events sent: %v, want emits and writes", kinds)
	}
	if last.Steps != 6 || last.Waiting != "Ask" {
		t.Errorf("last run event: %+v", last)
	}
}

// TestRunsEvents: the runs list's stream says when a run is added.
func TestRunsEvents(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runs.db")
	l, err := runlog.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	srv := httptest.NewServer(Handler(l))
	defer srv.Close()
	// The version of the page the client has: the empty list.
	_, body := get(t, Handler(l), "/")
	i := strings.Index(body, `data-live="`)
	live := strings.ReplaceAll(body[i+len(`data-live="`):][:strings.Index(body[i+len(`data-live="`):], `"`)], "&amp;", "&")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+live, nil)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	s := &sse{bufio.NewReader(res.Body)}
	go testflow.New(testflow.Nodes{FailAt: 1}).Run(context.Background(), testflow.NewJob(), append(l.Options(), runtime.WithRunID("new1"))...)
	e, err := s.next()
	if err != nil || e.name != "runs" || e.data != `{"runs":1}` {
		t.Fatalf("%+v %v", e, err)
	}
	res.Body.Close()
	io.Copy(io.Discard, res.Body)
}
