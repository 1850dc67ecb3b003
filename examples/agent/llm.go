package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
)

// Message is one chat message, in the shape the chat-completions protocol
// sends it.
type Message struct {
	Role    string `json:"role"` // "system", "user" or "assistant"
	Content string `json:"content"`
}

// LLM is a chat model: Complete returns its reply to messages. The nodes
// depend only on this, so the offline script and a real server are
// interchangeable.
type LLM interface {
	Complete(ctx context.Context, messages []Message) (string, error)
}

// maxResponse bounds what is read of a response: a chat reply is a few
// kilobytes, and a wrong base URL must not fill memory.
const maxResponse = 1 << 20

// ChatClient is an LLM served over the OpenAI-compatible chat-completions
// protocol, as Ollama, llama.cpp's server and vLLM speak it.
type ChatClient struct {
	BaseURL string       // up to /chat/completions, e.g. http://localhost:11434/v1
	APIKey  string       // sent as a bearer token when set
	Model   string       // e.g. llama3.2
	HTTP    *http.Client // nil: http.DefaultClient; the context bounds each call
	// Stream asks the server to stream the reply as server-sent events, and
	// sends each piece to runtime.Emit as it arrives (see Token).
	Stream bool
}

// Token is what a streaming ChatClient emits, through runtime.Emit, while a
// reply arrives: a piece of its text, or, first of every request, Begin,
// which tells a UI to drop the text an earlier attempt of the same step
// streamed (a retry starts the reply over).
type Token struct {
	Text  string
	Begin bool
}

type chatRequest struct {
	Model    string    `json:"model"`
	Messages []Message `json:"messages"`
	Stream   bool      `json:"stream,omitempty"`
}

// chatChunk is one server-sent event of a streamed reply.
type chatChunk struct {
	Choices []struct {
		Delta struct {
			Content string `json:"content"`
		} `json:"delta"`
	} `json:"choices"`
}

type chatResponse struct {
	Choices []struct {
		Message Message `json:"message"`
	} `json:"choices"`
}

// Complete posts messages and returns the first choice's content. Its errors
// tell the runtime's retries what to do: a network error or a 5xx is worth
// another attempt, a 4xx other than 429 is not (runtime.Permanent), and a
// 429 or 503 with Retry-After says how long to pause.
func (c *ChatClient) Complete(ctx context.Context, messages []Message) (string, error) {
	body, err := json.Marshal(chatRequest{Model: c.Model, Messages: messages, Stream: c.Stream})
	if err != nil {
		return "", runtime.Permanent(fmt.Errorf("chat completions: %w", err))
	}
	url := strings.TrimSuffix(c.BaseURL, "/") + "/chat/completions"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", runtime.Permanent(fmt.Errorf("chat completions: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.Stream {
		req.Header.Set("Accept", "text/event-stream")
	}
	if c.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.APIKey)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("chat completions: %w", err)
	}
	defer resp.Body.Close()
	if c.Stream && resp.StatusCode/100 == 2 {
		return readStream(ctx, resp.Body, url)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return "", fmt.Errorf("chat completions: reading the response: %w", err)
	}
	if len(data) > maxResponse {
		return "", runtime.Permanent(fmt.Errorf("chat completions: HTTP %d response larger than %d bytes", resp.StatusCode, maxResponse))
	}
	if resp.StatusCode/100 != 2 {
		return "", statusError(resp.StatusCode, resp.Header.Get("Retry-After"), data, time.Now())
	}
	// A body that is not the protocol's JSON means a wrong base URL (a web
	// page, another API) more often than a passing fault: do not retry.
	var out chatResponse
	if err := json.Unmarshal(data, &out); err != nil {
		return "", runtime.Permanent(fmt.Errorf("chat completions: malformed response from %s (%v): %q", url, err, clip(string(data))))
	}
	if len(out.Choices) == 0 {
		return "", runtime.Permanent(fmt.Errorf("chat completions: response from %s has no choices: %q", url, clip(string(data))))
	}
	return out.Choices[0].Message.Content, nil
}

