package cli

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// writeAll writes each output file, in name order, stopping at the first
// failure. A file whose content is already identical is left alone, so its
// modification time, and with it the build cache, stays put.
func writeAll(outputs map[string][]byte) error {
	for _, name := range slices.Sorted(maps.Keys(outputs)) {
		if err := writeFile(name, outputs[name]); err != nil {
			return err
		}
	}
	return nil
}

// writeFile replaces name with data atomically: readers (and a crash) see the
// old file or the new one, never a truncated one. The temporary file lives in
// the same directory, as rename is atomic only within a file system, and its
// name starts with "." so that the go command ignores it meanwhile.
func writeFile(name string, data []byte) (err error) {
	if old, err := os.ReadFile(name); err == nil && bytes.Equal(old, data) {
		return nil
	}
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return pathError(name, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close() // already closed on the later failures; the error is moot
			os.Remove(tmp)
			err = pathError(name, err)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	// CreateTemp makes the file 0600; generated code is ordinary source.
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}
