package anonymise

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Hierarchy is a value generalisation hierarchy for one column: every leaf (an original
// value) has one label per level, level 0 being the value itself and the last level the
// most general. It is a tree: two values that share a label at one level share every
// label above it, so generalising level by level is well defined.
type Hierarchy struct {
	leaves map[string]int32 // leaf value → leaf index
	labels [][]string       // labels[level][id]
	up     [][]int32        // up[level][leaf] → label id at that level
}

// MaxHierarchyLevels bounds the height of a hierarchy (and so of each lattice dimension).
const MaxHierarchyLevels = 64

// NewHierarchy builds a hierarchy from rows, one per leaf, most specific value first.
// Every row has the same number of levels; leaves are unique; a label must not sit under
// two different labels of the level above.
func NewHierarchy(rows [][]string) (*Hierarchy, error) {
	return newHierarchy(rows, func(i int) int { return i + 1 })
}

func newHierarchy(rows [][]string, line func(int) int) (*Hierarchy, error) {
	if len(rows) == 0 {
		return nil, &SyntaxError{What: "hierarchy", Msg: "no values"}
	}
	levels := len(rows[0])
	if levels == 0 {
		return nil, &SyntaxError{What: "hierarchy", Line: line(0), Msg: "a row without values"}
	}
	if levels > MaxHierarchyLevels {
		return nil, &SyntaxError{What: "hierarchy", Line: line(0), Msg: fmt.Sprintf("%d levels; at most %d", levels, MaxHierarchyLevels)}
	}
	h := &Hierarchy{
		leaves: make(map[string]int32, len(rows)),
		labels: make([][]string, levels),
		up:     make([][]int32, levels),
	}
	ids := make([]map[string]int32, levels)
	parent := make([][]int32, levels) // parent[l][id at l] → id at l+1
	firstLine := make([][]int, levels)
	for l := range ids {
		ids[l] = make(map[string]int32)
		h.up[l] = make([]int32, len(rows))
	}
	for i, row := range rows {
		if len(row) != levels {
			return nil, &SyntaxError{What: "hierarchy", Line: line(i), Msg: fmt.Sprintf("%d levels where the first row has %d", len(row), levels)}
		}
		if prev, dup := h.leaves[row[0]]; dup {
			return nil, &SyntaxError{What: "hierarchy", Line: line(i), Field: 1, Msg: fmt.Sprintf("value %q already listed on line %d", row[0], line(int(prev)))}
		}
		h.leaves[strings.Clone(row[0])] = int32(i)
		for l, v := range row {
			id, ok := ids[l][v]
			if !ok {
				id = int32(len(h.labels[l]))
				v = strings.Clone(v)
				ids[l][v] = id
				h.labels[l] = append(h.labels[l], v)
				firstLine[l] = append(firstLine[l], line(i))
				if l+1 < levels {
					parent[l] = append(parent[l], -1)
				}
			}
			h.up[l][i] = id
		}
		for l := 0; l+1 < levels; l++ {
			id, next := h.up[l][i], h.up[l+1][i]
			switch p := parent[l][id]; {
			case p == -1:
				parent[l][id] = next
			case p != next:
				return nil, &SyntaxError{What: "hierarchy", Line: line(i), Field: l + 2, Msg: fmt.Sprintf(
					"%q at level %d generalises to %q here but to %q on line %d", row[l], l, row[l+1], h.labels[l+1][p], firstLine[l][id])}
			}
		}
	}
	return h, nil
}

// ParseHierarchy reads a hierarchy in ARX's CSV format: one row per value, most specific
// first, fields separated by sep (ARX uses ';'). Blank lines are skipped; quoting follows
// RFC 4180.
func ParseHierarchy(r io.Reader, sep rune) (*Hierarchy, error) {
	if !validSep(sep) {
		return nil, fmt.Errorf("read hierarchy: %w: separator %q cannot separate CSV fields", ErrConfig, sep)
	}
	cr := csv.NewReader(r)
	cr.Comma = sep
	cr.FieldsPerRecord = -1 // NewHierarchy reports ragged rows with their level counts
	var rows [][]string
	var lines []int
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError("hierarchy", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rows) == 0 && len(rec) > 0 {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
		}
		rows = append(rows, rec)
		lines = append(lines, line)
	}
	return newHierarchy(rows, func(i int) int {
		if i < len(lines) {
			return lines[i]
		}
		return 0
	})
}

// Write writes the hierarchy in ARX's CSV format with sep between fields, so that
// ParseHierarchy reads back the same hierarchy.
func (h *Hierarchy) Write(w io.Writer, sep rune) error {
	cw := csv.NewWriter(w)
	cw.Comma = sep
	row := make([]string, len(h.labels))
	for i := range h.up[0] {
		for l := range row {
			row[l] = h.labels[l][h.up[l][i]]
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Levels returns the number of levels, the original values included.
func (h *Hierarchy) Levels() int { return len(h.labels) }

// Height returns the highest level (Levels()-1).
func (h *Hierarchy) Height() int { return len(h.labels) - 1 }

// Leaves returns the original values in file order.
func (h *Hierarchy) Leaves() []string { return append([]string(nil), h.labels[0]...) }

// Width returns the number of distinct labels at level.
func (h *Hierarchy) Width(level int) int { return len(h.labels[level]) }

// Generalise returns the label of value at level, and false when value is not a leaf or
// level is out of range.
func (h *Hierarchy) Generalise(value string, level int) (string, bool) {
	i, ok := h.leaves[value]
	if !ok || level < 0 || level >= len(h.labels) {
		return "", false
	}
	return h.labels[level][h.up[level][i]], true
}

// leafCount returns, per label at level, how many leaves it covers (Iyengar's loss).
func (h *Hierarchy) leafCount(level int) []int {
	out := make([]int, len(h.labels[level]))
	for _, id := range h.up[level] {
		out[id]++
	}
	return out
}
