package runtime

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// testSchema stands for the fingerprint generated code passes.
const testSchema = "history=0badcafe intent=5ca1ab1e query=5ca1ab1e tries=0ddba115"

// testStore has the shape of a generated store.
type testStore struct {
	Query   string   `json:"query"`
	Intent  string   `json:"intent"`
	History []string `json:"history"`
	Tries   int      `json:"tries"`
}

// steps runs one step per node on r the way generated code does: Post
// counts a try in s, and End names the next node ("" after the last).
func steps(t *testing.T, r *Run, flow string, s *testStore, nodes ...string) {
	t.Helper()
	ctx := context.Background()
	for i, node := range nodes {
		if err := beginNamed(ctx, r, flow, node); err != nil {
			t.Fatal(err)
		}
		r.Enter(PhasePost)
		s.Tries++
		next := ""
		if i+1 < len(nodes) {
			next = nodes[i+1]
		}
		if err := r.end("go", next, s); err != nil {
			t.Fatal(err)
		}
	}
}

// names lists the files of dir.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n []string
	for _, e := range entries {
		n = append(n, e.Name())
	}
	return n
}

func TestEndSavesCheckpoints(t *testing.T) {
	dir := t.TempDir()
	r := start(context.Background(), "Support", testSchema, 0, nil, []Option{WithCheckpoints(Dir(dir))})
	s := &testStore{Query: "q", Intent: "unknown"}
	steps(t, r, "Support", s, "A", "B", "C")

	if got := names(t, dir); !reflect.DeepEqual(got, []string{r.id}) {
		t.Fatalf("%v in %s, want only the run's directory %s", got, dir, r.id)
	}
	files := []string{"step_001_A.json", "step_002_B.json", "step_003_C.json"}
	if got := names(t, filepath.Join(dir, r.id)); !reflect.DeepEqual(got, files) {
		t.Fatalf("files %v, want %v", got, files)
	}
	for i, name := range files {
		cp, err := LoadCheckpoint(filepath.Join(dir, r.id, name))
		if err != nil {
			t.Fatal(err)
		}
		node, next := string(rune('A'+i)), ""
		if i < 2 {
			next = string(rune('B' + i))
		}
		want := Checkpoint{
			Version: CheckpointVersion, Flow: "Support", RunID: r.id, Step: i + 1,
			Node: node, Action: "go", Next: next, Schema: testSchema,
			Time: cp.Time, Store: cp.Store, Checksum: cp.Checksum,
		}
		if !reflect.DeepEqual(*cp, want) {
			t.Errorf("%s: got %+v, want %+v", name, *cp, want)
		}
		if cp.Time.IsZero() || cp.Time.Location() != time.UTC {
			t.Errorf("%s: time %v, want a UTC time", name, cp.Time)
		}
		var st testStore
		if err := json.Unmarshal(cp.Store, &st); err != nil {
			t.Fatal(err)
		}
		if want := (testStore{Query: "q", Intent: "unknown", Tries: i + 1}); !reflect.DeepEqual(st, want) {
			t.Errorf("%s: store %+v, want %+v", name, st, want)
		}
	}
}

