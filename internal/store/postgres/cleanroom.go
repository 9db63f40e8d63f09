package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stewardhq/steward/internal/store"
)

var _ store.CleanRoom = (*Store)(nil)

// CreatePartnerInvite implements store.CleanRoom.
func (s *Store) CreatePartnerInvite(ctx context.Context, inv store.PartnerInvite) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO partner_invites(id, secret, url, expires_at, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)`,
		inv.ID, inv.Secret, inv.URL, inv.Expires, inv.CreatedAt, inv.CreatedBy)
	if err != nil {
		return fmt.Errorf("create partner invite: %w", mapErr(err))
	}
	return nil
}

// PartnerInvite implements store.CleanRoom.
func (s *Store) PartnerInvite(ctx context.Context, id string) (store.PartnerInvite, error) {
	var inv store.PartnerInvite
	var used *time.Time
	var pid *string
	err := s.pool.QueryRow(ctx, `SELECT id, secret, url, expires_at, created_at, created_by, used_at, partner_id FROM partner_invites WHERE id = $1`, id).
		Scan(&inv.ID, &inv.Secret, &inv.URL, &inv.Expires, &inv.CreatedAt, &inv.CreatedBy, &used, &pid)
	if err != nil {
		return store.PartnerInvite{}, fmt.Errorf("partner invite: %w", mapErr(err))
	}
	inv.Expires, inv.CreatedAt = utc(inv.Expires), utc(inv.CreatedAt)
	if used != nil {
		inv.UsedAt = utc(*used)
	}
	if pid != nil {
		inv.PartnerID = *pid
	}
	return inv, nil
}

const partnerInsert = `INSERT INTO partners(id, key_id, url, name, status, pairing, invited, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`

func partnerArgs(p store.Partner) []any {
	return []any{p.ID, p.KeyID, p.URL, p.Name, p.Status, p.Pairing, p.Invited, p.CreatedAt, p.UpdatedAt}
}

// UsePartnerInvite implements store.CleanRoom.
func (s *Store) UsePartnerInvite(ctx context.Context, inviteID string, at time.Time, p store.Partner) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var used *time.Time
		if err := tx.QueryRow(ctx, "SELECT used_at FROM partner_invites WHERE id = $1 FOR UPDATE", inviteID).Scan(&used); err != nil {
			return err
		}
		if used != nil {
			return fmt.Errorf("%w: the invite was used already", store.ErrConflict)
		}
		if _, err := tx.Exec(ctx, "UPDATE partner_invites SET used_at = $1, partner_id = $2 WHERE id = $3", at, p.ID, inviteID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, partnerInsert, partnerArgs(p)...)
		return err
	})
	if err != nil {
		return fmt.Errorf("use partner invite: %w", mapErr(err))
	}
	return nil
}

// CreatePartner implements store.CleanRoom.
func (s *Store) CreatePartner(ctx context.Context, p store.Partner) error {
	if _, err := s.pool.Exec(ctx, partnerInsert, partnerArgs(p)...); err != nil {
		return fmt.Errorf("create partner: %w", mapErr(err))
	}
	return nil
}

const partnerColumns = "id, key_id, url, name, status, pairing, invited, created_at, updated_at"

func scanPartner(sc interface{ Scan(...any) error }) (store.Partner, error) {
	var p store.Partner
	if err := sc.Scan(&p.ID, &p.KeyID, &p.URL, &p.Name, &p.Status, &p.Pairing, &p.Invited, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return store.Partner{}, err
	}
	p.CreatedAt, p.UpdatedAt = utc(p.CreatedAt), utc(p.UpdatedAt)
	return p, nil
}

// Partner implements store.CleanRoom.
func (s *Store) Partner(ctx context.Context, id string) (store.Partner, error) {
	p, err := scanPartner(s.pool.QueryRow(ctx, "SELECT "+partnerColumns+" FROM partners WHERE id = $1", id))
	if err != nil {
		return store.Partner{}, fmt.Errorf("partner: %w", mapErr(err))
	}
	return p, nil
}

// PartnerByKey implements store.CleanRoom.
func (s *Store) PartnerByKey(ctx context.Context, keyID string) (store.Partner, error) {
	p, err := scanPartner(s.pool.QueryRow(ctx, "SELECT "+partnerColumns+" FROM partners WHERE key_id = $1", keyID))
	if err != nil {
		return store.Partner{}, fmt.Errorf("partner by key: %w", mapErr(err))
	}
	return p, nil
}

// Partners implements store.CleanRoom.
func (s *Store) Partners(ctx context.Context) ([]store.Partner, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+partnerColumns+" FROM partners ORDER BY created_at, id")
	if err != nil {
		return nil, fmt.Errorf("partners: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.Partner
	for rows.Next() {
		p, err := scanPartner(rows)
		if err != nil {
			return nil, fmt.Errorf("partners: %w", mapErr(err))
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// SetPartnerStatus implements store.CleanRoom.
func (s *Store) SetPartnerStatus(ctx context.Context, id, status string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, "UPDATE partners SET status = $1, updated_at = $2 WHERE id = $3", status, at, id)
	if err != nil {
		return fmt.Errorf("set partner status: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("set partner status: %w", store.ErrNotFound)
	}
	return nil
}

// RememberNonce implements store.CleanRoom: an insert that only replaces an expired row
// (atomic under concurrent inserts of the same key). About one call in 64 (a nonce, random
// base64url, starting with 'A') also sweeps expired rows.
func (s *Store) RememberNonce(ctx context.Context, keyID, nonce string, until, now time.Time) (bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO partner_nonces(key_id, nonce, until) VALUES ($1, $2, $3)
		ON CONFLICT (key_id, nonce) DO UPDATE SET until = excluded.until WHERE partner_nonces.until <= $4`,
		keyID, nonce, until, now)
	if err != nil {
		return false, fmt.Errorf("remember nonce: %w", mapErr(err))
	}
	if len(nonce) > 0 && nonce[0] == 'A' {
		if _, err := s.pool.Exec(ctx, "DELETE FROM partner_nonces WHERE until <= $1", now); err != nil {
			return false, fmt.Errorf("sweep nonces: %w", mapErr(err))
		}
	}
	return tag.RowsAffected() == 1, nil
}

