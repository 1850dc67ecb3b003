package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// picoExt is the extension of PicoFlow source files.
const picoExt = ".pico"

// pickFiles expands the PATH arguments of a run into .pico files, in argument
// order, each once; no argument means ".". A directory means its .pico files,
// sorted and not recursive, skipping names that start with "." or "_" as the
// go command does (editor backups, disabled files). A file from a directory
// is named by joining the directory as given with its name, so diagnostics
// name a path that editors can open. Each path that does not exist, is not a
// .pico file or is a directory without .pico files is an error; the files of
// the other paths are still returned, so that a run reports every problem.
func pickFiles(paths []string) (files []string, errs []error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	seen := map[string]bool{}
	add := func(path string) {
		if key := filepath.Clean(path); !seen[key] {
			seen[key] = true
			files = append(files, path)
		}
	}
	for _, path := range paths {
		info, err := os.Stat(path)
		if err != nil {
			errs = append(errs, pathError(path, err))
			continue
		}
		if !info.IsDir() {
			if !strings.HasSuffix(path, picoExt) {
				errs = append(errs, fmt.Errorf("%s: not a %s file", path, picoExt))
				continue
			}
			add(path)
			continue
		}
		entries, err := os.ReadDir(path) // sorted by name
		if err != nil {
			errs = append(errs, pathError(path, err))
			continue
		}
		n := 0
		for _, ent := range entries {
			name := ent.Name()
			if ent.IsDir() || !strings.HasSuffix(name, picoExt) || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				continue
			}
			add(filepath.Join(path, name))
			n++
		}
		if n == 0 {
			errs = append(errs, fmt.Errorf("%s: no %s files", path, picoExt))
		}
	}
	return files, errs
}

// pathError is err about path as "PATH: reason", without the operation and
// temporary names that os errors carry and users have no use for.
func pathError(path string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return fmt.Errorf("%s: %w", path, err)
}
