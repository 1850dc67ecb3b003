package runtime

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// CheckpointVersion is the format of the checkpoints this runtime writes;
// it reads this version and older ones.
const CheckpointVersion = 1

// Checkpoint is the state of a run after one step: enough to continue the
// run with the flow's Resume method. Flow is the flow whose Run or Resume
// began the run (a step inside a subflow is saved under it too); Step counts
// from 1 across the run. Node is the node that completed, Action its action
// ("" for a terminal node) and Next the node to run next ("" when the run
// had finished). Schema is the fingerprint of the store's fields
// ("name=hash" per field, sorted) and Store the store itself, as
// encoding/json encodes it.
//
// Checksum is the hex SHA-256 of the bytes json.Marshal gives for the
// checkpoint with Checksum set to "": compact, keys in the order of the
// fields, strings escaped as encoding/json escapes them (<, > and & too). It
// covers every other field, the store included, so that a torn or edited
// file is detected; only white space outside strings, which carries no
// meaning, is left out.
type Checkpoint struct {
	Version  int             `json:"version"`
	Flow     string          `json:"flow"`
	RunID    string          `json:"runid"`
	Step     int             `json:"step"`
	Node     string          `json:"node"`
	Action   string          `json:"action"`
	Next     string          `json:"next"`
	Schema   string          `json:"schema"`
	Time     time.Time       `json:"time"`
	Await    string          `json:"await,omitempty"` // the run waits at this node (a path, as Next) for an answer
	Store    json.RawMessage `json:"store"`
	Question json.RawMessage `json:"question,omitempty"` // with Await: what the node asks, its Prep's value
	Batch    *BatchProgress  `json:"batch,omitempty"`    // the elements of the batch in flight that completed
	Checksum string          `json:"checksum"`           // must stay the last field: see encode

	// marshaled says that Store is json.Marshal's output, as the runtime
	// makes it: compact and escaped, so that encode need not check it.
	marshaled bool
}

// Checkpointer saves the checkpoint of every step of a run that has
// [WithCheckpoints]. One run never calls Save twice at once: with
// [DurabilitySync] after each step and before the next begins, with
// [DurabilityAsync] on a goroutine of its own while the next step runs,
// with [DurabilityExit] once, when the run stops. ctx is the context of the
// step. An error fails the run. cp.Checksum is empty: it belongs to an encoding, and
// [Dir] sets it as it encodes the file.
type Checkpointer interface {
	Save(ctx context.Context, cp *Checkpoint) error
}

// checksumTail ends the encoding of a checkpoint whose Checksum is "".
const checksumTail = `"checksum":""}`

// checkpointHead is the fields of a Checkpoint before its store, in the
// same order and with the same keys.
type checkpointHead struct {
	Version int       `json:"version"`
	Flow    string    `json:"flow"`
	RunID   string    `json:"runid"`
	Step    int       `json:"step"`
	Node    string    `json:"node"`
	Action  string    `json:"action"`
	Next    string    `json:"next"`
	Schema  string    `json:"schema"`
	Time    time.Time `json:"time"`
	Await   string    `json:"await,omitempty"`
}

// BatchProgress is the part of a checkpoint saved while a batch node runs:
// the elements whose Exec completed, with their results, so that a resumed
// run runs only the others. Items fingerprints the batch's elements (a
// SHA-256 of their JSON): a resumed Prep that gives other elements runs
// them all.
type BatchProgress struct {
	Node    string                     `json:"node"`
	Items   string                     `json:"items"`
	Results map[string]json.RawMessage `json:"results"` // by element index
}

// layout is where the parts of a checkpoint's encoding start.
type layout struct{ store, question, batch, checksum int }

