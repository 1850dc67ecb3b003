package scaffold

import (
	"go/token"
	"go/types"
	"testing"
)

func TestLowerFirst(t *testing.T) {
	for in, want := range map[string]string{
		"Classify": "classify", "HTTPFetch": "httpFetch", "URL": "url", "A": "a",
		"AB2": "ab2", "A1": "a1", "IDs": "ids", "URLsFetch": "urlsFetch", "HTTPServer": "httpServer", "Asks": "asks", "already": "already", "ÉtéNode": "étéNode",
	} {
		if got := lowerFirst(in); got != want {
			t.Errorf("lowerFirst(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckModulePath(t *testing.T) {
	for _, ok := range []string{"demo", "example.com/a/b", "my-app_2~x"} {
		if err := CheckModulePath(ok); err != nil {
			t.Errorf("CheckModulePath(%q): %v", ok, err)
		}
	}
	for p, want := range map[string]string{
		"":        "empty module path",
		"My App":  `malformed module path "My App": invalid char ' '`,
		"a//b":    `malformed module path "a//b"`,
		".hidden": `malformed module path ".hidden"`,
		"x/":      `malformed module path "x/"`,
	} {
		if err := CheckModulePath(p); err == nil || err.Error() != want {
			t.Errorf("CheckModulePath(%q) = %v, want %s", p, err, want)
		}
	}
}

// TestConstruct covers the zero values of implementing types of each kind,
// which the golden cases meet only in part.
func TestConstruct(t *testing.T) {
	pkg := types.NewPackage("example.com/p", "p")
	named := func(name string, u types.Type) *types.Named {
		return types.NewNamed(types.NewTypeName(token.NoPos, pkg, name, nil), u, nil)
	}
	for _, tc := range []struct {
		u    types.Type
		ptr  bool
		want string
	}{
		{types.NewStruct(nil, nil), false, "t{}"},
		{types.NewStruct(nil, nil), true, "&t{}"},
		{types.NewSlice(types.Typ[types.Int]), false, "t{}"},
		{types.Typ[types.Int], false, "t(0)"},
		{types.Typ[types.String], false, `t("")`},
		{types.Typ[types.Bool], false, "t(false)"},
		{types.Typ[types.Int], true, "new(t)"},
		{types.NewSignatureType(nil, nil, nil, nil, nil, false), false, "t(nil)"},
		{types.NewPointer(types.Typ[types.Int]), false, "t(nil)"},
	} {
		if got := construct(named("t", tc.u), tc.ptr); got != tc.want {
			t.Errorf("construct(%s, ptr %v) = %s, want %s", tc.u, tc.ptr, got, tc.want)
		}
	}
}
