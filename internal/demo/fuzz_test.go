package demo_test

import (
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/demo"
)

// FuzzGenerate checks the invariants of doc.go for arbitrary small configs:
// valid JSON within the size limits, identify first per subject, every
// timestamp inside the window.
func FuzzGenerate(f *testing.F) {
	f.Add(uint64(0), uint8(1), uint8(1), uint8(1), int64(0))
	f.Add(uint64(42), uint8(30), uint8(3), uint8(100), int64(86400*400))
	f.Add(uint64(1<<63), uint8(5), uint8(12), uint8(7), int64(-86400*1000))
	f.Fuzz(func(t *testing.T, seed uint64, subjects, months, batch uint8, shift int64) {
		cfg := demo.Config{
			Seed:      seed,
			Subjects:  1 + int(subjects%40),
			Months:    1 + int(months%36),
			BatchSize: 1 + int(batch),
			Now:       testNow.Add(time.Duration(shift%(86400*3650)) * time.Second),
		}
		start := cfg.Now.UTC().Truncate(time.Millisecond).AddDate(0, -cfg.Months, 0)
		end := cfg.Now.UTC().Truncate(time.Millisecond)
		identified := map[string]bool{}
		sum, err := demo.Generate(cfg, func(b []byte) error {
			if len(b) > demo.MaxBatchBytes {
				t.Fatalf("batch of %d bytes", len(b))
			}
			msgs, err := parseBatch(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) > cfg.BatchSize {
				t.Fatalf("%d messages in a batch of at most %d", len(msgs), cfg.BatchSize)
			}
			for _, m := range msgs {
				if len(m.raw) > demo.MaxMessageBytes {
					t.Fatalf("message of %d bytes", len(m.raw))
				}
				if m.at.Before(start) || !m.at.Before(end) {
					t.Fatalf("message at %v outside [%v, %v)", m.at, start, end)
				}
				if m.Type == demo.TypeIdentify {
					identified[m.AnonymousID] = true
				} else if !identified[m.AnonymousID] {
					t.Fatalf("%s before its subject's identify", m.MessageID)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Subjects != cfg.Subjects || len(identified) != cfg.Subjects {
			t.Fatalf("%d subjects summarised, %d identified, want %d", sum.Subjects, len(identified), cfg.Subjects)
		}
	})
}