// encode sets cp.Checksum and returns cp's compact JSON encoding: the bytes
// json.Marshal gives for it. The store is spliced in as it is rather than
// marshaled again: encoding/json would validate and compact a RawMessage,
// a second pass over the largest part that bytes just made by json.Marshal
// (compact, HTML-escaped) do not need. A store from elsewhere (a file read
// back) is compacted first, so that its checksum is json.Marshal's.
func (cp *Checkpoint) encode() ([]byte, layout, error) {
	head, err := json.Marshal(checkpointHead{cp.Version, cp.Flow, cp.RunID, cp.Step, cp.Node, cp.Action, cp.Next, cp.Schema, cp.Time, cp.Await})
	if err != nil {
		return nil, layout{}, err
	}
	store := []byte(cp.Store)
	if len(store) == 0 {
		store = []byte("null")
	}
	var at layout
	b := make([]byte, 0, len(head)+len(store)+len(cp.Question)+len(`,"store":,"question":`)+len(checksumTail)+64)
	b = append(b, head[:len(head)-1]...)
	at.store = len(b)
	b = append(b, `,"store":`...)
	b = append(b, store...)
	at.question = len(b)
	if len(cp.Question) > 0 {
		b = append(b, `,"question":`...)
		b = append(b, cp.Question...)
	}
	at.batch = len(b)
	if cp.Batch != nil {
		batch, err := json.Marshal(cp.Batch)
		if err != nil {
			return nil, layout{}, err
		}
		b = append(b, `,"batch":`...)
		b = append(b, batch...)
	}
	at.checksum = len(b)
	b = append(b, ',')
	b = append(b, checksumTail...)
	sum := sha256.Sum256(b)
	cp.Checksum = hex.EncodeToString(sum[:])
	b = append(b[:len(b)-2], cp.Checksum...)
	return append(b, `"}`...), at, nil
}

// compactStore makes cp.Store (and cp.Question) what json.Marshal would
// write for it: compact, with <, > and & escaped. It fails when the store is
// not JSON.
func (cp *Checkpoint) compactStore() error {
	for _, raw := range []*json.RawMessage{&cp.Store, &cp.Question} {
		if len(*raw) == 0 {
			continue
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, *raw); err != nil {
			return err
		}
		var esc bytes.Buffer
		json.HTMLEscape(&esc, buf.Bytes())
		*raw = esc.Bytes()
	}
	return nil
}

// file sets cp.Checksum and returns the bytes Dir writes: cp's encoding
// with the fields around the store one to a line, for people reading the
// file, and the store as encoded, on one line. Indenting the store too would
// cost a second pass over the largest part for white space no program needs.
func (cp *Checkpoint) file() ([]byte, error) {
	b, at, err := cp.encode()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(len(b) + 128)
	// The fields before the store, as an object of their own, indented.
	if err := json.Indent(&buf, append(b[:at.store:at.store], '}'), "", "  "); err != nil {
		return nil, err
	}
	buf.Truncate(buf.Len() - len("\n}"))
	buf.WriteString(",\n  \"store\": ")
	buf.Write(b[at.store+len(`,"store":`) : at.question])
	if at.batch > at.question {
		buf.WriteString(",\n  \"question\": ")
		buf.Write(b[at.question+len(`,"question":`) : at.batch])
	}
	if at.checksum > at.batch {
		buf.WriteString(",\n  \"batch\": ")
		buf.Write(b[at.batch+len(`,"batch":`) : at.checksum])
	}
	buf.WriteString(",\n  \"checksum\": \"")
	buf.WriteString(cp.Checksum)
	buf.WriteString("\"\n}\n")
	return buf.Bytes(), nil
}

// Dir returns a Checkpointer that saves each checkpoint as the file
// step_NNN_Node.json in the directory path (NNN: the step, at least three
// digits), creating the directory (mode 0o755) if needed. A file is JSON
// with one field to a line and the store on a line of its own, with mode
// 0o600, since the store may hold private data. Save sets cp.Checksum.
//
// A save is atomic: the checkpoint is written to a temporary file in the
// same directory (.step_NNN_Node.json.*.tmp), synced, renamed over the final
// name and the directory synced, so a crash leaves either the old state or
// the whole new file, never a torn one. The first Save removes such
// temporary files left by a crash. Save ignores ctx: writing one local file
// is short, and a completed step is worth saving even while the run is being
// canceled.
//
// Each run has a directory of its own, path/RUNID, so that runs (in one
// process or several) never touch each other's files, and a resumed run,
// which keeps its ID, goes on in its original's. A run ID that cannot name
// a directory (empty, ".", "..", or holding a slash or backslash) is
// refused. Dir is safe for concurrent use.
func Dir(path string) Checkpointer { return &dirCheckpointer{path: path, ready: map[string]bool{}} }

type dirCheckpointer struct {
	path  string
	mu    sync.Mutex      // guards ready
	ready map[string]bool // by run: its directory exists and was cleaned
}

