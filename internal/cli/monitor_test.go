//go:build unix

package cli

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer that a command writes to while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestMonitor serves a log on a free loopback port, reads its pages, and
// stops it with SIGINT while a page's event stream is open.
func TestMonitor(t *testing.T) {
	time.Local = time.UTC
	db := logWithRuns(t)
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Do([]string{"monitor", "-db", db, "-addr", "127.0.0.1:0"}, strings.NewReader(""), &stdout, &stderr)
	}()
	var line string
	for deadline := time.Now().Add(10 * time.Second); !strings.HasSuffix(line, "\n"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no URL printed: %q %q", stdout.String(), stderr.String())
		}
		select {
		case code := <-done:
			t.Fatalf("monitor exited %d: %s", code, stderr.String())
		default:
		}
		line = stdout.String()
	}
	prefix := "picoflow monitor: serving " + db + " at http://127.0.0.1:"
	if !strings.HasPrefix(line, prefix) || !strings.HasSuffix(line, "/ (Ctrl-C stops)\n") || stderr.String() != "" {
		t.Fatalf("printed %q, %q; want %s…", line, stderr.String(), prefix)
	}
	url := strings.TrimSuffix(strings.TrimPrefix(line, "picoflow monitor: serving "+db+" at "), " (Ctrl-C stops)\n")

	for path, want := range map[string]string{
		"":               `<a href="/runs/aaaa1111">aaaa1111</a>`,
		"?status=failed": `<a href="/runs/bbbb2222">bbbb2222</a>`,
		"runs/aaaa1111":  `<pre class="question">3</pre>`,
	} {
		res, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d, want 200 and %s", url+path, res.StatusCode, want)
		}
	}
	// On loopback it answers for localhost only.
	req, _ := http.NewRequest("GET", url, nil)
	req.Host = "rebound.example:8080"
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("Host rebound.example: %v %v", res, err)
	} else {
		res.Body.Close()
	}

	res, err := http.Get(url + "runs/aaaa1111/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	r := bufio.NewReader(res.Body)
	if l, err := r.ReadString('\n'); err != nil || l != "retry: 2000\n" {
		t.Fatalf("event stream: %q %v", l, err)
	}
	syscall.Kill(os.Getpid(), syscall.SIGINT)
	select {
	case code := <-done:
		if code != 0 || stderr.String() != "" {
			t.Errorf("after SIGINT: exit %d, %q", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("monitor did not stop on SIGINT")
	}
	if _, err := io.ReadAll(r); err != nil {
		t.Errorf("the event stream ended with %v", err)
	}
	if _, err := http.Get(url); err == nil {
		t.Errorf("the monitor still answers")
	}
}

func TestMonitorErrors(t *testing.T) {
	dir := t.TempDir()
	if code, _, errs := run(t, "monitor", "-db", filepath.Join(dir, "none.db")); code != 1 || !strings.Contains(errs, "picoflow: no run log at "+filepath.Join(dir, "none.db")) {
		t.Errorf("missing log: %d %q", code, errs)
	}
	db := logWithRuns(t)
	if code, _, errs := run(t, "monitor", "-db", db, "extra"); code != 2 || !strings.Contains(errs, "monitor takes no arguments") {
		t.Errorf("an argument: %d %q", code, errs)
	}
	// A port taken.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if code, _, errs := run(t, "monitor", "-db", db, "-addr", ln.Addr().String()); code != 1 || !strings.Contains(errs, "address already in use") {
		t.Errorf("a port in use: %d %q", code, errs)
	}
	code, out, _ := run(t, "help", "monitor")
	if code != 0 || !strings.HasPrefix(out, "usage: picoflow monitor [-db FILE] [-addr HOST:PORT]\n") ||
		!strings.Contains(out, "no authentication") || !strings.Contains(out, "SSH tunnel") {
		t.Errorf("help monitor: %d\n%s", code, out)
	}
	for addr, want := range map[string]string{"127.0.0.1:8080": "http://127.0.0.1:8080/", "0.0.0.0:80": "http://localhost:80/", "[::]:9000": "http://localhost:9000/", "[::1]:9000": "http://[::1]:9000/"} {
		a, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := serverURL(a); got != want {
			t.Errorf("serverURL(%s) = %s, want %s", addr, got, want)
		}
	}
}
