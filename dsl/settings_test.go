package dsl

import (
	"strings"
	"testing"
	"time"
)

// Durations are read exactly as time.ParseDuration reads them, whichever
// micro sign is used.
func TestSettingDurations(t *testing.T) {
	for lit, want := range map[string]time.Duration{
		".5s": 500 * time.Millisecond, "3µs": 3 * time.Microsecond, "3μs": 3 * time.Microsecond,
		"1m30s": 90 * time.Second, "1.5h": 90 * time.Minute, "250ms": 250 * time.Millisecond, "7ns": 7,
	} {
		src := "store S { n int }\nnode A {\n    exec string\n    wait " + lit + "\n    timeout " + lit + "\n}\nflow F { start A }\n"
		m, diags := Check("d.pico", []byte(src))
		if m == nil {
			t.Errorf("%s: %v", lit, diags)
			continue
		}
		if n := m.Nodes[0]; n.Wait != want || n.Timeout != want {
			t.Errorf("%s: wait %v, timeout %v; want %v", lit, n.Wait, n.Timeout, want)
		}
	}
}

// Every setting of the table parses, applies, and formats by its value
// kind; its name is a keyword only where a setting may stand.
func TestSettingTable(t *testing.T) {
	values := map[valueKind]string{typeValue: "[]string", numberValue: "2", flagValue: "", nameListValue: "a, b"}
	for _, spec := range settingTable {
		line := strings.TrimSpace(spec.name + " " + values[spec.value])
		if spec.name == "wait" || spec.name == "timeout" {
			line = spec.name + " 2s"
		}
		body := "    exec string\n    prep []string\n    batch\n    " + line + "\n"
		if spec.name == "exec" || spec.name == "prep" || spec.name == "batch" {
			body = "    exec string\n    prep []string\n    batch\n"
		}
		if spec.name == "await" {
			body = "    prep []string\n    await []string\n" // await excludes Exec and its settings
		}
		src := "store S {\n    " + spec.name + " int\n}\n\nnode A {\n" + body + "}\n\nflow F {\n    start A\n    A then " + spec.name + " -> end\n"
		if spec.value == nameListValue {
			src = strings.Replace(src, "A then "+spec.name, "A then a -> end\n    A then b", 1)
		}
		src += "}\n"
		m, diags := Check("t.pico", []byte(src))
		if m == nil {
			t.Errorf("%s:\n%s\n%v", spec.name, src, diags)
			continue
		}
		if m.Store.Fields[0].Name != spec.name {
			t.Errorf("%s: the field is called %q", spec.name, m.Store.Fields[0].Name)
		}
		// Format aligns, and changes nothing else.
		out, err := Format("t.pico", []byte(src))
		if err != nil || strings.Join(strings.Fields(string(out)), " ") != strings.Join(strings.Fields(src), " ") {
			t.Errorf("%s: Format changed more than the layout (err %v):\n%s\nwant\n%s", spec.name, err, out, src)
		}
		n := m.Nodes[0]
		switch spec.name {
		case "attempts":
			if n.Attempts != 2 {
				t.Errorf("attempts = %d", n.Attempts)
			}
		case "backoff":
			if n.Backoff != 2 {
				t.Errorf("backoff = %v", n.Backoff)
			}
		case "parallel":
			if n.Parallel != 2 {
				t.Errorf("parallel = %d", n.Parallel)
			}
		case "wait":
			if n.Wait != 2*time.Second {
				t.Errorf("wait = %v", n.Wait)
			}
		case "timeout":
			if n.Timeout != 2*time.Second {
				t.Errorf("timeout = %v", n.Timeout)
			}
		case "fallback":
			if !n.Fallback {
				t.Error("fallback not set")
			}
		case "actions":
			if len(n.Actions) != 2 || n.Actions[0].Name != "a" {
				t.Errorf("actions = %v", actionNames(n.Actions))
			}
		}
	}
}

// The bound on type nesting holds however the levels are written, and
// refuses before the parser recurses.
func TestTypeNestingBound(t *testing.T) {
	for _, unit := range []string{"map[int]", "[]", "*", "[2]", "map[a.B]"} {
		src := "store S {\n    a " + strings.Repeat(unit, 110000) + "int\n}\n"
		_, diags := Check("deep.pico", []byte(src))
		if len(diags) != 1 || !strings.Contains(diags[0].Msg, "type nested too deeply") {
			t.Errorf("%s x 110000: %v", unit, diags)
		}
	}
	src := "store S {\n    a " + strings.Repeat("map[int]", 40) + "int\n}\nnode A\nflow F { start A }\n"
	if m, diags := Check("ok.pico", []byte(src)); m == nil {
		t.Errorf("40 levels refused: %v", diags)
	}
}
