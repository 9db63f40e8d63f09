package demo

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// Count runs Generate without sending anything: the same shop (same seed), so its
// Summary.Messages is what seeding will send. Seeding counts first to report progress as a
// share of the whole.
func Count(cfg Config) (Summary, error) {
	return Generate(cfg, func([]byte) error { return nil })
}

// BatchMessages counts the messages of a batch Generate emitted (each carries exactly one
// messageId).
func BatchMessages(batch []byte) int {
	return bytes.Count(batch, []byte(`"messageId":`))
}

// Progress reports seeding as a few lines, one each time another tenth of the messages is
// sent and one at the end — "seeding: 12000/40000 events (30%)" — instead of a line per
// batch (issue 18 item 8).
type Progress struct {
	mu    sync.Mutex
	w     io.Writer
	total int
	sent  int
	shown int // tenths already reported
}

// NewProgress returns a Progress of total messages writing to w.
func NewProgress(w io.Writer, total int) *Progress {
	return &Progress{w: w, total: max(total, 1)}
}

// Add counts n more messages sent and writes a line when a tenth is crossed.
func (p *Progress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent += n
	tenth := min(10, p.sent*10/p.total)
	if tenth > p.shown {
		p.shown = tenth
		fmt.Fprintf(p.w, "seeding: %d/%d events (%d%%)\n", p.sent, p.total, min(100, p.sent*100/p.total))
	}
}
