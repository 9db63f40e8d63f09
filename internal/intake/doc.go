// Package intake keeps the day-by-day counts of what ingestion did with the messages it
// received: stored, already stored (a client's retry), dropped by reason. The console's
// overview answers "is everything fine" from them (issue 18 item 2); the collector's
// Prometheus counters say the same since the process started, these say it per day and
// survive restarts.
//
// Invariants:
//   - counts only: nothing about a message but its outcome and the drop reason (a stable
//     machine-readable label) is kept;
//   - days are UTC days of arrival;
//   - Add never touches the store: counts collect in memory and Flush adds them to the
//     store's totals (several nodes add to the same day), every few seconds and at
//     shutdown; Days adds what is not flushed yet, so a reader sees every counted message.
//
// Example:
//
//	c := intake.New(intake.Config{Store: st})
//	go c.Run(ctx, 5*time.Second)
//	c.Add(res.Received, res.Stored, res.Duplicates, res.DroppedBy) // after each request
//	days, _ := c.Days(ctx, "2026-05-01", "2026-05-30")
package intake