// CreateCleanRoomJob implements store.CleanRoom.
func (s *Store) CreateCleanRoomJob(ctx context.Context, j store.CleanRoomJob) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO cleanroom_jobs(id, partner_id, role, state, version, created_at, updated_at, doc) VALUES ($1, $2, $3, $4, 1, $5, $6, $7)`,
		j.ID, j.PartnerID, j.Role, j.State, j.CreatedAt, j.UpdatedAt, j.Doc)
	if err != nil {
		return fmt.Errorf("create clean-room job: %w", mapErr(err))
	}
	return nil
}

const jobColumns = "id, partner_id, role, state, version, created_at, updated_at, doc"

func scanCleanRoomJob(sc interface{ Scan(...any) error }) (store.CleanRoomJob, error) {
	var j store.CleanRoomJob
	if err := sc.Scan(&j.ID, &j.PartnerID, &j.Role, &j.State, &j.Version, &j.CreatedAt, &j.UpdatedAt, &j.Doc); err != nil {
		return store.CleanRoomJob{}, err
	}
	j.CreatedAt, j.UpdatedAt = utc(j.CreatedAt), utc(j.UpdatedAt)
	return j, nil
}

// CleanRoomJob implements store.CleanRoom.
func (s *Store) CleanRoomJob(ctx context.Context, id string) (store.CleanRoomJob, error) {
	j, err := scanCleanRoomJob(s.pool.QueryRow(ctx, "SELECT "+jobColumns+" FROM cleanroom_jobs WHERE id = $1", id))
	if err != nil {
		return store.CleanRoomJob{}, fmt.Errorf("clean-room job: %w", mapErr(err))
	}
	return j, nil
}

// CleanRoomJobs implements store.CleanRoom.
func (s *Store) CleanRoomJobs(ctx context.Context, limit int) ([]store.CleanRoomJob, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+jobColumns+" FROM cleanroom_jobs ORDER BY created_at DESC, id DESC LIMIT $1", limit)
	if err != nil {
		return nil, fmt.Errorf("clean-room jobs: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.CleanRoomJob
	for rows.Next() {
		j, err := scanCleanRoomJob(rows)
		if err != nil {
			return nil, fmt.Errorf("clean-room jobs: %w", mapErr(err))
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// UpdateCleanRoomJob implements store.CleanRoom.
func (s *Store) UpdateCleanRoomJob(ctx context.Context, j store.CleanRoomJob) (store.CleanRoomJob, error) {
	out, err := scanCleanRoomJob(s.pool.QueryRow(ctx, "UPDATE cleanroom_jobs SET state = $1, doc = $2, updated_at = $3, version = version + 1 WHERE id = $4 AND version = $5 RETURNING "+jobColumns,
		j.State, j.Doc, j.UpdatedAt, j.ID, j.Version))
	if err == pgx.ErrNoRows {
		if _, err := s.CleanRoomJob(ctx, j.ID); err != nil {
			return store.CleanRoomJob{}, fmt.Errorf("update clean-room job: %w", err)
		}
		return store.CleanRoomJob{}, fmt.Errorf("update clean-room job: %w: it changed meanwhile", store.ErrConflict)
	}
	if err != nil {
		return store.CleanRoomJob{}, fmt.Errorf("update clean-room job: %w", mapErr(err))
	}
	return out, nil
}
