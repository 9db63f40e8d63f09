package bench

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/stewardhq/steward/internal/segment"
	_ "modernc.org/sqlite" // the same driver the SQLite store uses
)

// benchSegments measures the 3-clause bench segment over n synthetic profiles: full bitmap
// evaluation, one incremental update, and the equivalent SQL query on the same data in
// SQLite in the same run (issue 8 item 7).
func benchSegments(ctx context.Context, e Env, args []string) error {
	fs := newFlags(e, "bench segments", "bench segments [-n N] [-runs N]")
	n := fs.Int("n", 1000000, "synthetic profiles")
	runs := fs.Int("runs", 5, "runs per measurement; the median is reported")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *n <= 0 || *runs <= 0 {
		return fmt.Errorf("%w: n and runs must be positive", ErrUsage)
	}
	const seed = 1
	fmt.Fprintf(e.Stdout, "machine: %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(e.Stdout, "segment: %s\n", BenchExpression)

	start := time.Now()
	idx := segment.NewMemIndex()
	LoadSynthetic(idx, *n, seed)
	fmt.Fprintf(e.Stdout, "loaded %d profiles into the bitmap index in %.1f s\n", *n, time.Since(start).Seconds())
	plan, err := segment.CompileString(BenchExpression)
	if err != nil {
		return err
	}

	var fullMS []float64
	var members uint64
	for i := 0; i < *runs; i++ {
		t0 := time.Now()
		bm, err := segment.Evaluate(ctx, plan, idx, BenchNow)
		if err != nil {
			return err
		}
		fullMS = append(fullMS, ms(time.Since(t0)))
		members = bm.GetCardinality()
	}
	full := median(fullMS)
	fmt.Fprintf(e.Stdout, "full evaluation: %.2f ms median of %d (%d members)\n", full, *runs, members)

	sqlMS, sqlMembers, err := benchSegmentsSQL(ctx, e, *n, seed, *runs)
	if err != nil {
		return err
	}
	if sqlMembers != members {
		return fmt.Errorf("bench segments: SQL found %d members, bitmaps %d", sqlMembers, members)
	}
	fmt.Fprintf(e.Stdout, "sql baseline (faster formulation): %.2f ms\n", sqlMS)

	incUS, err := benchSegmentsIncremental(ctx, idx, plan, *runs)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "incremental update (new event + Recheck of one subject): %.1f µs median of %d\n", incUS, *runs)
	fmt.Fprintf(e.Stdout, "segments: %.1f ms (%.0fx sql)\n", full, sqlMS/full)
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// benchSegmentsIncremental gives non-members of the segment (tagged, in 上海, too few recent
// purchases) a new purchase event each and rechecks only them, checking each flip.
func benchSegmentsIncremental(ctx context.Context, idx *segment.MemIndex, plan *segment.Plan, runs int) (float64, error) {
	live, err := segment.NewLive(ctx, plan, idx, BenchNow)
	if err != nil {
		return 0, err
	}
	near, err := segment.CompileString(`tag("high_spender") and trait("city") == "上海" and count(purchase, 30d) == 1`)
	if err != nil {
		return 0, err
	}
	cands, err := segment.Evaluate(ctx, near, idx, BenchNow)
	if err != nil {
		return 0, err
	}
	if cands.GetCardinality() < uint64(runs) {
		return 0, fmt.Errorf("bench segments: only %d subjects one purchase short; use a larger -n", cands.GetCardinality())
	}
	it := cands.Iterator()
	var us []float64
	for i := 0; i < runs; i++ {
		id := it.Next()
		t0 := time.Now()
		idx.AddEvent(id, "purchase", BenchNow.Add(-time.Hour), nil)
		d, err := live.Recheck(ctx, BenchNow, id)
		el := time.Since(t0)
		if err != nil {
			return 0, err
		}
		if len(d.Added) != 1 || !live.Contains(id) {
			return 0, fmt.Errorf("bench segments: new event did not add subject %d", id)
		}
		us = append(us, float64(el)/float64(time.Microsecond))
	}
	return median(us), nil
}

// benchSegmentsSQL loads the same profiles into indexed SQLite tables in a temporary database
// and times the equivalent query; it returns the median ms and the member count.
func benchSegmentsSQL(ctx context.Context, e Env, n int, seed uint64, runs int) (float64, uint64, error) {
	dir, err := os.MkdirTemp("", "steward-bench-segments-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "segments.db")+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	start := time.Now()
	for _, q := range []string{
		`CREATE TABLE subject_tags (subject INTEGER NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (tag, subject)) WITHOUT ROWID`,
		`CREATE TABLE subject_traits (subject INTEGER NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (subject, name)) WITHOUT ROWID`,
		`CREATE INDEX subject_traits_value ON subject_traits (name, value, subject)`,
		`CREATE TABLE event_counts (subject INTEGER NOT NULL, event TEXT NOT NULL, day INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (subject, event, day)) WITHOUT ROWID`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return 0, 0, err
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	insTag, err1 := tx.PrepareContext(ctx, `INSERT INTO subject_tags (subject, tag) VALUES (?, ?)`)
	insTrait, err2 := tx.PrepareContext(ctx, `INSERT INTO subject_traits (subject, name, value) VALUES (?, ?, ?)`)
	insCount, err3 := tx.PrepareContext(ctx, `INSERT INTO event_counts (subject, event, day, n) VALUES (?, 'purchase', ?, 1)
		ON CONFLICT (subject, event, day) DO UPDATE SET n = n + 1`)
	for _, err := range []error{err1, err2, err3} {
		if err != nil {
			return 0, 0, err
		}
	}
	var loadErr error
	Synthetic(n, seed, func(p SynthProfile) {
		if loadErr != nil {
			return
		}
		for _, t := range p.Tags {
			if _, loadErr = insTag.ExecContext(ctx, p.ID, t); loadErr != nil {
				return
			}
		}
		if _, loadErr = insTrait.ExecContext(ctx, p.ID, "city", p.City); loadErr != nil {
			return
		}
		for _, at := range p.Purchases {
			if _, loadErr = insCount.ExecContext(ctx, p.ID, at.Unix()/86400); loadErr != nil {
				return
			}
		}
	})
	if loadErr != nil {
		return 0, 0, loadErr
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, err
	}
	if _, err := db.ExecContext(ctx, `ANALYZE`); err != nil {
		return 0, 0, err
	}
	fmt.Fprintf(e.Stdout, "loaded the same profiles into SQLite in %.1f s\n", time.Since(start).Seconds())

	// count(purchase, 30d) >= 2 at BenchNow: purchases on the 30 days ending today.
	today := BenchNow.Unix() / 86400
	// Two formulations; the faster is the baseline, so we compare against SQL at its best.
	queries := []struct{ name, q string }{
		{"join + correlated count", `SELECT t.subject FROM subject_tags t
			JOIN subject_traits r ON r.subject = t.subject AND r.name = 'city' AND r.value = ?1
			WHERE t.tag = ?2
			  AND (SELECT COALESCE(SUM(c.n), 0) FROM event_counts c
			       WHERE c.subject = t.subject AND c.event = 'purchase' AND c.day > ?3 AND c.day <= ?4) >= 2`},
		{"intersect + group by", `SELECT subject FROM subject_tags WHERE tag = ?2
			INTERSECT SELECT subject FROM subject_traits WHERE name = 'city' AND value = ?1
			INTERSECT SELECT subject FROM event_counts WHERE event = 'purchase' AND day > ?3 AND day <= ?4
			          GROUP BY subject HAVING SUM(n) >= 2`},
	}
	best, bestCount := 0.0, uint64(0)
	for qi, q := range queries {
		var times []float64
		var count uint64
		for i := 0; i < runs; i++ {
			t0 := time.Now()
			rows, err := db.QueryContext(ctx, q.q, "上海", "high_spender", today-30, today)
			if err != nil {
				return 0, 0, err
			}
			count = 0
			for rows.Next() {
				var id uint32
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return 0, 0, err
				}
				count++
			}
			if err := rows.Err(); err != nil {
				return 0, 0, err
			}
			rows.Close()
			times = append(times, ms(time.Since(t0)))
		}
		med := median(times)
		fmt.Fprintf(e.Stdout, "sql (sqlite, %s): %.2f ms median of %d (%d members)\n", q.name, med, runs, count)
		if qi > 0 && count != bestCount {
			return 0, 0, fmt.Errorf("bench segments: SQL formulations disagree: %d vs %d members", bestCount, count)
		}
		if qi == 0 || med < best {
			best = med
		}
		bestCount = count
	}
	return best, bestCount, nil
}
