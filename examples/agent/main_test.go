package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

// llmFunc adapts a func to LLM, for scripted test models.
type llmFunc func(ctx context.Context, messages []Message) (string, error)

func (f llmFunc) Complete(ctx context.Context, messages []Message) (string, error) {
	return f(ctx, messages)
}

// trace records the path of a run ("Node:action" per step) and its retries.
type trace struct {
	path    []string
	retries []runtime.RetryEvent
}

func (tr *trace) option() runtime.Option {
	return runtime.WithHooks(runtime.Hooks{
		NodeEnd: func(e runtime.NodeEvent) { tr.path = append(tr.path, e.Node+":"+e.Action) },
		Retry:   func(e runtime.RetryEvent) { tr.retries = append(tr.retries, e) },
	})
}

func (tr *trace) String() string { return strings.Join(tr.path, " ") }

func noEnv(string) string { return "" }

func TestRunOffline(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), "", nil, noEnv, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	wantLog := `Question: What is PocketFlow?
Using the offline scripted model (set OPENAI_BASE_URL for a real one).
step 1: Decide -> search: I have no notes yet. Query: "What is PocketFlow?"
step 2: Search -> decide: 2 notes
step 3: Decide -> answer: The notes cover the question.
step 4: Answer
`
	wantAnswer := "PocketFlow is a 100-line Python framework for LLM applications: nodes with prep, exec and post steps share one store and are linked by named actions. (source: pocketflow)\n"
	if stderr.String() != wantLog {
		t.Errorf("progress:\n%s\nwant:\n%s", stderr.String(), wantLog)
	}
	if stdout.String() != wantAnswer {
		t.Errorf("answer: %q\nwant: %q", stdout.String(), wantAnswer)
	}
}

