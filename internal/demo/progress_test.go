package demo_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/demo"
)

// Seeding a shop reports ten progress lines whatever the number of batches, the last at
// 100%, and the counts add up to what Count said would be sent.
func TestProgressLines(t *testing.T) {
	cfg := demo.Config{Seed: 7, Subjects: 60, Months: 1, Now: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}
	total, err := demo.Count(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	p := demo.NewProgress(&out, total.Messages)
	sent := 0
	sum, err := demo.Generate(cfg, func(b []byte) error {
		n := demo.BatchMessages(b)
		sent += n
		p.Add(n)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if sent != total.Messages || sum.Messages != total.Messages || sum.Batches < 10 {
		t.Fatalf("sent %d, counted %d, generated %d in %d batches", sent, total.Messages, sum.Messages, sum.Batches)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 10 || lines[9] != "seeding: "+itoa(total.Messages)+"/"+itoa(total.Messages)+" events (100%)" {
		t.Fatalf("progress lines (%d): %q", len(lines), out.String())
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "seeding: ") || !strings.HasSuffix(l, "%)") {
			t.Fatalf("line %q", l)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
