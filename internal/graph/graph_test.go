package graph

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/digital-duck/picoflow-go/dsl"
	"github.com/digital-duck/picoflow-go/internal/golden"
)

// TestGolden compares the diagrams of each testdata/graph case with the
// archive's "mermaid" and "dot" files; -update rewrites them.
func TestGolden(t *testing.T) {
	golden.Run(t, "../../testdata/graph", func(t *testing.T, c *golden.Case) {
		src := c.First(".pico")
		if src == nil {
			t.Fatal("archive has no .pico file")
		}
		m, diags := dsl.Check(src.Name, src.Data)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		for _, format := range []Format{Mermaid, DOT} {
			got, err := Draw(m, format, "")
			if err != nil {
				t.Fatal(err)
			}
			c.Check(t, string(format), []byte(got))
		}
	})
}

// TestGraphvizRenders renders the DOT diagram of every .pico file in the
// repository and of every case of testdata/graph and testdata/golden (the
// generator's, parallel groups among them) with Graphviz, so that a syntax
// error in the output fails CI (.ci/run installs Graphviz).
func TestGraphvizRenders(t *testing.T) {
	dotBin, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("Graphviz (dot) is not installed; .ci/run installs it")
	}
	type input struct {
		name string
		src  []byte
	}
	var inputs []input
	err = filepath.WalkDir("../..", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".pico") {
			src, err := os.ReadFile(path)
			inputs = append(inputs, input{path, src})
			return err
		}
		return err
	})
	if err != nil || len(inputs) < 5 {
		t.Fatalf("found %d .pico files (%v)", len(inputs), err)
	}
	for _, dir := range []string{"../../testdata/graph", "../../testdata/golden"} {
		for _, c := range golden.Cases(t, dir) {
			if f := c.First(".pico"); f != nil {
				inputs = append(inputs, input{c.Path + ": " + f.Name, f.Data})
			}
		}
	}
	for _, in := range inputs {
		m, diags := dsl.Check(in.name, in.src)
		if diags.HasErrors() || len(m.Flows) == 0 {
			continue // the error goldens' inputs are not drawn, nor a store alone
		}
		out, err := Draw(m, DOT, "")
		if err != nil {
			t.Errorf("%s: %v", in.name, err)
			continue
		}
		cmd := exec.Command(dotBin, "-Tsvg")
		cmd.Stdin = strings.NewReader(out)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if svg, err := cmd.Output(); err != nil || !bytes.Contains(svg, []byte("<svg")) || stderr.Len() > 0 {
			t.Errorf("%s: dot -Tsvg failed: %v\n%s\ninput:\n%s", in.name, err, stderr.String(), out)
		}
	}
}

func TestDrawOneFlowAndErrors(t *testing.T) {
	src, err := os.ReadFile("../../testdata/check/support.pico")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := dsl.Check("support.pico", src)
	got, err := Draw(m, Mermaid, "Research")
	if err != nil {
		t.Fatal(err)
	}
	want := `flowchart TD
    Research_Fetch["Fetch"]
    Research_start((start)) --> Research_Fetch
    Research_Fetch -->|"more"| Research_Fetch
    Research_end(((end)))
    Research_Fetch -->|"enough"| Research_end
`
	if got != want {
		t.Errorf("Research alone:\n%s\nwant:\n%s", got, want)
	}
	if _, err := Draw(m, Mermaid, "Nope"); err == nil || err.Error() != `support.pico has no flow "Nope" (flows: Research, Support)` {
		t.Errorf("unknown flow: %v", err)
	}
	if _, err := Draw(m, "svg", ""); err == nil || err.Error() != `unknown format "svg": use mermaid or dot` {
		t.Errorf("unknown format: %v", err)
	}
}

// TestReadmeDiagrams keeps the README's diagrams equal to what the tool
// draws: each ```mermaid block follows a comment naming the command.
func TestReadmeDiagrams(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)<!-- picoflow graph (-flow (\\w+) )?(\\S+) -->\n```mermaid\n(.*?)```")
	matches := re.FindAllSubmatchIndex(readme, -1)
	if len(matches) < 2 {
		t.Fatalf("found %d diagrams in README.md, want at least 2", len(matches))
	}
	out := bytes.Clone(readme)
	for i := len(matches) - 1; i >= 0; i-- {
		mt := matches[i]
		flow, path := "", string(readme[mt[6]:mt[7]])
		if mt[4] >= 0 {
			flow = string(readme[mt[4]:mt[5]])
		}
		src, err := os.ReadFile(filepath.Join("../..", path))
		if err != nil {
			t.Fatal(err)
		}
		m, diags := dsl.Check(filepath.Base(path), src)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		want, err := Draw(m, Mermaid, flow)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(readme[mt[8]:mt[9]]); got != want {
			if !golden.Update() {
				t.Errorf("README diagram of %s is stale; run go test ./internal/graph -update", path)
			}
			out = append(out[:mt[8]:mt[8]], append([]byte(want), readme[mt[9]:]...)...)
			readme = bytes.Clone(out)
		}
	}
	if golden.Update() {
		if err := os.WriteFile("../../README.md", out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
