// Package jobs is Steward's durable job queue: River (github.com/riverqueue/river) on the
// store's own database, through riverdriver/riversqlite on SQLite and riverpgxv5 on
// PostgreSQL, so the same workers run unchanged on both (DESIGN.md "Scale").
//
// What it owns: River's tables (river_job, river_leader, river_queue, …) beside Steward's
// and the small API the rest of Steward uses — register workers, enqueue (optionally unique
// by arguments), periodic jobs — without naming the backend.
//
// Start-up, in this order (the composition root's job):
//
//	st.Migrate(ctx)                 // Steward's schema
//	jobs.Migrate(ctx, st)           // River's schema (rivermigrate); idempotent, and
//	                                // serialised across nodes by an advisory lock on PostgreSQL
//	ws := jobs.NewWorkers()
//	q, _ := jobs.Open(ctx, jobs.Config{Store: st, Workers: ws, Periodic: campaign.Periodic(time.Minute)})
//	svc, _ := campaign.New(campaign.Config{Queue: q, ...})
//	svc.Register(ws)                // every worker before Start
//	q.Start(ctx); defer q.Stop(ctx)
//
// `steward migrate` calls jobs.Migrate after the store's Migrate as well.
//
// Invariants:
//   - a job enqueued (Enqueue returned nil) is durable: it is a row in the store's database,
//     committed like any other write;
//   - each job is worked by one process at a time, however many processes share a
//     PostgreSQL database (River locks rows with FOR UPDATE SKIP LOCKED); a job whose
//     process died (kill -9) stays "running" until RescueAfter, then runs again. Workers
//     must therefore be idempotent: Steward's send a message id that the receiver dedupes;
//   - a unique job (Opts.Unique) is inserted at most once per key while the first is kept;
//   - periodic jobs are enqueued by the elected leader only, so once per tick per database.
//
// On SQLite River shares the store's single writer connection (sqlite.Store.JobDB): River's
// SQLite driver wants one connection, and sharing queues job writes behind store writes
// instead of contending for the file lock. SQLite has no LISTEN/NOTIFY; another process's
// jobs are found by polling every PollInterval.
package jobs