// TestRunLog: with -db the offline run is recorded in the run log, step by
// step, and answers as it does without.
func TestRunLog(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	var stdout bytes.Buffer
	if err := run(context.Background(), db, []string{"What", "is", "Ollama?"}, noEnv, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stdout.String(), "Ollama runs open models") {
		t.Errorf("answer %q, want the offline one about Ollama", stdout.String())
	}
	runLog, err := runlog.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer runLog.Close()
	runs, err := runLog.Runs(runlog.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Flow != "Research" || runs[0].Status != runlog.StatusDone || runs[0].Steps != 4 {
		t.Fatalf("runs %+v, want one of Research, done after 4 steps", runs)
	}
	steps, err := runLog.Steps(runs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var path []string
	for _, s := range steps {
		path = append(path, s.Node+":"+s.Action)
	}
	if want := []string{"Decide:search", "Search:decide", "Decide:answer", "Answer:"}; !slices.Equal(path, want) {
		t.Errorf("steps %q, want %q", path, want)
	}
}

func TestOfflinePaths(t *testing.T) {
	for _, c := range []struct{ question, path, answer string }{
		{"What is PocketFlow?", "Decide:search Search:decide Decide:answer Answer:", "PocketFlow is a 100-line"},
		{"What is Ollama?", "Decide:search Search:decide Decide:answer Answer:", "Ollama runs open models"},
		{"What is the capital of France?", "Decide:search Search:decide Decide:answer Answer:", "My notes do not cover that question."},
	} {
		var tr trace
		s, err := research(context.Background(), scripted{}, c.question, io.Discard, tr.option())
		if err != nil {
			t.Fatal(err)
		}
		if tr.String() != c.path {
			t.Errorf("%q took %q, want %q", c.question, tr.String(), c.path)
		}
		if !strings.HasPrefix(s.Answer, c.answer) {
			t.Errorf("%q answered %q, want it to start with %q", c.question, s.Answer, c.answer)
		}
		if s.Searches != 1 || s.Query != c.question {
			t.Errorf("%q: searches %d for %q, want 1 for the question", c.question, s.Searches, s.Query)
		}
	}
}

// TestSearchBudget: a model that never stops searching is made to answer
// once max_searches is reached, well before max_steps.
func TestSearchBudget(t *testing.T) {
	model := llmFunc(func(_ context.Context, m []Message) (string, error) {
		if m[0].Content == answerSystem {
			return "enough", nil
		}
		return `{"action": "search", "reason": "More!", "query": "PicoFlow"}`, nil
	})
	var tr trace
	s, err := research(context.Background(), model, "q", io.Discard, tr.option())
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Repeat("Decide:search Search:decide ", 3) + "Decide:answer Answer:"
	if tr.String() != want {
		t.Errorf("path %q, want %q", tr.String(), want)
	}
	if s.Searches != 3 || s.Reason != "3 searches done; answering with the notes" || s.Answer != "enough" {
		t.Errorf("searches %d, reason %q, answer %q", s.Searches, s.Reason, s.Answer)
	}
	// The same hits came back each time; they are noted once.
	if len(s.Notes) != 2 {
		t.Errorf("notes %q, want the 2 PicoFlow documents once each", s.Notes)
	}
}

// TestUnparsableDecisionIsRetried: Decide's attempts give a rambling model
// another chance. It waits the node's 500ms once.
func TestUnparsableDecisionIsRetried(t *testing.T) {
	t.Parallel()
	decides := 0
	model := llmFunc(func(_ context.Context, m []Message) (string, error) {
		if m[0].Content == answerSystem {
			return "42", nil
		}
		decides++
		if decides == 1 {
			return "Sure! I think we should search.", nil
		}
		return `{"action": "answer", "reason": "I know this."}`, nil
	})
	var tr trace
	s, err := research(context.Background(), model, "q", io.Discard, tr.option())
	if err != nil {
		t.Fatal(err)
	}
	if tr.String() != "Decide:answer Answer:" || s.Answer != "42" || decides != 2 {
		t.Errorf("path %q, answer %q, %d decide calls", tr.String(), s.Answer, decides)
	}
	if len(tr.retries) != 1 || tr.retries[0].Node != "Decide" || !strings.Contains(tr.retries[0].Err.Error(), "no JSON object") {
		t.Errorf("retries %+v, want one of Decide for the missing JSON", tr.retries)
	}
}

func TestParseDecision(t *testing.T) {
	for _, c := range []struct {
		reply string
		want  Decision
		err   string
	}{
		{`{"action":"answer","reason":"ok"}`, Decision{Action: "answer", Reason: "ok"}, ""},
		{"```json\n{\"action\": \"Search\", \"reason\": \"r\", \"query\": \" go \"}\n```", Decision{Action: "search", Reason: "r", Query: "go"}, ""},
		{`Here you go: {"action": "answer", "reason": "r", "extra": 1} Hope it helps.`, Decision{Action: "answer", Reason: "r"}, ""},
		{"I would search.", Decision{}, "no JSON object"},
		{`{"action": "answer",}`, Decision{}, "invalid character"},
		{`{"action": "browse"}`, Decision{}, `action "browse" is neither search nor answer`},
		{`{"action": "search", "query": ""}`, Decision{}, "search without a query"},
	} {
		d, err := parseDecision(c.reply)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("parseDecision(%q): error %v, want one containing %q", c.reply, err, c.err)
			}
			continue
		}
		if err != nil || d != c.want {
			t.Errorf("parseDecision(%q) = %+v, %v; want %+v", c.reply, d, err, c.want)
		}
	}
}

// chatServer serves the chat-completions protocol through handle, which
// gets the request number (from 1) and the decoded request. It counts the
// requests.
type chatServer struct {
	*httptest.Server
	mu sync.Mutex
	n  int
}

func newChatServer(t *testing.T, handle func(n int, r *http.Request, req chatRequest, w http.ResponseWriter)) *chatServer {
	cs := &chatServer{}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.mu.Lock()
		cs.n++
		n := cs.n
		cs.mu.Unlock()
		var req chatRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("request %d: body: %v", n, err)
		}
		handle(n, r, req, w)
	}))
	t.Cleanup(cs.Close)
	return cs
}

func (cs *chatServer) requests() int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.n
}

