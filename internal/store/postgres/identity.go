package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stewardhq/steward/internal/store"
)

type tx struct{ q pgx.Tx }

var _ store.Tx = tx{}

// InTx implements store.Store. Concurrent transactions that link the same identifier
// collide on the identities primary key; the loser gets store.ErrConflict and may retry.
func (s *Store) InTx(ctx context.Context, fn func(store.Tx) error) error {
	err := pgx.BeginFunc(ctx, s.pool, func(t pgx.Tx) error { return fn(tx{t}) })
	if err != nil {
		return mapErr(err)
	}
	return nil
}

func (t tx) InsertEvents(ctx context.Context, events []store.Event) (int, error) {
	return insertEvents(ctx, t.q, events)
}

func (t tx) LookupIdentities(ctx context.Context, keys []store.IdentityKey) (map[store.IdentityKey]string, error) {
	return lookupIdentities(ctx, t.q, keys)
}

// LookupIdentities implements store.Store: the same lookup outside any transaction.
func (s *Store) LookupIdentities(ctx context.Context, keys []store.IdentityKey) (map[store.IdentityKey]string, error) {
	return lookupIdentities(ctx, s.pool, keys)
}

type rowsQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func lookupIdentities(ctx context.Context, q rowsQuerier, keys []store.IdentityKey) (map[store.IdentityKey]string, error) {
	out := make(map[store.IdentityKey]string, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	kinds := make([]string, len(keys))
	hashes := make([][]byte, len(keys))
	for i, k := range keys {
		kinds[i], hashes[i] = k.Kind, []byte(k.Hash)
	}
	rows, err := q.Query(ctx, `SELECT i.kind, i.hash, i.subject_id FROM identities i
		JOIN unnest($1::text[], $2::bytea[]) AS k(kind, hash) ON i.kind = k.kind AND i.hash = k.hash`, kinds, hashes)
	if err != nil {
		return nil, fmt.Errorf("lookup identities: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var kind, sub string
		var h []byte
		if err := rows.Scan(&kind, &h, &sub); err != nil {
			return nil, fmt.Errorf("lookup identities: %w", err)
		}
		out[store.IdentityKey{Kind: kind, Hash: string(h)}] = sub
	}
	return out, rows.Err()
}

func (t tx) CreateSubjects(ctx context.Context, subjects []store.Subject) error {
	if len(subjects) == 0 {
		return nil
	}
	ids, srcs := make([]string, len(subjects)), make([]string, len(subjects))
	created := make([]time.Time, len(subjects))
	for i, s := range subjects {
		ids[i], srcs[i], created[i] = s.ID, s.SourceID, s.CreatedAt
	}
	_, err := t.q.Exec(ctx, `INSERT INTO subjects(id, source_id, created_at)
		SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])`, ids, srcs, created)
	if err != nil {
		return fmt.Errorf("create subjects: %w", mapErr(err))
	}
	return nil
}

func (t tx) LinkIdentities(ctx context.Context, links []store.IdentityLink) error {
	if len(links) == 0 {
		return nil
	}
	kinds, subs := make([]string, len(links)), make([]string, len(links))
	hashes := make([][]byte, len(links))
	created := make([]time.Time, len(links))
	for i, l := range links {
		kinds[i], hashes[i], subs[i], created[i] = l.Key.Kind, []byte(l.Key.Hash), l.SubjectID, l.CreatedAt
	}
	_, err := t.q.Exec(ctx, `INSERT INTO identities(kind, hash, subject_id, origin_subject_id, created_at)
		SELECT k, h, s, s, c FROM unnest($1::text[], $2::bytea[], $3::text[], $4::timestamptz[]) AS x(k, h, s, c)`,
		kinds, hashes, subs, created)
	if err != nil {
		return fmt.Errorf("link identities: %w", mapErr(err))
	}
	return nil
}

func (t tx) MergeSubjects(ctx context.Context, from, into, reason string, at time.Time) error {
	if from == into {
		return nil
	}
	batch := &pgx.Batch{}
	batch.Queue("UPDATE identities SET subject_id = $1 WHERE subject_id = $2", into, from)
	// A retried event is recognised per subject (events is partitioned by subject): a copy
	// the survivor already holds is dropped rather than moved next to it. Moved events
	// remember where they came from (origin NULL: still there).
	batch.Queue("DELETE FROM events f WHERE f.subject_id = $2 AND EXISTS (SELECT 1 FROM events i WHERE i.subject_id = $1 AND i.msg = f.msg)", into, from)
	batch.Queue("UPDATE events SET origin_subject_id = COALESCE(origin_subject_id, subject_id), subject_id = $1 WHERE subject_id = $2", into, from)
	batch.Queue("UPDATE subjects SET merged_into = $1 WHERE merged_into = $2", into, from)
	batch.Queue("UPDATE subjects SET merged_into = $1 WHERE id = $2", into, from)
	batch.Queue("INSERT INTO subject_merges(from_subject, into_subject, reason, merged_at) VALUES ($1, $2, $3, $4)", from, into, reason, at)
	if err := t.q.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("merge subjects: %w", mapErr(err))
	}
	return nil
}

// Subject implements store.Store.
func (s *Store) Subject(ctx context.Context, id string) (store.Subject, error) {
	var sub store.Subject
	var merged *string
	err := s.pool.QueryRow(ctx, "SELECT id, source_id, created_at, merged_into FROM subjects WHERE id = $1", id).
		Scan(&sub.ID, &sub.SourceID, &sub.CreatedAt, &merged)
	if err != nil {
		return sub, fmt.Errorf("subject: %w", mapErr(err))
	}
	sub.CreatedAt = utc(sub.CreatedAt)
	if merged != nil {
		sub.MergedInto = *merged
	}
	return sub, nil
}

// UnmergeSubject implements store.Store.
func (s *Store) UnmergeSubject(ctx context.Context, from string) error {
	err := pgx.BeginFunc(ctx, s.pool, func(t pgx.Tx) error {
		for _, q := range []string{
			"UPDATE identities SET subject_id = origin_subject_id WHERE origin_subject_id = $1",
			"UPDATE events SET subject_id = origin_subject_id, origin_subject_id = NULL WHERE origin_subject_id = $1",
			"UPDATE subjects SET merged_into = NULL WHERE id = $1",
		} {
			if _, err := t.Exec(ctx, q, from); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("unmerge subject: %w", mapErr(err))
	}
	return nil
}

// CountSubjects implements store.Store.
func (s *Store) CountSubjects(ctx context.Context) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, "SELECT COUNT(*) FROM subjects WHERE merged_into IS NULL").Scan(&n); err != nil {
		return 0, fmt.Errorf("count subjects: %w", mapErr(err))
	}
	return n, nil
}