// The JSON keys are a contract (SPEC §4): exactly these, in this order.
func TestCheckpointJSONKeys(t *testing.T) {
	dir := t.TempDir()
	r := start(context.Background(), "Support", testSchema, 0, nil, []Option{WithCheckpoints(Dir(dir))})
	steps(t, r, "Support", &testStore{}, "A")
	b, err := os.ReadFile(filepath.Join(dir, r.id, "step_001_A.json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("file starts with %v, %v", tok, err)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"version", "flow", "runid", "step", "node", "action", "next", "schema", "time", "store", "checksum"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
}

// A step of a subflow is checkpointed under the flow the run started with,
// the one whose Resume continues it.
func TestCheckpointOfSubflowStep(t *testing.T) {
	var got []*Checkpoint
	r := start(context.Background(), "Support", testSchema, 0, nil, []Option{WithCheckpoints(saver(func(_ context.Context, cp *Checkpoint) error {
		got = append(got, cp)
		return nil
	}))})
	steps(t, r, "Research", &testStore{}, "Fetch")
	if len(got) != 1 || got[0].Flow != "Support" || got[0].Node != "Fetch" {
		t.Errorf("got %+v, want one checkpoint of flow Support, node Fetch", got)
	}
}

// saver makes a Checkpointer of a func.
type saver func(context.Context, *Checkpoint) error

func (f saver) Save(ctx context.Context, cp *Checkpoint) error { return f(ctx, cp) }

func TestEndCheckpointSaveError(t *testing.T) {
	full := errors.New("disk full")
	var events []string
	r := start(context.Background(), "Support", testSchema, 0, nil, []Option{
		WithCheckpoints(saver(func(context.Context, *Checkpoint) error { return full })),
		WithHooks(Hooks{NodeEnd: func(e NodeEvent) { events = append(events, "NodeEnd "+e.Node) }}),
	})
	if err := beginNamed(context.Background(), r, "Support", "Classify"); err != nil {
		t.Fatal(err)
	}
	err := r.end("faq", "Answer", &testStore{})
	if !errors.Is(err, full) {
		t.Fatalf("got %v, want it to wrap the save error", err)
	}
	if got, want := err.Error(), "flow Support: checkpoint after step 1: disk full"; got != want {
		t.Errorf("error text %q, want %q", got, want)
	}
	if !reflect.DeepEqual(events, []string{"NodeEnd Classify"}) {
		t.Errorf("events %v: NodeEnd fires before the save", events)
	}
}

func TestEndStoreEncodingError(t *testing.T) {
	r := start(context.Background(), "F", testSchema, 0, nil, []Option{WithCheckpoints(Dir(t.TempDir()))})
	if err := beginNamed(context.Background(), r, "F", "A"); err != nil {
		t.Fatal(err)
	}
	err := r.end("", "", &struct{ C chan int }{})
	if err == nil || !strings.HasPrefix(err.Error(), "flow F: checkpoint after step 1: store: json: unsupported type") {
		t.Errorf("got %v, want a store encoding error", err)
	}
}

func TestCheckpointerGetsStepContext(t *testing.T) {
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, "step ctx")
	var got any
	r := start(context.Background(), "F", testSchema, 0, nil, []Option{WithCheckpoints(saver(func(ctx context.Context, _ *Checkpoint) error {
		got = ctx.Value(key{})
		return nil
	}))})
	if err := beginNamed(ctx, r, "F", "A"); err != nil {
		t.Fatal(err)
	}
	if err := r.end("", "", &testStore{}); err != nil {
		t.Fatal(err)
	}
	if got != "step ctx" {
		t.Errorf("Save got a context with value %v, want the one given to Begin", got)
	}
}

// The checksum is what the Checkpoint doc says: SHA-256 of json.Marshal with
// Checksum empty.
func TestCheckpointChecksum(t *testing.T) {
	dir := t.TempDir()
	r := start(context.Background(), "F", testSchema, 0, nil, []Option{WithCheckpoints(Dir(dir))})
	steps(t, r, "F", &testStore{Query: "<&>", History: []string{"\u2028"}}, "A")
	cp, err := LoadCheckpoint(filepath.Join(dir, r.id, "step_001_A.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := *cp
	c.Checksum = ""
	b, err := json.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if want := hex.EncodeToString(sum[:]); cp.Checksum != want {
		t.Errorf("checksum %q, want %q", cp.Checksum, want)
	}
}

// The file reads well: a field to a line, the store on one.
func TestCheckpointFileLayout(t *testing.T) {
	dir := t.TempDir()
	cp := Checkpoint{Version: 1, Flow: "Support", RunID: "0123456789abcdef", Step: 7, Node: "Classify",
		Action: "faq", Next: "Answer", Schema: testSchema, Time: time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC),
		Store: json.RawMessage(`{"query":"q","history":["a","b"]}`)}
	save(t, dir, cp)
	b, err := os.ReadFile(filepath.Join(dir, cp.RunID, "step_007_Classify.json"))
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadCheckpoint(filepath.Join(dir, cp.RunID, "step_007_Classify.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "version": 1,
  "flow": "Support",
  "runid": "0123456789abcdef",
  "step": 7,
  "node": "Classify",
  "action": "faq",
  "next": "Answer",
  "schema": "` + testSchema + `",
  "time": "2025-01-02T03:04:05.000000006Z",
  "store": {"query":"q","history":["a","b"]},
  "checksum": "` + loaded.Checksum + `"
}
`
	if string(b) != want {
		t.Errorf("file:\n%s\nwant:\n%s", b, want)
	}
	if len(loaded.Checksum) != 64 {
		t.Errorf("checksum %q, want 64 hex digits", loaded.Checksum)
	}
}

// A Checkpointer gets every field but the checksum, which belongs to an
// encoding.
func TestCheckpointerGetsNoChecksum(t *testing.T) {
	var got *Checkpoint
	r := start(context.Background(), "F", testSchema, 0, nil, []Option{WithCheckpoints(saver(func(_ context.Context, cp *Checkpoint) error {
		got = cp
		return nil
	}))})
	steps(t, r, "F", &testStore{}, "A")
	if got.Checksum != "" || string(got.Store) != `{"query":"","intent":"","history":null,"tries":1}` {
		t.Errorf("got %+v", got)
	}
}

// saved writes one checkpoint with Dir and returns its path and bytes.
func saved(t *testing.T) (string, []byte) {
	t.Helper()
	dir := t.TempDir()
	r := start(context.Background(), "F", testSchema, 0, nil, []Option{WithCheckpoints(Dir(dir))})
	steps(t, r, "F", &testStore{Query: "reset my password", History: []string{"hi", "<b>"}}, "A")
	path := filepath.Join(dir, r.id, "step_001_A.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCheckpoint(path); err != nil {
		t.Fatalf("the intact file: %v", err)
	}
	return path, b
}

func TestLoadCheckpointDetectsFlippedByte(t *testing.T) {
	path, orig := saved(t)
	edited := bytes.Replace(orig, []byte("password"), []byte("passwore"), 1)
	if err := os.WriteFile(path, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadCheckpoint(path)
	if want := "load checkpoint " + path + ": checksum mismatch: the file is torn or was edited"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	// Every byte of the file matters: flipping its lowest bit anywhere
	// breaks either the JSON or the checksum.
	for i := range orig {
		b := bytes.Clone(orig)
		b[i] ^= 1
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadCheckpoint(path); err == nil {
			t.Errorf("byte %d (%q) flipped: loaded without error", i, orig[i])
		}
	}
}

func TestLoadCheckpointDetectsTruncation(t *testing.T) {
	path, orig := saved(t)
	whole := bytes.TrimRight(orig, "\n")
	for n := range len(whole) {
		if err := os.WriteFile(path, orig[:n], 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := LoadCheckpoint(path)
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("truncated to %d of %d bytes: got %v, want an error naming the file", n, len(orig), err)
		}
	}
}

func TestLoadCheckpointNewerVersion(t *testing.T) {
	path, orig := saved(t)
	// A newer runtime's file is whole: its checksum matches.
	b := reseal(t, bytes.Replace(orig, []byte(`"version": 1,`), []byte(`"version": 2,`), 1))
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadCheckpoint(path)
	want := "load checkpoint " + path + ": version 2 is newer than this runtime reads (1): update github.com/digital-duck/picoflow-go"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestLoadCheckpointMissing(t *testing.T) {
	if _, err := LoadCheckpoint(filepath.Join(t.TempDir(), "step_001_A.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("got %v, want fs.ErrNotExist", err)
	}
}

// save writes cp with Dir into dir.
func save(t *testing.T, dir string, cp Checkpoint) {
	t.Helper()
	if cp.Version == 0 {
		cp.Version = CheckpointVersion
	}
	if cp.Store == nil {
		cp.Store = json.RawMessage(`{}`)
	}
	if cp.RunID == "" {
		cp.RunID = "r" // its files go into dir/r
	}
	if err := Dir(dir).Save(context.Background(), &cp); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLatestCheckpoint(t *testing.T) {
	dir := t.TempDir()
	r := start(context.Background(), "F", testSchema, 0, nil, []Option{WithCheckpoints(Dir(dir))})
	steps(t, r, "F", &testStore{}, "A", "B", "A", "B")
	rd := filepath.Join(dir, r.id) // the run's files
	latest := func(wantStep int, wantNode string) {
		t.Helper()
		cp, err := LatestCheckpoint(dir)
		if err != nil {
			t.Fatal(err)
		}
		if cp.Step != wantStep || cp.Node != wantNode {
			t.Errorf("latest is step %d of %s, want step %d of %s", cp.Step, cp.Node, wantStep, wantNode)
		}
	}
	latest(4, "B")

	// Files that are not checkpoints are ignored, whatever they hold.
	write(t, filepath.Join(rd, ".step_005_A.json.123456.tmp"), `{"version": 1, "step": 5`)
	write(t, filepath.Join(rd, "notes.txt"), "x")
	write(t, filepath.Join(rd, "step_x_A.json"), "x")
	write(t, filepath.Join(rd, "step_006.json"), "x")
	write(t, filepath.Join(rd, "step_007_A.json.bak"), "x")
	if err := os.Mkdir(filepath.Join(rd, "step_008_A.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	latest(4, "B")

	// A torn latest file: the one before it is used.
	path := filepath.Join(rd, "step_004_B.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	write(t, path, string(b[:len(b)/2]))
	latest(3, "A")

	// A valid checkpoint under a name that is not its own is damaged too.
	b, err = os.ReadFile(filepath.Join(rd, "step_002_B.json"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(rd, "step_009_B.json"), string(b))
	latest(3, "A")
}

// Steps past 999 take more digits, and order by number, not by name.
func TestLatestCheckpointPast999(t *testing.T) {
	dir := t.TempDir()
	save(t, dir, Checkpoint{Flow: "F", Step: 999, Node: "Tick"})
	save(t, dir, Checkpoint{Flow: "F", Step: 1000, Node: "Tick"})
	save(t, dir, Checkpoint{Flow: "F", Step: 7, Node: "Classify"})
	want := []string{"step_007_Classify.json", "step_1000_Tick.json", "step_999_Tick.json"}
	if got := names(t, filepath.Join(dir, "r")); !reflect.DeepEqual(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	cp, err := LatestCheckpoint(dir)
	if err != nil || cp.Step != 1000 {
		t.Errorf("got %+v, %v; want step 1000", cp, err)
	}
}

// Resuming from an earlier checkpoint into the same directory can leave two
// files of one step; the one saved later is the run's latest.
func TestLatestCheckpointSameStep(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	save(t, dir, Checkpoint{Flow: "F", Step: 4, Node: "B", Time: t0.Add(time.Second)})
	save(t, dir, Checkpoint{Flow: "F", Step: 4, Node: "A", Time: t0})
	cp, err := LatestCheckpoint(dir)
	if err != nil || cp.Node != "B" {
		t.Errorf("got %+v, %v; want the later one, of node B", cp, err)
	}
}

func TestLatestCheckpointNone(t *testing.T) {
	empty := t.TempDir()
	write(t, filepath.Join(empty, "notes.txt"), "x")
	for _, dir := range []string{empty, filepath.Join(empty, "missing")} {
		if _, err := LatestCheckpoint(dir); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: got %v, want fs.ErrNotExist", dir, err)
		}
	}

	dir := t.TempDir()
	write(t, filepath.Join(dir, "step_001_A.json"), `{"version": 1`)
	write(t, filepath.Join(dir, "step_002_B.json"), "")
	_, err := LatestCheckpoint(dir)
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v, want an error that is not fs.ErrNotExist", err)
	}
	want := "latest checkpoint: all 2 checkpoints in " + dir + " are damaged; the latest: load checkpoint " +
		filepath.Join(dir, "step_002_B.json") + ": unexpected end of JSON input"
	if err.Error() != want {
		t.Errorf("error text %q, want %q", err, want)
	}
}

// A newer checkpoint than this runtime reads is not skipped: resuming from
// an older one would silently redo work.
func TestLatestCheckpointNewerVersionFails(t *testing.T) {
	dir := t.TempDir()
	save(t, dir, Checkpoint{Flow: "F", Step: 1, Node: "A"})
	write(t, filepath.Join(dir, "r", "step_002_A.json"), string(sealed(t, `{"version":2,"flow":"F","checksum":""}`)))
	if _, err := LatestCheckpoint(dir); err == nil || !strings.Contains(err.Error(), "version 2 is newer") {
		t.Errorf("got %v, want a version error", err)
	}
}

// tmpFiles lists the names in dir that look like temporary files.
func tmpFiles(t *testing.T, dir string) []string {
	t.Helper()
	var tmp []string
	for _, n := range names(t, dir) {
		if strings.HasSuffix(n, ".tmp") {
			tmp = append(tmp, n)
		}
	}
	return tmp
}

func TestDirCleansTempFiles(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "r") // the run's directory, from a crashed process
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, ".step_002_B.json.1234.tmp"), `{"version": 1, "st`)
	write(t, filepath.Join(dir, ".editor.tmp"), "not ours")
	d := Dir(root)
	if err := d.Save(context.Background(), &Checkpoint{Version: 1, Flow: "F", RunID: "r", Step: 1, Node: "A", Store: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if got := tmpFiles(t, dir); !reflect.DeepEqual(got, []string{".editor.tmp"}) {
		t.Errorf("temporary files %v after the first Save, want only another program's", got)
	}
	// Only the first Save cleans: a later temporary file may be another
	// save's in progress.
	write(t, filepath.Join(dir, ".step_009_B.json.99.tmp"), "")
	if err := d.Save(context.Background(), &Checkpoint{Version: 1, Flow: "F", RunID: "r", Step: 2, Node: "B", Store: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if got := tmpFiles(t, dir); !reflect.DeepEqual(got, []string{".editor.tmp", ".step_009_B.json.99.tmp"}) {
		t.Errorf("temporary files %v", got)
	}
}

func TestDirCreatesDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "runs", "r1")
	save(t, dir, Checkpoint{Flow: "F", Step: 1, Node: "A"})
	info, err := os.Stat(dir)
	if err != nil || !info.IsDir() {
		t.Fatalf("%v, %v: want a directory", info, err)
	}
	info, err = os.Stat(filepath.Join(dir, "r", "step_001_A.json"))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("file mode %v, want 0600", perm)
	}
}

func TestDirRefusesBadNames(t *testing.T) {
	dir := t.TempDir()
	for _, cp := range []Checkpoint{
		{Step: 1, Node: "../escape"},
		{Step: 1, Node: `a\b`},
		{Step: 1, Node: ""},
		{Step: 1, Node: ".."},
		{Step: -1, Node: "A"},
	} {
		cp.Version, cp.Store = 1, json.RawMessage(`{}`)
		if err := Dir(dir).Save(context.Background(), &cp); err == nil {
			t.Errorf("step %d, node %q: saved", cp.Step, cp.Node)
		}
	}
	if err := Dir(dir).Save(context.Background(), nil); err == nil {
		t.Error("nil checkpoint: saved")
	}
	if got := names(t, dir); len(got) != 0 {
		t.Errorf("files %v, want none", got)
	}
}

// Runs save concurrently, each into a directory of its own; one Dir value
// shared by runs whose files differ is safe too.
func TestDirConcurrentRuns(t *testing.T) {
	root := t.TempDir()
	shared := Dir(filepath.Join(root, "shared"))
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			node := fmt.Sprintf("N%d", i)
			own := start(context.Background(), "F", testSchema, 0, nil, []Option{WithCheckpoints(Dir(filepath.Join(root, node)))})
			both := start(context.Background(), "F", testSchema, 0, nil, []Option{WithCheckpoints(shared)})
			s := &testStore{}
			for range 5 {
				for _, r := range []*Run{own, both} {
					if err := beginNamed(context.Background(), r, "F", node); err != nil {
						t.Error(err)
						return
					}
					if err := r.end("go", node, s); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	for i := range 6 {
		cp, err := LatestCheckpoint(filepath.Join(root, fmt.Sprintf("N%d", i)))
		if err != nil || cp.Step != 5 {
			t.Errorf("run %d: got %+v, %v; want step 5", i, cp, err)
		}
	}
	// Six runs in one directory: each has a directory of its own there.
	runs := names(t, filepath.Join(root, "shared"))
	if len(runs) != 6 {
		t.Fatalf("%d run directories in the shared directory, want 6", len(runs))
	}
	for _, id := range runs {
		if cp, err := RunCheckpoint(filepath.Join(root, "shared"), id); err != nil || cp.Step != 5 || cp.RunID != id {
			t.Errorf("run %s: got %+v, %v; want its step 5", id, cp, err)
		}
	}
}

func TestResumeRefuses(t *testing.T) {
	ok := Checkpoint{Version: 1, Flow: "Support", RunID: "r", Step: 3, Node: "A", Next: "B", Schema: testSchema}
	for _, tc := range []struct {
		name   string
		cp     *Checkpoint
		want   string
		schema bool
	}{
		{"nil", nil, "resume flow Support: nil checkpoint", false},
		{"flow", &Checkpoint{Version: 1, Flow: "Research", Schema: testSchema}, "resume flow Support: checkpoint belongs to flow Research", false},
		{"schema", &Checkpoint{Version: 1, Flow: "Support", Schema: "0123"},
			`resume flow Support: store schema mismatch: the checkpoint's schema "0123" is not one of fields (it was written by an older picoflow): its store cannot be matched field by field`, true},
		{"version", &Checkpoint{Version: 2, Flow: "Support", Schema: testSchema},
			"resume flow Support: checkpoint version 2 is newer than this runtime reads (1)", false},
		{"step", &Checkpoint{Version: 1, Flow: "Support", Schema: testSchema, Step: -1}, "resume flow Support: checkpoint has step -1", false},
	} {
		r, err := resume(context.Background(), tc.cp, "Support", testSchema, 0, nil, nil)
		if r != nil || err == nil || err.Error() != tc.want {
			t.Errorf("%s: got %v, %v; want %s", tc.name, r, err, tc.want)
			continue
		}
		if errors.Is(err, ErrSchemaMismatch) != tc.schema {
			t.Errorf("%s: errors.Is(ErrSchemaMismatch) = %t", tc.name, !tc.schema)
		}
		var ne *NodeError
		if errors.As(err, &ne) {
			t.Errorf("%s: %v is a *NodeError", tc.name, err)
		}
	}
	if _, err := resume(context.Background(), &ok, "Support", testSchema, 0, nil, nil); err != nil {
		t.Errorf("a matching checkpoint: %v", err)
	}
}

func TestResumeContinues(t *testing.T) {
	dir := t.TempDir()
	var log, ids []string
	cp := &Checkpoint{Version: 1, Flow: "Support", RunID: "0123456789abcdef", Step: 7, Node: "A", Action: "go", Next: "B", Schema: testSchema}
	r, err := resume(context.Background(), cp, "Support", testSchema, 0, nil, []Option{WithCheckpoints(Dir(dir)), WithHooks(recorder("h", &log, &ids))})
	if err != nil {
		t.Fatal(err)
	}
	steps(t, r, "Support", &testStore{}, "B", "C")
	if err := r.finish(nil); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"h: FlowStart Support steps=7 err=<nil>",
		"h: NodeStart Support.B step=8",
		`h: NodeEnd Support.B step=8 action="go" err=<nil> neg=false`,
		"h: NodeStart Support.C step=9",
		`h: NodeEnd Support.C step=9 action="go" err=<nil> neg=false`,
		"h: FlowEnd Support steps=9 err=<nil> neg=false",
	}
	if !reflect.DeepEqual(log, want) {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
	if !reflect.DeepEqual(ids, []string{cp.RunID, cp.RunID}) {
		t.Errorf("run ids %v, want the checkpoint's", ids)
	}
	if got, want := names(t, filepath.Join(dir, cp.RunID)), []string{"step_008_B.json", "step_009_C.json"}; !reflect.DeepEqual(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	last, err := LatestCheckpoint(dir)
	if err != nil || last.RunID != cp.RunID || last.Step != 9 || last.Next != "" {
		t.Errorf("got %+v, %v; want step 9 of the same run, finished", last, err)
	}
}

// max_steps counts the steps before the checkpoint too: it bounds the run,
// not each resumption of it.
func TestResumeMaxSteps(t *testing.T) {
	cp := &Checkpoint{Version: 1, Flow: "Loop", RunID: "r", Step: 7, Next: "Tick", Schema: testSchema}
	r, err := resume(context.Background(), cp, "Loop", testSchema, 8, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := beginNamed(ctx, r, "Loop", "Tick"); err != nil {
		t.Fatal(err)
	}
	err = beginNamed(ctx, r, "Loop", "Tick")
	if !errors.Is(err, ErrMaxSteps) || err.Error() != "flow Loop: step 9 exceeds max_steps 8" {
		t.Errorf("got %v, want step 9 to exceed max_steps 8", err)
	}
}

func TestResumeWithoutRunID(t *testing.T) {
	r, err := resume(context.Background(), &Checkpoint{Version: 1, Flow: "F", Schema: testSchema, Next: "A"}, "F", testSchema, 0, nil, []Option{WithCheckpoints(Dir(t.TempDir()))})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.id) != 16 {
		t.Errorf("run id %q, want a new one", r.id)
	}
}

// A crash after step 3; the latest checkpoint restores the store, and the
// resumed run goes on from step 4 into the same directory.
func TestResumeFromLatestCheckpoint(t *testing.T) {
	dir := t.TempDir()
	first := start(context.Background(), "Support", testSchema, 0, nil, []Option{WithCheckpoints(Dir(dir))})
	steps(t, first, "Support", &testStore{Query: "q"}, "A", "B", "A", "B")
	if err := os.Remove(filepath.Join(dir, first.id, "step_004_B.json")); err != nil {
		t.Fatal(err) // as if the crash came before step 4 was saved
	}

	cp, err := LatestCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	var s testStore
	if err := json.Unmarshal(cp.Store, &s); err != nil {
		t.Fatal(err)
	}
	if s.Tries != 3 || cp.Next != "B" {
		t.Fatalf("store %+v, next %q; want 3 tries and next B", s, cp.Next)
	}
	r, err := resume(context.Background(), cp, "Support", testSchema, 0, nil, []Option{WithCheckpoints(Dir(dir))})
	if err != nil {
		t.Fatal(err)
	}
	steps(t, r, "Support", &s, cp.Next)
	want := []string{"step_001_A.json", "step_002_B.json", "step_003_A.json", "step_004_B.json"}
	if got := names(t, filepath.Join(dir, first.id)); !reflect.DeepEqual(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	last, err := LatestCheckpoint(dir)
	if err != nil || last.RunID != first.id || last.Step != 4 {
		t.Errorf("got %+v, %v; want step 4 of run %s", last, err, first.id)
	}
}

func TestSnapshotRestore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "store.json")
	want := bigStore()
	want.Query = "<a & b>"
	if err := Snapshot(path, &testStore{Query: "older"}); err != nil {
		t.Fatal(err)
	}
	if err := Snapshot(path, want); err != nil {
		t.Fatal(err)
	}
	var got testStore
	if err := Restore(path, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("restored %+v, want %+v", got, *want)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("{\n  \"query\": ")) || !bytes.HasSuffix(b, []byte("}\n")) {
		t.Errorf("snapshot is not indented JSON:\n%.80s", b)
	}
	if got := names(t, dir); !reflect.DeepEqual(got, []string{"store.json"}) {
		t.Errorf("files %v, want only store.json", got)
	}
}

func TestSnapshotFailureKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "store.json")
	if err := Snapshot(path, &testStore{Query: "kept"}); err != nil {
		t.Fatal(err)
	}
	if err := Snapshot(path, &struct{ C chan int }{}); err == nil {
		t.Error("an unencodable store: no error")
	}
	if err := Snapshot(filepath.Join(dir, "missing", "store.json"), &testStore{}); err == nil {
		t.Error("a missing directory: no error")
	}
	var got testStore
	if err := Restore(path, &got); err != nil || got.Query != "kept" {
		t.Errorf("got %+v, %v; want the old snapshot", got, err)
	}
	if got := names(t, dir); !reflect.DeepEqual(got, []string{"store.json"}) {
		t.Errorf("files %v, want only store.json", got)
	}
}

func TestRestoreErrors(t *testing.T) {
	dir := t.TempDir()
	if err := Restore(filepath.Join(dir, "none.json"), &testStore{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: got %v, want fs.ErrNotExist", err)
	}
	path := filepath.Join(dir, "torn.json")
	write(t, path, `{"query": "x`)
	if err := Restore(path, &testStore{}); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("torn file: got %v, want an error naming it", err)
	}
	write(t, path, `{}`)
	if err := Restore(path, testStore{}); err == nil {
		t.Error("a non-pointer store: no error")
	}
}

func TestParseName(t *testing.T) {
	for name, want := range map[string]int{
		"step_001_A.json": 1, "step_1000_Tick.json": 1000, "step_7_A_B.json": 7,
		"step__A.json": -1, "step_001_.json": -1, "step_-1_A.json": -1, "step_1x_A.json": -1,
		".step_001_A.json.1.tmp": -1, "step_001_A.json.tmp": -1, "Step_001_A.json": -1,
	} {
		step, _, ok := parseName(name)
		if ok != (want >= 0) || ok && step != want {
			t.Errorf("%s: %d, %t; want %d", name, step, ok, want)
		}
	}
}

// A Save that cannot create the directory fails, and the next one tries
// again.
func TestDirRetriesPreparation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ckpt")
	write(t, path, "a file where the directory should be")
	d := Dir(path)
	cp := &Checkpoint{Version: 1, Flow: "F", RunID: "r", Step: 1, Node: "A", Store: json.RawMessage(`{}`)}
	if err := d.Save(context.Background(), cp); err == nil {
		t.Fatal("saved into a file")
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := d.Save(context.Background(), cp); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCheckpoint(filepath.Join(path, "r", "step_001_A.json")); err != nil {
		t.Error(err)
	}
}

func TestDirRefusesInvalidStore(t *testing.T) {
	dir := t.TempDir()
	cp := &Checkpoint{Version: 1, Flow: "F", Step: 1, Node: "A", Store: json.RawMessage(`{"query": `)}
	if err := Dir(dir).Save(context.Background(), cp); err == nil {
		t.Error("saved a checkpoint whose store is not JSON")
	}
	if got := names(t, dir); len(got) != 0 {
		t.Errorf("files %v, want none", got)
	}
}

// The checksum is the SHA-256 of json.Marshal's encoding, whether the store
// is spliced in as the runtime made it or compacted first (one from a file,
// laid out by hand).
func TestChecksumIsMarshals(t *testing.T) {
	store := json.RawMessage(`{"q": "a <b> & c",  "n": [1, 2]}`)
	cp := &Checkpoint{Version: 1, Flow: "F", RunID: "r", Step: 2, Node: "A", Action: "go", Next: "B", Schema: testSchema, Time: time.Unix(5, 0).UTC(), Store: store}
	want := *cp
	b, err := json.Marshal(&want) // Checksum "": what the checksum covers
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	cp.Checksum = hex.EncodeToString(sum[:])
	dir := t.TempDir()
	saved := &Checkpoint{Version: 1, Flow: "F", RunID: "r", Step: 2, Node: "A", Action: "go", Next: "B", Schema: testSchema, Time: time.Unix(5, 0).UTC(), Store: store}
	if err := Dir(dir).Save(context.Background(), saved); err != nil {
		t.Fatal(err)
	}
	if saved.Checksum != cp.Checksum || string(saved.Store) != string(store) {
		t.Errorf("Save: checksum %s, store %s; want %s and the store untouched", saved.Checksum, saved.Store, cp.Checksum)
	}
	loaded, err := LoadCheckpoint(filepath.Join(dir, "r", "step_002_A.json"))
	if err != nil || loaded.Checksum != cp.Checksum {
		t.Errorf("LoadCheckpoint: %v, checksum %v", err, loaded)
	}
}

// reseal gives the checkpoint file b the checksum of its content, as the
// runtime that wrote it would.
func reseal(t *testing.T, b []byte) []byte {
	t.Helper()
	var c bytes.Buffer
	if err := json.Compact(&c, b); err != nil {
		t.Fatal(err)
	}
	compact := c.String()
	i := strings.LastIndex(compact, `,"checksum":"`)
	if i < 0 {
		t.Fatalf("no checksum in %s", b)
	}
	blank := compact[:i] + `,"checksum":""}`
	sum := sha256.Sum256([]byte(blank))
	return []byte(compact[:i] + `,"checksum":"` + hex.EncodeToString(sum[:]) + `"}`)
}

// sealed is reseal of a compact checkpoint whose checksum is "".
func sealed(t *testing.T, compact string) []byte {
	t.Helper()
	return reseal(t, []byte(compact))
}

// A damaged version number makes the file damaged, not newer: the checksum
// is checked first, and the run goes on from the checkpoint before.
func TestLatestCheckpointDamagedVersion(t *testing.T) {
	dir := t.TempDir()
	save(t, dir, Checkpoint{Flow: "F", Step: 1, Node: "A"})
	save(t, dir, Checkpoint{Flow: "F", Step: 2, Node: "B"})
	path := filepath.Join(dir, "r", "step_002_B.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	write(t, path, string(bytes.Replace(b, []byte(`"version": 1,`), []byte(`"version": 7,`), 1)))
	if cp, err := LatestCheckpoint(dir); err != nil || cp.Step != 1 {
		t.Errorf("got %+v, %v; want step 1", cp, err)
	}
}

// A file over MaxCheckpointSize is skipped as damaged, without being read;
// so are an absurd step and a null store, even with a matching checksum.
func TestLatestCheckpointBounded(t *testing.T) {
	dir := t.TempDir()
	save(t, dir, Checkpoint{Flow: "F", Step: 1, Node: "A"})
	save(t, dir, Checkpoint{Flow: "F", Step: 2, Node: "B", Store: json.RawMessage(`{"big":"` + strings.Repeat("x", 4096) + `"}`)})
	defer func(n int64) { MaxCheckpointSize = n }(MaxCheckpointSize)
	MaxCheckpointSize = 1024
	cp, err := LatestCheckpoint(dir)
	if err != nil || cp.Step != 1 {
		t.Errorf("got %+v, %v; want the big file skipped", cp, err)
	}
	_, err = LoadCheckpoint(filepath.Join(dir, "r", "step_002_B.json"))
	if err == nil || !strings.Contains(err.Error(), "over MaxCheckpointSize (1024)") {
		t.Errorf("LoadCheckpoint: %v, want the size named", err)
	}
	MaxCheckpointSize = 256 << 20

	for _, bad := range []string{
		`{"version":1,"flow":"F","runid":"r","step":99999999999999999,"node":"C","action":"","next":"","schema":"","time":"0001-01-01T00:00:00Z","store":{},"checksum":""}`,
		`{"version":1,"flow":"F","runid":"r","step":3,"node":"C","action":"","next":"","schema":"","time":"0001-01-01T00:00:00Z","store":null,"checksum":""}`,
	} {
		path := filepath.Join(dir, "r", "step_003_C.json")
		write(t, path, string(sealed(t, bad)))
		if _, err := LoadCheckpoint(path); err == nil {
			t.Errorf("loaded %s", bad)
		}
		if cp, err := LatestCheckpoint(dir); err != nil || cp.Step != 2 {
			t.Errorf("got %+v, %v; want step 2", cp, err)
		}
	}
}

// A finished run's directory does not shadow a newer run that crashed: the
// latest checkpoint is the most recently active run's.
func TestLatestCheckpointMostRecentRun(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for step := 1; step <= 8; step++ {
		save(t, dir, Checkpoint{Flow: "F", RunID: "old", Step: step, Node: "A", Time: t0.Add(time.Duration(step) * time.Second)})
	}
	save(t, dir, Checkpoint{Flow: "F", RunID: "new", Step: 2, Node: "B", Next: "C", Time: t0.Add(time.Minute)})
	cp, err := LatestCheckpoint(dir)
	if err != nil || cp.RunID != "new" || cp.Step != 2 {
		t.Errorf("got %+v, %v; want step 2 of run new", cp, err)
	}
	if cp, err := RunCheckpoint(dir, "old"); err != nil || cp.Step != 8 {
		t.Errorf("RunCheckpoint(old) = %+v, %v; want step 8", cp, err)
	}
	if _, err := RunCheckpoint(dir, "missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("RunCheckpoint(missing) = %v, want fs.ErrNotExist", err)
	}
	if _, err := RunCheckpoint(dir, "../x"); err == nil {
		t.Error("RunCheckpoint accepted a run ID with a slash")
	}
}

// EncodeCheckpoint and DecodeCheckpoint carry a checkpoint through bytes
// a Checkpointer keeps anywhere: the same checksum as a Dir file, and a
// flipped byte refused.
func TestEncodeDecodeCheckpoint(t *testing.T) {
	cp := &Checkpoint{Version: CheckpointVersion, Flow: "F", RunID: "r1", Step: 3, Node: "A", Next: "B",
		Schema: testSchema, Time: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Store: json.RawMessage(`{ "query": "<q>" }`)}
	b, err := EncodeCheckpoint(cp)
	if err != nil {
		t.Fatal(err)
	}
	if string(cp.Store) != `{ "query": "<q>" }` || cp.Checksum == "" {
		t.Errorf("EncodeCheckpoint changed the store to %s or set no checksum", cp.Store)
	}
	got, err := DecodeCheckpoint(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Step != 3 || got.Next != "B" || string(got.Store) != `{"query":"\u003cq\u003e"}` || got.Checksum != cp.Checksum {
		t.Errorf("decoded %+v", got)
	}
	dir := t.TempDir()
	if err := Dir(dir).Save(context.Background(), cp); err != nil {
		t.Fatal(err)
	}
	if file := mustCheckpoint(t, dir, "r1", 3); file.Checksum != cp.Checksum {
		t.Errorf("Dir's checksum %s, EncodeCheckpoint's %s", file.Checksum, cp.Checksum)
	}
	bad := bytes.Replace(b, []byte(`"step":3`), []byte(`"step":4`), 1)
	if _, err := DecodeCheckpoint(bad); err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Errorf("an edited checkpoint: %v, want a checksum mismatch", err)
	}
}
