package store

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Text columns hold valid UTF-8 without NUL characters: PostgreSQL cannot store anything
// else, so SQLite refuses it too, and a write of such text fails with ErrInvalid on every
// backend instead of a driver error (issue 17 item 7). The edges (segmentspec for
// messages, the server for parameters and JSON bodies) check first and name the field;
// this is the store's own guarantee that both backends behave the same.

// ValidText reports whether s may be stored in a text column.
func ValidText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// CheckText returns ErrInvalid naming what when any value is not ValidText.
func CheckText(what string, values ...string) error {
	for _, v := range values {
		if !ValidText(v) {
			return fmt.Errorf("%w: %s holds a NUL character or invalid UTF-8", ErrInvalid, what)
		}
	}
	return nil
}
