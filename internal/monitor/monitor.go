// Package monitor serves a run log (package runtime/runlog) as web pages:
// the runs, with filters, and each run's graph with the path it took, its
// steps as a timeline, its store after each step with the fields that
// changed, its errors, its question and what it emitted. A page of a run in
// progress follows it live, by server-sent events.
//
// Everything the pages need is in the binary: templates and assets are
// embedded, the graph is drawn as SVG by this package, and nothing is
// fetched from the network, so the pages work offline. The server has no
// authentication: `picoflow monitor` listens on loopback by default.
package monitor

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"runURL": runURL,
	"dur":    formatDuration,
	"when":   formatTime,
}).ParseFS(templateFS, "templates/*.html"))

// The intervals at which a stream polls the log for changes: a run in
// progress, a run that has stopped (it may be resumed), and the runs list.
var (
	pollRunning = 300 * time.Millisecond
	pollStopped = 2 * time.Second
	pollRuns    = time.Second
	heartbeat   = 15 * time.Second
)

// server serves one log.
type server struct {
	log *runlog.Log
}

// Handler returns the monitor of l:
//
//	GET /                   the runs (?flow=NAME&status=STATUS&id=PREFIX)
//	GET /events             a text/event-stream: "runs" when they change
//	GET /runs/{id}          a run: graph, timeline, stores, errors, events
//	GET /runs/{id}/events   a text/event-stream of the run's new steps,
//	                        events and state
//	GET /assets/...         the pages' stylesheet and script
//
// Adding fragment=1 to the query of a page returns only the part that the
// page's script replaces when its stream says the log changed.
func Handler(l *runlog.Log) http.Handler {
	s := &server{log: l}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.runs)
	mux.HandleFunc("GET /events", s.runsEvents)
	mux.HandleFunc("GET /runs/{id}", s.run)
	mux.HandleFunc("GET /runs/{id}/events", s.runEvents)
	assets, _ := fs.Sub(assetFS, "assets") // a directory embedded above
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(assets)))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.notFound(w, "There is no page "+r.URL.Path+" here.")
	})
	return secure(mux)
}

// secure sets the headers that keep the pages to themselves: no script,
// style or connection but the server's own (the log's text is data, never
// code, even were an escape missed), no framing, no sniffing.
func secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

