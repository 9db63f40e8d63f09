package anonymise

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinels for errors.Is. Every error this package returns wraps one of them.
var (
	// ErrSyntax: a data or hierarchy file that cannot be read (see *SyntaxError).
	ErrSyntax = errors.New("malformed input")
	// ErrConfig: a Config that names unknown columns, impossible parameters or missing
	// hierarchies.
	ErrConfig = errors.New("invalid configuration")
	// ErrHierarchy: a data value that its column's hierarchy does not cover, or builder
	// input that cannot form a hierarchy.
	ErrHierarchy = errors.New("hierarchy does not fit")
	// ErrUnsatisfiable: no transformation meets the privacy models within the suppression
	// limit (see *UnsatisfiableError).
	ErrUnsatisfiable = errors.New("privacy models cannot be met")
	// ErrTooLarge: a lattice or key space beyond what the search handles.
	ErrTooLarge = errors.New("problem too large")
)

// SyntaxError locates a mistake in a CSV data or hierarchy file. It never quotes a
// field: data files hold personal data, so the message names the line and field only.
type SyntaxError struct {
	What   string // "data" or "hierarchy"
	Line   int    // 1-based line of the record; 0 when not tied to one
	Field  int    // 1-based field; 0 when not tied to one
	Column int    // 1-based byte column, for CSV quoting errors; 0 when not known
	Msg    string
}

func (e *SyntaxError) Error() string {
	var b strings.Builder
	b.WriteString("read ")
	b.WriteString(e.What)
	if e.Line > 0 {
		fmt.Fprintf(&b, ": line %d", e.Line)
		if e.Field > 0 {
			fmt.Fprintf(&b, " field %d", e.Field)
		} else if e.Column > 0 {
			fmt.Fprintf(&b, " column %d", e.Column)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// UnsatisfiableError names the privacy models that no transformation of the lattice meets
// within the suppression limit. Models lists each model that cannot be met even on its
// own; when every model can be met alone but not together, Models lists all of them and
// Together is true.
type UnsatisfiableError struct {
	Models      []string
	Together    bool
	Suppression float64 // the limit, as a share of records
}

func (e *UnsatisfiableError) Error() string {
	limit := fmt.Sprintf("%g%%", e.Suppression*100)
	if e.Together {
		return fmt.Sprintf("search: %s cannot be met together within the suppression limit of %s", strings.Join(e.Models, " and "), limit)
	}
	verb := "cannot"
	if len(e.Models) > 1 {
		verb = "each cannot"
	}
	return fmt.Sprintf("search: %s %s be met within the suppression limit of %s", strings.Join(e.Models, " and "), verb, limit)
}

func (e *UnsatisfiableError) Unwrap() error { return ErrUnsatisfiable }

// configErr is an ErrConfig for the operation op ("prepare", "evaluate", ...).
func configErr(op, format string, args ...any) error {
	return fmt.Errorf("%s: %w: %s", op, ErrConfig, fmt.Sprintf(format, args...))
}
