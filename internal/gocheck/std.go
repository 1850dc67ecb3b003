package gocheck

import (
	"fmt"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"golang.org/x/tools/go/packages"
)

// runtimePath is the package generated code runs on.
const runtimePath = "github.com/digital-duck/picoflow-go/runtime"

// stdlib holds the packages a generated file is checked against for real:
// the standard library, and the runtime with its dependencies. Their types
// come from export data that the go command builds once and caches, as
// internal/gotypes loads a user's imports: type-checking the standard
// library from source would take seconds per process.
type stdlib struct {
	exports map[string]string // export data file by import path
	// mu serializes checks: the importer's cache, and the declarations
	// of imported packages, which resolve lazily, are shared by all.
	mu  sync.Mutex
	imp types.Importer
}

var (
	stdOnce sync.Once
	std     *stdlib
	stdErr  error
)

// Load lists the real packages, as the first Check does: a second is a
// no-op. The go command builds their export data the first time, which on
// a cold build cache takes longer than the 10 seconds a fuzzer allows one
// input, so a fuzz target calls Load before it fuzzes.
func Load() error {
	_, err := loadStd()
	return err
}

// loadStd lists the packages once per process; the importer then reads
// each one's export data the first time a file imports it.
func loadStd() (*stdlib, error) {
	stdOnce.Do(func() { std, stdErr = listStd() })
	return std, stdErr
}

func listStd() (*stdlib, error) {
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedImports | packages.NeedDeps | packages.NeedExportFile}
	roots, err := packages.Load(cfg, "std", runtimePath)
	if err != nil {
		return nil, fmt.Errorf("gocheck: listing the standard library: %v", err)
	}
	s := &stdlib{exports: map[string]string{}}
	var errs []string
	packages.Visit(roots, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			errs = append(errs, e.Error())
		}
		if p.ExportFile != "" {
			s.exports[p.PkgPath] = p.ExportFile
		}
	})
	if len(errs) > 0 {
		return nil, fmt.Errorf("gocheck: listing the standard library: %s", strings.Join(errs, "; "))
	}
	if s.exports[runtimePath] == "" {
		return nil, fmt.Errorf("gocheck: no export data for %s", runtimePath)
	}
	// Positions of imported declarations go to a FileSet of their own:
	// each checked file has a fresh one, which stays small.
	s.imp = importer.ForCompiler(token.NewFileSet(), "gc", func(path string) (io.ReadCloser, error) {
		return os.Open(s.exports[path])
	})
	return s, nil
}

// has reports whether path is one of the real packages.
func (s *stdlib) has(path string) bool {
	_, ok := s.exports[path]
	return ok || path == "unsafe"
}

// importPath returns the real package at path; the caller holds mu.
func (s *stdlib) importPath(path string) (*types.Package, error) {
	if !s.has(path) {
		return nil, fmt.Errorf("%s is neither in the standard library nor a dependency of the runtime", path)
	}
	return s.imp.Import(path)
}

// internal reports whether path is a real package that code outside the
// standard library may not import: the go command refuses it, though
// go/types does not care.
func (s *stdlib) internal(path string) bool {
	if !s.has(path) {
		return false
	}
	if strings.HasPrefix(path, "vendor/") {
		return true
	}
	if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
		return false // the runtime or a module it requires
	}
	return slices.Contains(strings.Split(path, "/"), "internal")
}
