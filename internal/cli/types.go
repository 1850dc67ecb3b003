package cli

import (
	"path/filepath"

	"github.com/digital-duck/picoflow-go/dsl"
	"github.com/digital-duck/picoflow-go/internal/gotypes"
)

// checkTypes resolves the Go types that the units name, one Go package per
// directory (see gotypes.Check). Without force it checks only directories
// that hold Go files of a package besides the generated ones: elsewhere the
// local types a .pico names cannot exist yet, and reporting each of them
// as undefined would only be noise. It returns the diagnostics, and the
// directories whose package could not be loaded.
func checkTypes(units []*unit, force bool) (dsl.Diagnostics, []error) {
	dirs, byDir := goPackages(units)
	var diags dsl.Diagnostics
	var errs []error
	for _, dir := range dirs {
		if !force {
			// load has read the directory already; an error here is moot.
			if pkg, err := goFilesPackage(dir); err != nil || pkg == "" {
				continue
			}
		}
		d, err := gotypes.Check(dir, byDir[dir])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		diags = append(diags, d...)
	}
	return diags, errs
}

// goPackages groups units by directory, which is by Go package, in the order
// the directories first appear.
func goPackages(units []*unit) (dirs []string, byDir map[string][]*gotypes.File) {
	byDir = map[string][]*gotypes.File{}
	for _, u := range units {
		dir := filepath.Dir(u.path)
		if _, seen := byDir[dir]; !seen {
			dirs = append(dirs, dir)
		}
		byDir[dir] = append(byDir[dir], &gotypes.File{Path: u.path, Model: u.model, Pkg: u.pkg})
	}
	return dirs, byDir
}
