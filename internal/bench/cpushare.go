package bench

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/google/pprof/profile"
)

// cpuShare splits a CPU profile's samples three ways: time with a store frame on the
// stack (the SQLite engine and its Go driver, database/sql, pgx, Steward's store
// adapters), time in the benchmark's own HTTP client (it runs in the same process, but is
// not Steward), and the rest — Steward outside the store: HTTP serving, decoding, the
// gate, identity resolution, sealing, the audit log, profiles and recommendations kept
// current, and the Go runtime's share (GC) of all of it.
type cpuShare struct {
	store, client, rest, total int64 // CPU nanoseconds in the profile
	// background is the part of rest in the profile engine and the recommender keeping
	// tags, segments and the model current (not the request path).
	background int64
}

// storeFrames are the function-name prefixes of the store.
var storeFrames = []string{"modernc.org/sqlite", "modernc.org/libc", "modernc.org/memory", "database/sql",
	"github.com/jackc/pgx", "github.com/jackc/puddle", "github.com/stewardhq/steward/internal/store/"}

// clientFrames are the benchmark client's: the goroutines posting batches and the HTTP
// client's connection goroutines.
var clientFrames = []string{"github.com/stewardhq/steward/internal/bench.", "github.com/stewardhq/steward/internal/demo.PostBatch",
	"net/http.(*persistConn)", "net/http.(*Transport)", "net/http.(*Client)"}

func hasPrefix(name string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// backgroundFrames are the followers that re-read people with new events.
var backgroundFrames = []string{"github.com/stewardhq/steward/internal/profile.(*Engine)", "github.com/stewardhq/steward/internal/recommend.(*Recommender)"}

// shareOf reads a profile written by runtime/pprof.
func shareOf(b []byte) (cpuShare, error) {
	p, err := profile.Parse(bytes.NewReader(b))
	if err != nil {
		return cpuShare{}, fmt.Errorf("cpu profile: %w", err)
	}
	idx := -1
	for i, st := range p.SampleType {
		if st.Type == "cpu" && st.Unit == "nanoseconds" {
			idx = i
		}
	}
	if idx < 0 {
		return cpuShare{}, fmt.Errorf("cpu profile: no cpu/nanoseconds samples")
	}
	var s cpuShare
	for _, smp := range p.Sample {
		v := smp.Value[idx]
		s.total += v
		inStore, inClient, inBackground := false, false, false
		for _, loc := range smp.Location {
			for _, ln := range loc.Line {
				if ln.Function == nil {
					continue
				}
				inStore = inStore || hasPrefix(ln.Function.Name, storeFrames)
				inClient = inClient || hasPrefix(ln.Function.Name, clientFrames)
				inBackground = inBackground || hasPrefix(ln.Function.Name, backgroundFrames)
			}
		}
		switch {
		case inStore:
			s.store += v
		case inClient:
			s.client += v
		default:
			s.rest += v
			if inBackground {
				s.background += v
			}
		}
	}
	return s, nil
}

// outsidePerEvent scales the share outside the store and the client to the process CPU
// time measured over the run (the profile samples it at 100 Hz) and divides by events.
func (s cpuShare) outsidePerEvent(processCPUNanos int64, events int) float64 {
	return s.perEvent(s.rest, processCPUNanos, events)
}

// perEvent scales part of the profile the same way, in µs per event.
func (s cpuShare) perEvent(part, processCPUNanos int64, events int) float64 {
	if s.total == 0 || events == 0 {
		return 0
	}
	return float64(processCPUNanos) * float64(part) / float64(s.total) / float64(events) / 1e3
}