func (d *dirCheckpointer) Save(_ context.Context, cp *Checkpoint) error {
	if cp == nil {
		return errors.New("save checkpoint: nil checkpoint")
	}
	name, err := fileName(cp)
	if err != nil {
		return err
	}
	c := *cp
	if !c.marshaled {
		// A checkpoint made elsewhere: see EncodeCheckpoint.
		if err := c.compactStore(); err != nil {
			return fmt.Errorf("encode checkpoint: store: %w", err)
		}
	}
	b, err := c.file()
	if err != nil {
		return fmt.Errorf("encode checkpoint: %w", err)
	}
	cp.Checksum = c.Checksum
	dir := filepath.Join(d.path, cp.RunID)
	if err := d.prepare(cp.RunID, dir); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, name), b)
}

// prepare creates the directory of run id and removes the temporary files
// that an earlier process of the same run left when it crashed, once; a
// failure is tried again on the next Save. Other runs' files are never
// touched: they may be being written.
func (d *dirCheckpointer) prepare(id, dir string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ready[id] {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		// Only Dir's own temporary files: other programs may keep theirs here.
		if n := e.Name(); e.Type().IsRegular() && strings.HasPrefix(n, ".step_") && strings.HasSuffix(n, ".tmp") {
			if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	d.ready[id] = true
	return nil
}

// fileName is the name Dir gives cp: step_007_Classify.json.
func fileName(cp *Checkpoint) (string, error) {
	if !pathElement(cp.RunID) {
		return "", fmt.Errorf("save checkpoint: run ID %q cannot name a directory", cp.RunID)
	}
	// The node becomes part of a path: refuse anything but a plain name.
	if !pathElement(cp.Node) {
		return "", fmt.Errorf("save checkpoint: node name %q cannot name a file", cp.Node)
	}
	if cp.Step < 0 {
		return "", fmt.Errorf("save checkpoint: step %d", cp.Step)
	}
	return fmt.Sprintf("step_%03d_%s.json", cp.Step, cp.Node), nil
}

// pathElement reports whether name can be one element of a path, naming
// nothing but itself.
func pathElement(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, `/\`+"\x00")
}

// parseName returns the step and node of a name Dir gives, and ok = false for
// any other name (temporary files start with a dot, so never match).
func parseName(name string) (step int, node string, ok bool) {
	rest, ok := strings.CutPrefix(name, "step_")
	if !ok {
		return 0, "", false
	}
	rest, ok = strings.CutSuffix(rest, ".json")
	if !ok {
		return 0, "", false
	}
	num, node, ok := strings.Cut(rest, "_")
	if !ok || node == "" || num == "" || strings.Trim(num, "0123456789") != "" {
		return 0, "", false
	}
	step, err := strconv.Atoi(num)
	if err != nil {
		return 0, "", false
	}
	return step, node, true
}

// LoadCheckpoint reads the checkpoint saved in the file path. It fails when
// the file is not a whole checkpoint (torn, truncated or edited: the
// checksum does not match) or was written by a newer runtime.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	b, err := readBounded(path)
	if err != nil {
		return nil, err
	}
	cp, err := decodeCheckpoint(b)
	if err != nil {
		return nil, fmt.Errorf("load checkpoint %s: %w", path, err)
	}
	return cp, nil
}

// EncodeCheckpoint returns cp's compact JSON encoding with its checksum set
// (and sets cp.Checksum), for a [Checkpointer] that keeps checkpoints
// elsewhere than in files, such as a database; [DecodeCheckpoint] reads it
// back. It is the encoding [Dir]'s files hold, less their line breaks.
func EncodeCheckpoint(cp *Checkpoint) ([]byte, error) {
	c := *cp
	if !c.marshaled {
		// A checkpoint made elsewhere: its store must be JSON, written as
		// json.Marshal writes it.
		if err := c.compactStore(); err != nil {
			return nil, fmt.Errorf("encode checkpoint: store: %w", err)
		}
	}
	b, _, err := c.encode()
	if err != nil {
		return nil, fmt.Errorf("encode checkpoint: %w", err)
	}
	cp.Checksum = c.Checksum
	return b, nil
}

// DecodeCheckpoint reads a checkpoint that [EncodeCheckpoint] encoded (or a
// [Dir] file's bytes), refusing it as [LoadCheckpoint] does when it is not
// whole (the checksum does not match) or was written by a newer runtime.
func DecodeCheckpoint(b []byte) (*Checkpoint, error) {
	cp, err := decodeCheckpoint(b)
	if err != nil {
		return nil, fmt.Errorf("decode checkpoint: %w", err)
	}
	return cp, nil
}

// MaxCheckpointSize is the largest checkpoint file LoadCheckpoint,
// LatestCheckpoint and RunCheckpoint read: a larger one is treated as
// damaged (skipped in favour of an earlier one), so that a stray huge file
// cannot exhaust memory. Raise it before reading for stores larger than
// this.
var MaxCheckpointSize int64 = 256 << 20

// readBounded reads the file path, refusing one over MaxCheckpointSize as
// damaged.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load checkpoint: %w", err)
	}
	defer f.Close()
	limit := MaxCheckpointSize
	if fi, err := f.Stat(); err == nil && fi.Size() > limit {
		return nil, &corruptError{fmt.Errorf("load checkpoint %s: %d bytes, over MaxCheckpointSize (%d)", path, fi.Size(), limit)}
	}
	// The file may grow after Stat: read no more than the limit allows.
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("load checkpoint: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, &corruptError{fmt.Errorf("load checkpoint %s: over MaxCheckpointSize (%d bytes)", path, limit)}
	}
	return b, nil
}

// maxStep is the largest step a checkpoint may record: far beyond any run,
// and far from overflowing the step counter.
const maxStep = 1 << 48

// corruptError marks a checkpoint file whose content is damaged, which
// LatestCheckpoint skips, as opposed to one it cannot read or is too new.
type corruptError struct{ err error }

func (e *corruptError) Error() string { return e.err.Error() }
func (e *corruptError) Unwrap() error { return e.err }

func decodeCheckpoint(b []byte) (*Checkpoint, error) {
	// The checksum before anything else in the file is trusted: a damaged
	// version number must not pass for a newer format.
	if err := verifyFile(b); err != nil {
		return nil, &corruptError{err}
	}
	// Then the version: a newer format may not decode into this one, and
	// saying so is clearer than its decoding error.
	var v struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, &corruptError{err}
	}
	if v.Version > CheckpointVersion {
		return nil, fmt.Errorf("version %d is newer than this runtime reads (%d): update github.com/digital-duck/picoflow-go", v.Version, CheckpointVersion)
	}
	if v.Version < 1 {
		return nil, &corruptError{fmt.Errorf("unknown version %d", v.Version)}
	}
	// A key this version does not have is damage or an edit: the checksum
	// would not see it, since decoding drops it.
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	cp := new(Checkpoint)
	if err := dec.Decode(cp); err != nil {
		return nil, &corruptError{err}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &corruptError{errors.New("data after the checkpoint")}
	}
	switch s := bytes.TrimSpace(cp.Store); {
	case cp.Step < 0 || cp.Step > maxStep:
		return nil, &corruptError{fmt.Errorf("step %d is out of range", cp.Step)}
	case len(s) == 0 || string(s) == "null":
		return nil, &corruptError{errors.New("the store is missing (null)")}
	}
	return cp, nil
}

// verifyFile checks the checksum of a checkpoint file against its bytes,
// whatever the version: the checksum is the SHA-256 of the file's compact
// JSON with the checksum's value blanked (see Checkpoint), and the file is
// that encoding laid out with white space outside strings.
func verifyFile(b []byte) error {
	var compact bytes.Buffer
	if err := json.Compact(&compact, b); err != nil {
		return err
	}
	c := compact.Bytes()
	const key, end = `,"checksum":"`, `"}`
	i := bytes.LastIndex(c, []byte(key))
	if i < 0 || !bytes.HasSuffix(c, []byte(end)) || i+len(key) > len(c)-len(end) {
		return errors.New("no checksum")
	}
	sum := string(c[i+len(key) : len(c)-len(end)])
	blanked := append(c[:i+len(key):i+len(key)], end...)
	got := sha256.Sum256(blanked)
	if sum == "" || hex.EncodeToString(got[:]) != sum {
		return errors.New("checksum mismatch: the file is torn or was edited")
	}
	return nil
}

// LatestCheckpoint returns the latest checkpoint of the most recently active
// run under dir, where [Dir] keeps one directory per run: the run whose
// latest checkpoint was saved last (a finished run's directory does not
// shadow a newer run that crashed). Checkpoints saved directly in dir, as an
// older Dir did, count as one more run. Damaged files are skipped as
// [RunCheckpoint] says. When dir holds no checkpoint the error wraps
// fs.ErrNotExist, so a caller can start afresh.
func LatestCheckpoint(dir string) (*Checkpoint, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("latest checkpoint: %w", err)
	}
	runs := []string{dir}
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			runs = append(runs, filepath.Join(dir, e.Name()))
		}
	}
	var best *Checkpoint
	for _, run := range runs {
		cp, err := latestIn(run)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue // no checkpoint there
		case err != nil:
			return nil, err
		}
		if best == nil || cp.Time.After(best.Time) {
			best = cp
		}
	}
	if best == nil {
		return nil, fmt.Errorf("latest checkpoint: no checkpoint in %s: %w", dir, fs.ErrNotExist)
	}
	return best, nil
}

// RunCheckpoint returns the latest checkpoint of run id under dir, where
// [Dir] saved it: the valid one with the highest step (of two with that
// step, the later saved). A damaged file (torn, edited, too large, or whose
// name does not match its content) is skipped in favour of the one before
// it; temporary and other files are ignored. When the run has no
// checkpoint the error wraps fs.ErrNotExist; when every one is damaged it
// says so. A file that cannot be read or is of a newer version fails it
// rather than being skipped, so that a run is never silently resumed from
// further back than it got.
func RunCheckpoint(dir, id string) (*Checkpoint, error) {
	if !pathElement(id) {
		return nil, fmt.Errorf("run checkpoint: run ID %q cannot name a directory", id)
	}
	return latestIn(filepath.Join(dir, id))
}

// latestIn returns the valid checkpoint with the highest step among
// the files step_*.json in dir, as [Dir] saves them for one run (of two
// with that step, the later saved). A damaged file (torn, edited, or whose name does not
// match its content) is skipped in favour of the one before it; temporary
// and other files are ignored. When dir holds no checkpoint the error wraps
// fs.ErrNotExist, so a caller can start afresh; when every one is damaged it
// says so. A file that cannot be read or is of a newer version fails it
// rather than being skipped, so that a run is never silently resumed from
// further back than it got.
func latestIn(dir string) (*Checkpoint, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("latest checkpoint: %w", err)
	}
	type file struct {
		name string
		step int
		node string
	}
	var files []file
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if step, node, ok := parseName(e.Name()); ok {
			files = append(files, file{e.Name(), step, node})
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("latest checkpoint: no checkpoint in %s: %w", dir, fs.ErrNotExist)
	}
	// Highest step first; the file name order among equal steps only makes
	// the search deterministic.
	slices.SortFunc(files, func(a, b file) int {
		return cmp.Or(cmp.Compare(b.step, a.step), strings.Compare(a.name, b.name))
	})
	var firstErr error
	var best *Checkpoint
	for _, f := range files {
		if best != nil && f.step != best.Step {
			break // every file of the best step was looked at
		}
		cp, err := LoadCheckpoint(filepath.Join(dir, f.name))
		if err == nil && (cp.Step != f.step || cp.Node != f.node) {
			err = &corruptError{fmt.Errorf("load checkpoint %s: holds step %d of node %s", filepath.Join(dir, f.name), cp.Step, cp.Node)}
		}
		var ce *corruptError
		switch {
		case err == nil:
			if best == nil || cp.Time.After(best.Time) {
				best = cp
			}
		case errors.As(err, &ce) || errors.Is(err, fs.ErrNotExist):
			// Damaged, or removed since ReadDir: fall back to an earlier one.
			if firstErr == nil {
				firstErr = err
			}
		default:
			return nil, fmt.Errorf("latest checkpoint: %w", err)
		}
	}
	if best == nil {
		return nil, fmt.Errorf("latest checkpoint: all %d checkpoints in %s are damaged; the latest: %w", len(files), dir, firstErr)
	}
	return best, nil
}

// Snapshot saves store (encoded with encoding/json, indented) to the file
// path, atomically as [Dir] saves a checkpoint: a crash leaves the old file
// or the new one, whole. Unlike a checkpoint it holds the store alone.
func Snapshot(path string, store any) error {
	b, err := json.MarshalIndent(store, "", "  ")
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", path, err)
	}
	if err := writeFile(path, append(b, '\n')); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	return nil
}

// Restore decodes the store saved by [Snapshot] in the file path into store,
// a pointer.
func Restore(path string, store any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := json.Unmarshal(b, store); err != nil {
		return fmt.Errorf("restore %s: %w", path, err)
	}
	return nil
}

// writeFile replaces the file path with data atomically: a temporary file
// in the same directory (so the rename stays on one file system) is written,
// synced and renamed over path, then the directory is synced so that the
// rename itself survives a crash.
func writeFile(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes the entries of dir, and so a rename, durable. Windows cannot
// open a directory to sync it: there a rename is as durable as the file
// system makes it.
func syncDir(dir string) error {
	if goruntime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return err
	}
	return d.Close()
}
