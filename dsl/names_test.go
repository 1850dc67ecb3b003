package dsl

import "testing"

func TestGoName(t *testing.T) {
	for in, want := range map[string]string{
		"query":       "Query",
		"user_id":     "UserID",
		"userID":      "UserID",
		"url":         "URL",
		"urls":        "URLs",
		"ids":         "IDs",
		"http_status": "HTTPStatus",
		"HTTPServer":  "HTTPServer",
		"faq":         "Faq",
		"more_pages":  "MorePages",
		"max_steps2":  "MaxSteps2",
		"this":        "This",
		"api_key":     "APIKey",
		"_":           "",
		"_2fa":        "",
		"x_1":         "X1",
	} {
		if got := goName(in); got != want {
			t.Errorf("goName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPackageName(t *testing.T) {
	for in, want := range map[string]string{
		"time":                        "time",
		"example.com/app/llm":         "llm",
		"github.com/foo/bar/v2":       "bar",
		"gopkg.in/yaml.v3":            "yaml",
		"github.com/mattn/go-sqlite3": "sqlite3",
		"example.com/my-lib":          "",
	} {
		if got := packageName(in); got != want {
			t.Errorf("packageName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSuggest(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cands []string
		want  string
	}{
		{"Anser", []string{"Ask", "Answer"}, `; did you mean "Answer"?`},
		{"answer", []string{"Answer"}, `; did you mean "Answer"?`},
		{"Zebra", []string{"Answer"}, ""},
		{"ab", []string{"xy"}, ""},
	} {
		if got := suggest(tc.name, tc.cands); got != tc.want {
			t.Errorf("suggest(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"strat", "start", 1},
		{"Anser", "Answer", 1},
		{"", "abc", 3},
		{"kitten", "sitting", 3},
		{"same", "same", 0},
	} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