func (cs *chatServer) client() *ChatClient {
	return &ChatClient{BaseURL: cs.URL + "/v1/", APIKey: "sk-test", Model: "test-model", HTTP: cs.Client()}
}

// reply writes a chat-completions response whose first choice says content.
func reply(w http.ResponseWriter, content string) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"choices": []any{map[string]any{"index": 0, "message": Message{Role: "assistant", Content: content}}},
	})
}

// TestChatClientProtocol serves the scripted model over HTTP: the online run
// takes the offline path and gives the offline answer.
func TestChatClientProtocol(t *testing.T) {
	cs := newChatServer(t, func(n int, r *http.Request, req chatRequest, w http.ResponseWriter) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
			t.Errorf("request %d: %s %s, want POST /v1/chat/completions", n, r.Method, r.URL.Path)
		}
		for h, want := range map[string]string{"Authorization": "Bearer sk-test", "Content-Type": "application/json", "Accept": "application/json"} {
			if got := r.Header.Get(h); got != want {
				t.Errorf("request %d: %s %q, want %q", n, h, got, want)
			}
		}
		if req.Model != "test-model" || len(req.Messages) != 2 || req.Messages[0].Role != "system" || req.Messages[1].Role != "user" {
			t.Errorf("request %d: model %q, messages %+v", n, req.Model, req.Messages)
		}
		content, err := scripted{}.Complete(r.Context(), req.Messages)
		if err != nil {
			t.Errorf("request %d: %v", n, err)
		}
		reply(w, content)
	})
	var tr trace
	s, err := research(context.Background(), cs.client(), defaultQuestion, io.Discard, tr.option())
	if err != nil {
		t.Fatal(err)
	}
	if tr.String() != "Decide:search Search:decide Decide:answer Answer:" || !strings.HasPrefix(s.Answer, "PocketFlow is a 100-line") {
		t.Errorf("path %q, answer %q", tr.String(), s.Answer)
	}
	if n := cs.requests(); n != 3 {
		t.Errorf("%d requests, want 3 (decide, decide, answer)", n)
	}
}

func TestChatClientWithoutKey(t *testing.T) {
	cs := newChatServer(t, func(_ int, r *http.Request, _ chatRequest, w http.ResponseWriter) {
		if h, ok := r.Header["Authorization"]; ok {
			t.Errorf("Authorization %q sent without a key", h)
		}
		reply(w, "hi")
	})
	c := cs.client()
	c.APIKey = ""
	if got, err := c.Complete(context.Background(), []Message{{Role: "user", Content: "hello"}}); err != nil || got != "hi" {
		t.Errorf("Complete = %q, %v", got, err)
	}
}

// TestRateLimitIsRetried: a 429 with Retry-After: 0 makes Decide try again
// at once (the header, not the node's 500ms wait, sets the pause).
func TestRateLimitIsRetried(t *testing.T) {
	var decides, answers atomic.Int32 // written by the server's goroutines
	cs := newChatServer(t, func(n int, _ *http.Request, req chatRequest, w http.ResponseWriter) {
		if req.Messages[0].Content == answerSystem {
			answers.Add(1)
			reply(w, "42")
			return
		}
		decides.Add(1)
		if n == 1 {
			w.Header().Set("Retry-After", "0")
			http.Error(w, `{"error": {"message": "slow down"}}`, http.StatusTooManyRequests)
			return
		}
		reply(w, `{"action": "answer", "reason": "I know this."}`)
	})
	var tr trace
	s, err := research(context.Background(), cs.client(), "q", io.Discard, tr.option())
	if err != nil {
		t.Fatal(err)
	}
	if decides.Load() != 2 || answers.Load() != 1 || s.Answer != "42" {
		t.Errorf("%d decide and %d answer requests, answer %q; want 2, 1, 42", decides.Load(), answers.Load(), s.Answer)
	}
	if len(tr.retries) != 1 {
		t.Fatalf("retries %+v, want 1", tr.retries)
	}
	r := tr.retries[0]
	var rl *RateLimitError
	if r.Node != "Decide" || r.Attempt != 1 || r.Wait != 0 || !errors.As(r.Err, &rl) || rl.StatusCode != 429 || rl.Message != "slow down" {
		t.Errorf("retry %+v, want Decide attempt 1 after a 429, no wait", r)
	}
}

