package manifest

import (
	"fmt"
	"strings"
)

// Error is one located mistake in a manifest.
type Error struct {
	File      string
	Line, Col int // 1-based; never 0
	Msg       string
}

func (e Error) Error() string { return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg) }

// ErrorList is every mistake found in one manifest, in file order.
type ErrorList struct {
	Errors []Error
}

func (l *ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l.Errors {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}