// readStream reads a streamed reply: "data: {json}" lines, each with a piece
// of the text, until "data: [DONE]". Each piece is emitted as it arrives,
// after a Begin token. A stream cut short is an error worth a retry.
func readStream(ctx context.Context, body io.Reader, url string) (string, error) {
	runtime.Emit(ctx, Token{Begin: true})
	var text strings.Builder
	sc := bufio.NewScanner(io.LimitReader(body, maxResponse+1))
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data:")
		if !ok {
			continue // blank lines between events, comments, other fields
		}
		data = strings.TrimSpace(data)
		if data == "[DONE]" {
			return text.String(), nil
		}
		var chunk chatChunk
		if err := json.Unmarshal([]byte(data), &chunk); err != nil {
			return "", runtime.Permanent(fmt.Errorf("chat completions: malformed event from %s (%v): %q", url, err, clip(data)))
		}
		for _, ch := range chunk.Choices[:min(1, len(chunk.Choices))] {
			if piece := ch.Delta.Content; piece != "" {
				text.WriteString(piece)
				runtime.Emit(ctx, Token{Text: piece})
			}
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("chat completions: reading the stream: %w", err)
	}
	return "", fmt.Errorf("chat completions: the stream from %s ended before [DONE]", url)
}

// APIError is an error status from the server, with the message it gave.
type APIError struct {
	StatusCode int
	Message    string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("chat completions: HTTP %d %s: %s", e.StatusCode, http.StatusText(e.StatusCode), e.Message)
}

// RateLimitError is a 429 or 503 whose Retry-After header said when to try
// again. Its RetryAfter method is the runtime's convention: the next pause
// is After instead of the node's computed wait.
type RateLimitError struct {
	APIError
	After time.Duration
}

func (e *RateLimitError) RetryAfter() time.Duration { return e.After }
func (e *RateLimitError) Unwrap() error             { return &e.APIError }

// statusError classifies an error status for the runtime's retries.
func statusError(code int, retryAfter string, body []byte, now time.Time) error {
	e := APIError{StatusCode: code, Message: errorMessage(body)}
	switch {
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		if d, ok := parseRetryAfter(retryAfter, now); ok {
			return &RateLimitError{APIError: e, After: d}
		}
		return &e // no hint: the node's own wait and backoff apply
	case code < 500:
		// The request itself is wrong (bad model name, bad key): another
		// attempt would get the same answer.
		return runtime.Permanent(&e)
	}
	return &e
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(h string, now time.Time) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if secs, err := strconv.Atoi(h); err == nil && secs >= 0 {
		// The runtime caps the pause anyway; capping here first keeps a huge
		// value from overflowing time.Duration.
		return time.Duration(min(secs, int(runtime.MaxRetryAfter/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// errorMessage finds the message in an error body: {"error": {"message":
// ...}} (OpenAI, llama.cpp, vLLM) or {"error": "..."} (Ollama), else the
// body's text.
func errorMessage(body []byte) string {
	var v struct{ Error json.RawMessage }
	if json.Unmarshal(body, &v) == nil && v.Error != nil {
		var s string
		var o struct{ Message string }
		if json.Unmarshal(v.Error, &s) == nil && s != "" {
			return s
		}
		if json.Unmarshal(v.Error, &o) == nil && o.Message != "" {
			return o.Message
		}
	}
	if s := strings.TrimSpace(string(body)); s != "" {
		return clip(s)
	}
	return "(empty body)"
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) <= 200 {
		return s
	}
	return s[:200] + "..."
}

// parseDecision reads Decide's reply. Chat models wrap JSON in a Markdown
// fence or add a sentence around it, so it takes the text from the first {
// to the last }. Anything else is an error, which Decide's attempts retry.
func parseDecision(reply string) (Decision, error) {
	start, end := strings.Index(reply, "{"), strings.LastIndex(reply, "}")
	if start < 0 || end < start {
		return Decision{}, fmt.Errorf("decision: no JSON object in the reply %q", clip(reply))
	}
	var d Decision
	if err := json.Unmarshal([]byte(reply[start:end+1]), &d); err != nil {
		return Decision{}, fmt.Errorf("decision: %v in the reply %q", err, clip(reply))
	}
	d.Action = strings.ToLower(strings.TrimSpace(d.Action))
	d.Reason, d.Query = strings.TrimSpace(d.Reason), strings.TrimSpace(d.Query)
	switch {
	case d.Action != "search" && d.Action != "answer":
		return Decision{}, fmt.Errorf("decision: action %q is neither search nor answer", d.Action)
	case d.Action == "search" && d.Query == "":
		return Decision{}, errors.New("decision: search without a query")
	}
	return d, nil
}
