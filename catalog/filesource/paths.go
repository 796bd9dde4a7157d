package filesource

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/featuregate/featuregate"
)

// Format names what a path holds.
const (
	FormatParquet = "parquet"
	FormatCSV     = "csv"
)

// expand lists the files path names, sorted (an error of the file system
// names the local path: the caller says what the statement wrote): the file itself; every
// *.parquet file under a directory, recursively (Hive-style partition
// directories such as year=2024/ are read as they are, without adding
// their keys as columns); or the matches of a glob. multi is false for a
// file named alone.
func expand(path string) (files []string, multi bool, err error) {
	if strings.ContainsAny(path, "*?[") {
		files, err = filepath.Glob(path)
		if err != nil {
			return nil, true, featuregate.Errorf(featuregate.KindInvalid, "file path %q: %v", path, err)
		}
		slices.Sort(files)
		return files, true, nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, false, err
	}
	if !st.IsDir() {
		return []string{path}, false, nil
	}
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".parquet") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, true, err
	}
	slices.Sort(files)
	return files, true, nil
}

// formatOfAll returns the format of files: one CSV or parquet file, or
// several parquet files. show names a file in messages.
func formatOfAll(written string, files []string, multi bool, show func(string) string) (string, error) {
	if !multi {
		return formatOf(written)
	}
	if len(files) == 0 {
		return "", featuregate.Errorf(featuregate.KindUndefined, "file path %q names no parquet file", written).
			WithHint("A directory or glob is read as one dataset of its *.parquet files.")
	}
	for _, f := range files {
		if format, err := formatOf(f); err != nil || format != FormatParquet {
			return "", featuregate.Errorf(featuregate.KindUnsupported, "file path %q: %s is not a parquet file", written, show(f)).
				WithHint("A directory or glob may name parquet files only; read a CSV file on its own.")
		}
	}
	return FormatParquet, nil
}

// formatOf tells a file's format by its extension.
func formatOf(path string) (string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".parquet", ".pq":
		return FormatParquet, nil
	case ".csv":
		return FormatCSV, nil
	}
	return "", featuregate.Errorf(featuregate.KindUnsupported, "file %q is neither parquet nor CSV", path).
		WithHint("Name a .parquet or .csv file, or a directory of .parquet files.")
}

// notFound is the error of a path that cannot be read. err is not kept
// when it is a featuregate error already (expand's), nor in the message:
// it names the file by its local path, which a client of a gateway must
// not learn.
func notFound(path string, err error) error {
	var fe *featuregate.Error
	if errors.As(err, &fe) {
		return err
	}
	return &featuregate.Error{Kind: featuregate.KindUndefined, Message: "file " + quote(path) + " cannot be read",
		Detail: detailOf(err),
		Hint:   "The path is relative to the feature repo (featuregate apply) or to the gateway's files.root (over the wire)."}
}

func quote(s string) string { return `"` + s + `"` }

// Resolve returns the local path of path, as a statement sent to a gateway
// names it, under root (the gateway's files.root). It refuses, as
// KindPermission, a gateway without a root, an absolute path, any ".."
// element, and a path (or a file a directory or glob names) that symbolic
// links lead out of root.
func Resolve(root, path string) (string, error) {
	if root == "" {
		return "", featuregate.Errorf(featuregate.KindPermission, "this gateway reads no files: file sources over the wire are off").
			WithHint("Run featuregate apply on the repo that holds the file, or have an administrator set files.root in the gateway's featuregate.yaml.")
	}
	if filepath.IsAbs(path) || strings.HasPrefix(path, "/") || strings.HasPrefix(path, `\`) {
		return "", outside(path, "an absolute path")
	}
	for _, el := range strings.FieldsFunc(path, func(r rune) bool { return r == '/' || r == '\\' }) {
		if el == ".." {
			return "", outside(path, `a ".." element`)
		}
	}
	return filepath.Join(root, filepath.FromSlash(path)), nil
}

// Confine checks that every file path names, once symbolic links are
// followed, lies under root.
func Confine(root, path string, files []string) error {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return &featuregate.Error{Kind: featuregate.KindInternal, Message: "files.root " + quote(root) + " cannot be read", Err: err}
	}
	for _, f := range files {
		real, err := filepath.EvalSymlinks(f)
		if err != nil {
			return notFound(path, err)
		}
		rel, err := filepath.Rel(realRoot, real)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return outside(path, "a symbolic link out of files.root")
		}
	}
	return nil
}

func outside(path, what string) error {
	return featuregate.Errorf(featuregate.KindPermission, "file path %q is %s: this gateway reads files under its files.root only", path, what).
		WithHint("Name the file by its path relative to files.root, without \"..\".")
}

// detailOf says why a file cannot be read without naming it.
func detailOf(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file or directory"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
