package store

import (
	"context"
	"slices"
	"time"
)

// Follower follows a ChangeLog and hands out each row's subject once, including rows that
// commit after rows with a higher seq (several writers on PostgreSQL).
//
// It remembers the highest seq it has seen and the gaps below it: seqs not seen yet that
// may still be in an open transaction. Each call reads the rows above the highest seq and
// the rows inside each open gap (a few narrow range scans, not the whole tail again). A
// gap is closed once it has been open for Grace: a transaction that took a seq below a
// row seen Grace ago and has not committed since is taken to have rolled back (or its seq
// was skipped by ON CONFLICT, which is the common case). Whoever keeps derived data
// should still repair it now and then (the profile engine's hourly rebuild) for a
// transaction that outlives Grace.
type Follower struct {
	Log   ChangeLog
	Kind  Log
	Grace time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time

	high int64
	gaps []gap
}

type gap struct {
	from, to int64 // the seqs strictly between from and to are not seen yet
	since    time.Time
}

// followPage bounds one read.
const followPage = 5000

// DefaultGrace is how long a Follower waits for a missing seq.
const DefaultGrace = 10 * time.Second

func (f *Follower) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func (f *Follower) grace() time.Duration {
	if f.Grace > 0 {
		return f.Grace
	}
	return DefaultGrace
}

// Start positions the follower at the end of the log: what is there now is not handed
// out. Without Start the first Next hands out the whole log.
func (f *Follower) Start(ctx context.Context) error {
	for {
		rows, err := f.Log.LogSince(ctx, f.Kind, f.high, 0, followPage)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		f.high = rows[len(rows)-1].Seq
	}
}

// High is the highest seq seen.
func (f *Follower) High() int64 { return f.high }

// Next returns the subjects of rows not handed out before, each subject once, reading at
// most max rows above the highest seq (0: no limit; the rest comes next time).
func (f *Follower) Next(ctx context.Context, max int) ([]string, error) {
	now := f.now()
	seen := map[string]bool{}
	var out []string
	take := func(rows []Change) {
		for _, r := range rows {
			if !seen[r.SubjectID] {
				seen[r.SubjectID] = true
				out = append(out, r.SubjectID)
			}
		}
	}
	// Late commits inside the open gaps first.
	var open []gap
	for _, g := range f.gaps {
		if now.Sub(g.since) >= f.grace() {
			continue // given up
		}
		rows, err := f.Log.LogSince(ctx, f.Kind, g.from, g.to, followPage)
		if err != nil {
			return nil, err
		}
		take(rows)
		open = append(open, split(g, rows)...)
	}
	f.gaps = open
	// Then the tail.
	read := 0
	for max <= 0 || read < max {
		rows, err := f.Log.LogSince(ctx, f.Kind, f.high, 0, followPage)
		if err != nil {
			return out, err
		}
		if len(rows) == 0 {
			break
		}
		read += len(rows)
		take(rows)
		f.gaps = append(f.gaps, split(gap{from: f.high, to: rows[len(rows)-1].Seq + 1, since: now}, rows)...)
		f.high = rows[len(rows)-1].Seq
	}
	slices.SortFunc(f.gaps, func(a, b gap) int { return int(a.from - b.from) })
	return out, nil
}

// split returns what stays missing of g once rows (inside g, in seq order) are seen.
func split(g gap, rows []Change) []gap {
	var out []gap
	from := g.from
	for _, r := range rows {
		if r.Seq > from+1 {
			out = append(out, gap{from: from, to: r.Seq, since: g.since})
		}
		from = r.Seq
	}
	if g.to > from+1 {
		out = append(out, gap{from: from, to: g.to, since: g.since})
	}
	return out
}

// Gaps is how many gaps are open (tests).
func (f *Follower) Gaps() int { return len(f.gaps) }
