package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// tx is a write transaction on the single writer connection, so transactions are
// serialised: identity resolution inside one cannot race another.
type tx struct{ q *cachedTx }

var _ store.Tx = tx{}

// InTx implements store.Store.
func (s *Store) InTx(ctx context.Context, fn func(store.Tx) error) error {
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", mapErr(err))
	}
	ct := &cachedTx{Tx: t, c: s.wc}
	defer ct.warm(ctx)
	defer t.Rollback()
	if err := fn(tx{ct}); err != nil {
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("commit: %w", mapErr(err))
	}
	return nil
}

func (t tx) InsertEvents(ctx context.Context, events []store.Event) (int, error) {
	return insertEvents(ctx, t.q, events)
}

func (t tx) LookupIdentities(ctx context.Context, keys []store.IdentityKey) (map[store.IdentityKey]string, error) {
	return lookupIdentities(ctx, t.q, keys)
}

// IdentityEpoch implements store.IdentityEpochs inside the transaction.
func (t tx) IdentityEpoch(ctx context.Context) (int64, error) {
	return identityEpoch(ctx, t.q)
}

// IdentityEpoch implements store.IdentityEpochs: the epoch as committed now.
func (s *Store) IdentityEpoch(ctx context.Context) (int64, error) {
	return identityEpoch(ctx, s.rc)
}

func identityEpoch(ctx context.Context, q querier) (int64, error) {
	var n int64
	if err := q.QueryRowContext(ctx, "SELECT n FROM identity_epoch WHERE id = 1").Scan(&n); err != nil {
		return 0, fmt.Errorf("identity epoch: %w", mapErr(err))
	}
	return n, nil
}

// LookupIdentities implements store.Store: the same lookup on the read pool, outside any
// transaction (what was committed when it ran).
func (s *Store) LookupIdentities(ctx context.Context, keys []store.IdentityKey) (map[store.IdentityKey]string, error) {
	return lookupIdentities(ctx, s.rc, keys)
}

func lookupIdentities(ctx context.Context, q querier, keys []store.IdentityKey) (map[store.IdentityKey]string, error) {
	out := make(map[store.IdentityKey]string, len(keys))
	// Group by kind so each query is one IN list over the primary key.
	byKind := map[string][]any{}
	for _, k := range keys {
		byKind[k.Kind] = append(byKind[k.Kind], []byte(k.Hash))
	}
	for kind, hashes := range byKind {
		for start := 0; start < len(hashes); start += 500 {
			chunk := hashes[start:min(start+500, len(hashes))]
			sqlText := "SELECT hash, subject_id FROM identities WHERE kind = ? AND hash IN (?" + strings.Repeat(",?", len(chunk)-1) + ")"
			rows, err := q.QueryContext(ctx, sqlText, append([]any{kind}, chunk...)...)
			if err != nil {
				return nil, fmt.Errorf("lookup identities: %w", mapErr(err))
			}
			for rows.Next() {
				var h []byte
				var sub string
				if err := rows.Scan(&h, &sub); err != nil {
					rows.Close()
					return nil, fmt.Errorf("lookup identities: %w", err)
				}
				out[store.IdentityKey{Kind: kind, Hash: string(h)}] = sub
			}
			if err := rows.Close(); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (t tx) CreateSubjects(ctx context.Context, subjects []store.Subject) error {
	for _, s := range subjects {
		if _, err := t.q.ExecContext(ctx, "INSERT INTO subjects(id, source_id, created_at) VALUES (?, ?, ?)",
			s.ID, s.SourceID, toMicros(s.CreatedAt)); err != nil {
			return fmt.Errorf("create subjects: %w", mapErr(err))
		}
	}
	return nil
}

func (t tx) LinkIdentities(ctx context.Context, links []store.IdentityLink) error {
	for _, l := range links {
		if _, err := t.q.ExecContext(ctx, "INSERT INTO identities(kind, hash, subject_id, origin_subject_id, created_at) VALUES (?, ?, ?, ?, ?)",
			l.Key.Kind, []byte(l.Key.Hash), l.SubjectID, l.SubjectID, toMicros(l.CreatedAt)); err != nil {
			return fmt.Errorf("link identities: %w", mapErr(err))
		}
	}
	return nil
}

func (t tx) MergeSubjects(ctx context.Context, from, into, reason string, at time.Time) error {
	if from == into {
		return nil
	}
	stmts := []struct {
		q    string
		args []any
	}{
		{"UPDATE identities SET subject_id = ? WHERE subject_id = ?", []any{into, from}},
		// Events remember where they came from (origin NULL: still there).
		{"UPDATE events SET origin_subject_id = COALESCE(origin_subject_id, subject_id), subject_id = ? WHERE subject_id = ?", []any{into, from}},
		// Subjects merged earlier into from follow it.
		{"UPDATE subjects SET merged_into = ? WHERE merged_into = ?", []any{into, from}},
		{"UPDATE subjects SET merged_into = ? WHERE id = ?", []any{into, from}},
		{"INSERT INTO subject_merges(from_subject, into_subject, reason, merged_at) VALUES (?, ?, ?, ?)", []any{from, into, reason, toMicros(at)}},
	}
	for _, s := range stmts {
		if _, err := t.q.ExecContext(ctx, s.q, s.args...); err != nil {
			return fmt.Errorf("merge subjects: %w", mapErr(err))
		}
	}
	return nil
}

// Subject implements store.Store.
func (s *Store) Subject(ctx context.Context, id string) (store.Subject, error) {
	var sub store.Subject
	var created int64
	var merged sql.NullString
	err := s.rc.QueryRowContext(ctx, "SELECT id, source_id, created_at, merged_into FROM subjects WHERE id = ?", id).
		Scan(&sub.ID, &sub.SourceID, &created, &merged)
	if err != nil {
		return sub, fmt.Errorf("subject: %w", mapErr(err))
	}
	sub.CreatedAt, sub.MergedInto = fromMicros(created), merged.String
	return sub, nil
}

// unmergeEvents hands a subject's events back to it. Only events that moved have an origin
// and are in the partial events_origin index (migration 0027); the condition lets SQLite use it.
const unmergeEvents = "UPDATE events SET subject_id = origin_subject_id, origin_subject_id = NULL WHERE origin_subject_id = ? AND origin_subject_id IS NOT NULL"

// UnmergeSubject implements store.Store.
func (s *Store) UnmergeSubject(ctx context.Context, from string) error {
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("unmerge subject: %w", mapErr(err))
	}
	defer t.Rollback()
	for _, q := range []string{
		"UPDATE identities SET subject_id = origin_subject_id WHERE origin_subject_id = ?",
		unmergeEvents,
		"UPDATE subjects SET merged_into = NULL WHERE id = ?",
	} {
		if _, err := t.ExecContext(ctx, q, from); err != nil {
			return fmt.Errorf("unmerge subject: %w", mapErr(err))
		}
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("unmerge subject: %w", mapErr(err))
	}
	return nil
}

// CountSubjects implements store.Store.
func (s *Store) CountSubjects(ctx context.Context) (int64, error) {
	var n int64
	if err := s.rc.QueryRowContext(ctx, "SELECT COUNT(*) FROM subjects WHERE merged_into IS NULL").Scan(&n); err != nil {
		return 0, fmt.Errorf("count subjects: %w", mapErr(err))
	}
	return n, nil
}