// TestBadRequestFailsFast: a 400 is permanent, so Decide's three attempts
// stop at the first.
func TestBadRequestFailsFast(t *testing.T) {
	cs := newChatServer(t, func(_ int, _ *http.Request, _ chatRequest, w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error": {"message": "model \"test-model\" not found", "type": "invalid_request_error"}}`)
	})
	_, err := research(context.Background(), cs.client(), "q", io.Discard)
	var ne *runtime.NodeError
	if !errors.As(err, &ne) || ne.Node != "Decide" || ne.Step != 1 || ne.Phase != runtime.PhaseExec {
		t.Fatalf("error %v, want a *runtime.NodeError of Decide's exec at step 1", err)
	}
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 {
		t.Errorf("error %v, want an *APIError with status 400", err)
	}
	want := `flow Research: node Decide (step 1) exec: chat completions: HTTP 400 Bad Request: model "test-model" not found`
	if err.Error() != want {
		t.Errorf("error %q\nwant  %q", err, want)
	}
	if n := cs.requests(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// TestBadResponses: a body that is not the protocol's fails the run at once
// with an error that says what came back.
func TestBadResponses(t *testing.T) {
	for _, c := range []struct{ name, body, want string }{
		{"html", "<html>It works!</html>", `malformed response from URL/v1/chat/completions (invalid character '<' looking for beginning of value): "<html>It works!</html>"`},
		{"truncated", `{"choices": [{"message": {"content": "hi"`, `malformed response from URL/v1/chat/completions (unexpected end of JSON input)`},
		{"no choices", `{"choices": []}`, `response from URL/v1/chat/completions has no choices: "{\"choices\": []}"`},
		{"too large", `{"pad": "` + strings.Repeat("x", maxResponse) + `"}`, "HTTP 200 response larger than 1048576 bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cs := newChatServer(t, func(_ int, _ *http.Request, _ chatRequest, w http.ResponseWriter) {
				io.WriteString(w, c.body)
			})
			_, err := research(context.Background(), cs.client(), "q", io.Discard)
			want := strings.ReplaceAll(c.want, "URL", cs.URL)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error %v\nwant one containing %s", err, want)
			}
			if n := cs.requests(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

// TestServerErrorIsRetried: a 5xx is worth another attempt, after the
// node's wait of 500ms.
func TestServerErrorIsRetried(t *testing.T) {
	t.Parallel()
	cs := newChatServer(t, func(n int, _ *http.Request, req chatRequest, w http.ResponseWriter) {
		switch {
		case n == 1:
			http.Error(w, "upstream hiccup", http.StatusBadGateway)
		case req.Messages[0].Content == answerSystem:
			reply(w, "42")
		default:
			reply(w, `{"action": "answer", "reason": "r"}`)
		}
	})
	var tr trace
	if _, err := research(context.Background(), cs.client(), "q", io.Discard, tr.option()); err != nil {
		t.Fatal(err)
	}
	if len(tr.retries) != 1 || tr.retries[0].Wait != 500*time.Millisecond || cs.requests() != 3 {
		t.Errorf("retries %+v after %d requests, want 1 with the node's wait, 3 requests", tr.retries, cs.requests())
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, c := range []struct {
		h    string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{" 7 ", 7 * time.Second, true},
		{"99999999999999", runtime.MaxRetryAfter, true},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	} {
		if got, ok := parseRetryAfter(c.h, now); got != c.want || ok != c.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", c.h, got, ok, c.want, c.ok)
		}
	}
}

func TestStatusError(t *testing.T) {
	now := time.Now()
	var rl *RateLimitError
	if err := statusError(503, "2", []byte(`{"error": "loading model"}`), now); !errors.As(err, &rl) || rl.After != 2*time.Second || rl.Message != "loading model" {
		t.Errorf("503 with Retry-After: %v", err)
	}
	// Without a hint the node's own wait applies: no RetryAfter method.
	if err := statusError(429, "", nil, now); errors.As(err, &rl) || err.Error() != "chat completions: HTTP 429 Too Many Requests: (empty body)" {
		t.Errorf("429 without Retry-After: %v", err)
	}
	var ae *APIError
	if err := statusError(500, "", []byte("oops\n"), now); !errors.As(err, &ae) || ae.Message != "oops" {
		t.Errorf("500: %v", err)
	}
}

func TestModelFromEnv(t *testing.T) {
	if m, _ := modelFromEnv(noEnv); m != (scripted{}) {
		t.Errorf("no environment: %#v, want the scripted model", m)
	}
	env := map[string]string{"OPENAI_BASE_URL": "http://localhost:11434/v1", "OPENAI_API_KEY": "k"}
	m, about := modelFromEnv(func(k string) string { return env[k] })
	c, ok := m.(*ChatClient)
	if !ok || c.BaseURL != env["OPENAI_BASE_URL"] || c.APIKey != "k" || c.Model != "llama3.2" || about != "llama3.2 at http://localhost:11434/v1" {
		t.Errorf("with OPENAI_BASE_URL: %#v, %q", m, about)
	}
}

// streamReply writes content as server-sent events, a few characters at a
// time, and, unless cut, the closing [DONE].
func streamReply(w http.ResponseWriter, content string, cut bool) {
	w.Header().Set("Content-Type", "text/event-stream")
	flusher, _ := w.(http.Flusher)
	for i := 0; i < len(content); i += 4 {
		piece := content[i:min(i+4, len(content))]
		b, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0, "delta": map[string]string{"content": piece}}}})
		fmt.Fprintf(w, "data: %s\n\n", b)
		if flusher != nil {
			flusher.Flush()
		}
		if cut && i >= 4 {
			return // the connection ends mid-reply
		}
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
}

// A streaming model's reply reaches Emit hooks piece by piece, in order;
// a stream cut short is retried, and its Begin token tells the UI to drop
// the partial text.
func TestChatClientStreams(t *testing.T) {
	cs := newChatServer(t, func(n int, r *http.Request, req chatRequest, w http.ResponseWriter) {
		if !req.Stream || r.Header.Get("Accept") != "text/event-stream" {
			t.Errorf("request %d: stream %t, Accept %q", n, req.Stream, r.Header.Get("Accept"))
		}
		content, err := scripted{}.Complete(r.Context(), req.Messages)
		if err != nil {
			t.Errorf("request %d: %v", n, err)
		}
		streamReply(w, content, n == 3) // the Answer's first attempt is cut
	})
	c := cs.client()
	c.Stream = true
	var ui strings.Builder // what a UI shows of the Answer's stream
	var log bytes.Buffer
	answerStream := runtime.WithHooks(runtime.Hooks{Emit: func(e runtime.EmitEvent) {
		tok := e.Value.(Token)
		if e.Node != "Answer" {
			return
		}
		if tok.Begin {
			ui.Reset()
		}
		ui.WriteString(tok.Text)
	}})
	s, err := research(context.Background(), c, defaultQuestion, &log, answerStream, runtime.WithPolicy(func(_ string, p runtime.Policy) runtime.Policy {
		p.Wait = 0
		return p
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.Answer, "PocketFlow is a 100-line") || ui.String() != s.Answer {
		t.Errorf("answer %q, the UI shows %q; want them equal", s.Answer, ui.String())
	}
	if n := cs.requests(); n != 4 {
		t.Errorf("%d requests, want 4 (decide, decide, a cut answer, the answer)", n)
	}
	if !strings.Contains(log.String(), "step 4: Answer attempt 1 failed") || !strings.Contains(log.String(), "step 4: Answer streams: PocketFlow is a 100-line") {
		t.Errorf("log:\n%s", log.String())
	}
}
