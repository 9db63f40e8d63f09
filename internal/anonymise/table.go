package anonymise

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Table is a data set held column by column, each value replaced by a small integer id
// into its column's dictionary: the search compares and hashes ids, never strings.
type Table struct {
	header []string
	cols   []column
	rows   int
	sep    rune // the separator ReadCSV used; 0 for tables built in code
}

type column struct {
	dict  []string         // id → value, in order of first appearance
	index map[string]int32 // value → id
	codes []int32          // row → id
}

// NewTable returns an empty table with the given column names, which must be unique and
// non-empty.
func NewTable(header []string) (*Table, error) {
	if msg := checkHeader(header); msg != "" {
		return nil, fmt.Errorf("new table: %w: %s", ErrConfig, msg)
	}
	t := &Table{header: append([]string(nil), header...), cols: make([]column, len(header))}
	for i := range t.cols {
		t.cols[i].index = make(map[string]int32)
	}
	return t, nil
}

func checkHeader(header []string) string {
	if len(header) == 0 {
		return "no columns"
	}
	seen := make(map[string]bool, len(header))
	for i, h := range header {
		if h == "" {
			return fmt.Sprintf("column %d has no name", i+1)
		}
		if seen[h] {
			return fmt.Sprintf("column %q appears twice", h)
		}
		seen[h] = true
	}
	return ""
}

// Append adds one row; it must have one value per column.
func (t *Table) Append(row []string) error {
	if len(row) != len(t.cols) {
		return fmt.Errorf("append row %d: %w: %d values for %d columns", t.rows+1, ErrConfig, len(row), len(t.cols))
	}
	for i, v := range row {
		c := &t.cols[i]
		id, ok := c.index[v]
		if !ok {
			id = int32(len(c.dict))
			v = strings.Clone(v) // csv.Reader reuses its record
			c.dict = append(c.dict, v)
			c.index[v] = id
		}
		c.codes = append(c.codes, id)
	}
	t.rows++
	return nil
}

// ReadCSV reads a table whose first record is the header. sep is the field separator;
// 0 guesses it from the header line (the most frequent of ',', ';' and tab). Quoting
// follows RFC 4180; every record must have as many fields as the header. Errors name the
// line and field but never quote a value (*SyntaxError).
func ReadCSV(r io.Reader, sep rune) (*Table, error) {
	br := newPeekReader(r)
	if sep == 0 {
		sep = br.guessSeparator()
	}
	if !validSep(sep) {
		return nil, fmt.Errorf("read data: %w: separator %q cannot separate CSV fields", ErrConfig, sep)
	}
	cr := csv.NewReader(br)
	cr.Comma = sep
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &SyntaxError{What: "data", Msg: "empty file: no header"}
	}
	if err != nil {
		return nil, csvError("data", err)
	}
	header = append([]string(nil), header...)
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	if msg := checkHeader(header); msg != "" {
		return nil, &SyntaxError{What: "data", Line: 1, Msg: msg}
	}
	t, _ := NewTable(header)
	t.sep = sep
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err != nil {
			return nil, csvError("data", err)
		}
		if err := t.Append(rec); err != nil {
			return nil, err
		}
	}
}

// validSep reports whether encoding/csv accepts sep as a field separator.
func validSep(sep rune) bool {
	return sep != 0 && sep != '"' && sep != '\r' && sep != '\n' && sep != utf8.RuneError && utf8.ValidRune(sep)
}

func csvError(what string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return &SyntaxError{What: what, Line: pe.StartLine, Msg: "wrong number of fields"}
		}
		return &SyntaxError{What: what, Line: pe.Line, Column: pe.Column, Msg: pe.Err.Error()}
	}
	return fmt.Errorf("read %s: %w", what, err)
}

// Header returns the column names.
func (t *Table) Header() []string { return append([]string(nil), t.header...) }

// Separator returns the field separator ReadCSV read the table with (',' for a table
// built with NewTable).
func (t *Table) Separator() rune {
	if t.sep == 0 {
		return ','
	}
	return t.sep
}

// Rows returns the number of rows.
func (t *Table) Rows() int { return t.rows }

// Column returns the index of the named column, or -1.
func (t *Table) Column(name string) int {
	for i, h := range t.header {
		if h == name {
			return i
		}
	}
	return -1
}

// Value returns the value in row r, column c.
func (t *Table) Value(r, c int) string { return t.cols[c].dict[t.cols[c].codes[r]] }

// Distinct returns the distinct values of column c in order of first appearance.
func (t *Table) Distinct(c int) []string { return append([]string(nil), t.cols[c].dict...) }

// Numeric reports whether every value of column c parses as a number, as t-closeness
// needs to choose the ordered distance.
func (t *Table) Numeric(c int) bool {
	for _, v := range t.cols[c].dict {
		if _, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil {
			return false
		}
	}
	return len(t.cols[c].dict) > 0
}

// peekReader lets ReadCSV look at the header line before csv.Reader consumes it.
type peekReader struct {
	r    io.Reader
	head []byte
}

func newPeekReader(r io.Reader) *peekReader { return &peekReader{r: r} }

func (p *peekReader) guessSeparator() rune {
	buf := make([]byte, 4096)
	n, _ := io.ReadFull(p.r, buf)
	p.head = buf[:n]
	line := p.head
	if i := strings.IndexAny(string(line), "\r\n"); i >= 0 {
		line = line[:i]
	}
	best, bestN := ',', 0
	for _, c := range []rune{',', ';', '\t'} {
		if k := strings.Count(string(line), string(c)); k > bestN {
			best, bestN = c, k
		}
	}
	return best
}

func (p *peekReader) Read(b []byte) (int, error) {
	if len(p.head) > 0 {
		n := copy(b, p.head)
		p.head = p.head[n:]
		return n, nil
	}
	return p.r.Read(b)
}