// LocalOnly wraps h, the monitor listening on a loopback address, to
// refuse requests whose Host is not a loopback name: a page on another
// site that a browser is led to with DNS rebinding cannot read the log.
// A reverse proxy in front of it must pass such a Host (localhost,
// 127.0.0.1, [::1], with any port).
func LocalOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		if ip := net.ParseIP(host); !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
			http.Error(w, "picoflow monitor: host "+r.Host+" not allowed: the monitor answers only for localhost", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// IsLoopback reports whether addr, a HOST:PORT to listen on, is a loopback
// address (or localhost).
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// render executes template name with data into a buffer, so that a
// failure is a clean 500 rather than half a page.
func (s *server) render(w http.ResponseWriter, status int, name string, data any) {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name, data); err != nil {
		slog.Error("picoflow monitor: render", "template", name, "err", err)
		http.Error(w, "picoflow monitor: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

func (s *server) fail(w http.ResponseWriter, err error) {
	s.render(w, http.StatusInternalServerError, "error.html", errorPage{
		Path: s.log.Path(), Title: "Error", Message: err.Error(),
	})
}

func (s *server) notFound(w http.ResponseWriter, msg string) {
	s.render(w, http.StatusNotFound, "error.html", errorPage{
		Path: s.log.Path(), Title: "Not found", Message: msg,
	})
}

// errorPage is the data of error.html.
type errorPage struct {
	Path, Title, Message string
}

// runsPage is the data of runs.html.
type runsPage struct {
	Path     string
	Filter   runlog.Filter
	Statuses []string
	Flows    []string // the flows of recent runs, for the flow field's suggestions
	Runs     []runRow
	Any      bool   // the log has runs, if none match
	Live     string // the URL of the runs' stream
	Fragment string // the URL of the table alone
}

// runRow is a row of the runs table.
type runRow struct {
	runlog.Run
	Elapsed string
}

var statuses = []string{runlog.StatusRunning, runlog.StatusDone, runlog.StatusFailed, runlog.StatusWaiting, runlog.StatusCanceled}

// filter is the runs filter of a request's query.
func filter(q url.Values) runlog.Filter {
	return runlog.Filter{
		Flow:   strings.TrimSpace(q.Get("flow")),
		Status: strings.TrimSpace(q.Get("status")),
		ID:     strings.TrimSpace(q.Get("id")),
	}
}

// filterQuery is f as a query, for the stream and fragment URLs.
func filterQuery(f runlog.Filter) url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"flow": f.Flow, "status": f.Status, "id": f.ID} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

func (s *server) runs(w http.ResponseWriter, r *http.Request) {
	f := filter(r.URL.Query())
	runs, err := s.log.Runs(f)
	if err != nil {
		s.fail(w, err)
		return
	}
	p := runsPage{Path: s.log.Path(), Filter: f, Statuses: statuses, Any: len(runs) > 0}
	for _, run := range runs {
		p.Runs = append(p.Runs, runRow{Run: run, Elapsed: runElapsed(run)})
	}
	if !p.Any && f != (runlog.Filter{}) {
		all, err := s.log.Runs(runlog.Filter{Limit: 1})
		if err != nil {
			s.fail(w, err)
			return
		}
		p.Any = len(all) > 0
	}
	q := filterQuery(f)
	q.Set("v", runsVersion(runs))
	p.Live = "/events?" + q.Encode()
	q.Del("v")
	q.Set("fragment", "1")
	p.Fragment = "/?" + q.Encode()
	if r.URL.Query().Get("fragment") != "" {
		s.render(w, http.StatusOK, "runs-table", p)
		return
	}
	recent, err := s.log.Runs(runlog.Filter{Limit: 500})
	if err != nil {
		s.fail(w, err)
		return
	}
	seen := map[string]bool{}
	for _, run := range recent {
		if !seen[run.Flow] {
			seen[run.Flow] = true
			p.Flows = append(p.Flows, run.Flow)
		}
	}
	s.render(w, http.StatusOK, "runs.html", p)
}

func (s *server) run(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	run, err := s.log.Run(id)
	if errors.Is(err, fs.ErrNotExist) {
		// A unique prefix names its run, as for picoflow runs.
		runs, lerr := s.log.Runs(runlog.Filter{ID: id, Limit: 2})
		if lerr == nil && len(runs) == 1 && id != "" {
			u := runURL(runs[0].ID)
			if r.URL.RawQuery != "" {
				u += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, u, http.StatusFound)
			return
		}
		s.notFound(w, fmt.Sprintf("There is no run %q in %s.", id, s.log.Path()))
		return
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	p, err := s.runPage(run)
	if err != nil {
		s.fail(w, err)
		return
	}
	if r.URL.Query().Get("fragment") != "" {
		s.render(w, http.StatusOK, "run-live", p)
		return
	}
	s.render(w, http.StatusOK, "run.html", p)
}

// runURL is the path of run id's page.
func runURL(id string) string { return "/runs/" + url.PathEscape(id) }

// runElapsed is how long r ran, or has run so far ("…" after it).
func runElapsed(r runlog.Run) string {
	if r.Ended.IsZero() {
		return formatDuration(r.Updated.Sub(r.Started)) + "…"
	}
	return formatDuration(r.Ended.Sub(r.Started))
}

// formatDuration is d with three significant digits or so, as people
// read them.
func formatDuration(d time.Duration) string {
	switch {
	case d >= time.Minute:
		d = d.Round(time.Second)
	case d >= time.Second:
		d = d.Round(time.Millisecond)
	case d >= time.Millisecond:
		d = d.Round(10 * time.Microsecond)
	default:
		d = d.Round(time.Microsecond)
	}
	return d.String()
}

const timeLayout = "2006-01-02 15:04:05"

// formatTime is t in the local time zone, as picoflow runs prints it.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format(timeLayout)
}
