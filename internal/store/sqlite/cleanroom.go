package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

var _ store.CleanRoom = (*Store)(nil)

// CreatePartnerInvite implements store.CleanRoom.
func (s *Store) CreatePartnerInvite(ctx context.Context, inv store.PartnerInvite) error {
	_, err := s.wc.ExecContext(ctx, `INSERT INTO partner_invites(id, secret, url, expires_at, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)`,
		inv.ID, inv.Secret, inv.URL, toMicros(inv.Expires), toMicros(inv.CreatedAt), inv.CreatedBy)
	if err != nil {
		return fmt.Errorf("create partner invite: %w", mapErr(err))
	}
	return nil
}

// PartnerInvite implements store.CleanRoom.
func (s *Store) PartnerInvite(ctx context.Context, id string) (store.PartnerInvite, error) {
	var inv store.PartnerInvite
	var exp, created int64
	var used sql.NullInt64
	var pid sql.NullString
	err := s.rc.QueryRowContext(ctx, `SELECT id, secret, url, expires_at, created_at, created_by, used_at, partner_id FROM partner_invites WHERE id = ?`, id).
		Scan(&inv.ID, &inv.Secret, &inv.URL, &exp, &created, &inv.CreatedBy, &used, &pid)
	if err != nil {
		return store.PartnerInvite{}, fmt.Errorf("partner invite: %w", mapErr(err))
	}
	inv.Expires, inv.CreatedAt, inv.PartnerID = fromMicros(exp), fromMicros(created), pid.String
	if used.Valid {
		inv.UsedAt = fromMicros(used.Int64)
	}
	return inv, nil
}

const partnerInsert = `INSERT INTO partners(id, key_id, url, name, status, pairing, invited, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`

func partnerArgs(p store.Partner) []any {
	return []any{p.ID, p.KeyID, p.URL, p.Name, p.Status, p.Pairing, p.Invited, toMicros(p.CreatedAt), toMicros(p.UpdatedAt)}
}

// UsePartnerInvite implements store.CleanRoom.
func (s *Store) UsePartnerInvite(ctx context.Context, inviteID string, at time.Time, p store.Partner) error {
	fail := func(err error) error { return fmt.Errorf("use partner invite: %w", mapErr(err)) }
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fail(err)
	}
	defer tx.Rollback()
	var used sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT used_at FROM partner_invites WHERE id = ?", inviteID).Scan(&used); err != nil {
		return fail(err)
	}
	if used.Valid {
		return fail(fmt.Errorf("%w: the invite was used already", store.ErrConflict))
	}
	if _, err := tx.ExecContext(ctx, "UPDATE partner_invites SET used_at = ?, partner_id = ? WHERE id = ?", toMicros(at), p.ID, inviteID); err != nil {
		return fail(err)
	}
	if _, err := tx.ExecContext(ctx, partnerInsert, partnerArgs(p)...); err != nil {
		return fail(err)
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	return nil
}

// CreatePartner implements store.CleanRoom.
func (s *Store) CreatePartner(ctx context.Context, p store.Partner) error {
	if _, err := s.wc.ExecContext(ctx, partnerInsert, partnerArgs(p)...); err != nil {
		return fmt.Errorf("create partner: %w", mapErr(err))
	}
	return nil
}

const partnerColumns = "id, key_id, url, name, status, pairing, invited, created_at, updated_at"

func scanPartner(sc interface{ Scan(...any) error }) (store.Partner, error) {
	var p store.Partner
	var created, updated int64
	if err := sc.Scan(&p.ID, &p.KeyID, &p.URL, &p.Name, &p.Status, &p.Pairing, &p.Invited, &created, &updated); err != nil {
		return store.Partner{}, err
	}
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	return p, nil
}

// Partner implements store.CleanRoom.
func (s *Store) Partner(ctx context.Context, id string) (store.Partner, error) {
	p, err := scanPartner(s.rc.QueryRowContext(ctx, "SELECT "+partnerColumns+" FROM partners WHERE id = ?", id))
	if err != nil {
		return store.Partner{}, fmt.Errorf("partner: %w", mapErr(err))
	}
	return p, nil
}

// PartnerByKey implements store.CleanRoom.
func (s *Store) PartnerByKey(ctx context.Context, keyID string) (store.Partner, error) {
	p, err := scanPartner(s.rc.QueryRowContext(ctx, "SELECT "+partnerColumns+" FROM partners WHERE key_id = ?", keyID))
	if err != nil {
		return store.Partner{}, fmt.Errorf("partner by key: %w", mapErr(err))
	}
	return p, nil
}

// Partners implements store.CleanRoom.
func (s *Store) Partners(ctx context.Context) ([]store.Partner, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT "+partnerColumns+" FROM partners ORDER BY created_at, id")
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
	res, err := s.wc.ExecContext(ctx, "UPDATE partners SET status = ?, updated_at = ? WHERE id = ?", status, toMicros(at), id)
	if err != nil {
		return fmt.Errorf("set partner status: %w", mapErr(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("set partner status: %w", store.ErrNotFound)
	}
	return nil
}

// RememberNonce implements store.CleanRoom: an insert that only replaces an expired row,
// so two processes racing with the same nonce see one of them win. About one call in 64
// (a nonce, random base64url, starting with 'A') also sweeps expired rows.
func (s *Store) RememberNonce(ctx context.Context, keyID, nonce string, until, now time.Time) (bool, error) {
	res, err := s.wc.ExecContext(ctx, `INSERT INTO partner_nonces(key_id, nonce, until) VALUES (?, ?, ?)
		ON CONFLICT(key_id, nonce) DO UPDATE SET until = excluded.until WHERE partner_nonces.until <= ?`,
		keyID, nonce, toMicros(until), toMicros(now))
	if err != nil {
		return false, fmt.Errorf("remember nonce: %w", mapErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("remember nonce: %w", err)
	}
	if len(nonce) > 0 && nonce[0] == 'A' {
		if _, err := s.wc.ExecContext(ctx, "DELETE FROM partner_nonces WHERE until <= ?", toMicros(now)); err != nil {
			return false, fmt.Errorf("sweep nonces: %w", mapErr(err))
		}
	}
	return n == 1, nil
}

// CreateCleanRoomJob implements store.CleanRoom.
func (s *Store) CreateCleanRoomJob(ctx context.Context, j store.CleanRoomJob) error {
	_, err := s.wc.ExecContext(ctx, `INSERT INTO cleanroom_jobs(id, partner_id, role, state, version, created_at, updated_at, doc) VALUES (?, ?, ?, ?, 1, ?, ?, ?)`,
		j.ID, j.PartnerID, j.Role, j.State, toMicros(j.CreatedAt), toMicros(j.UpdatedAt), j.Doc)
	if err != nil {
		return fmt.Errorf("create clean-room job: %w", mapErr(err))
	}
	return nil
}

const jobColumns = "id, partner_id, role, state, version, created_at, updated_at, doc"

func scanCleanRoomJob(sc interface{ Scan(...any) error }) (store.CleanRoomJob, error) {
	var j store.CleanRoomJob
	var created, updated int64
	if err := sc.Scan(&j.ID, &j.PartnerID, &j.Role, &j.State, &j.Version, &created, &updated, &j.Doc); err != nil {
		return store.CleanRoomJob{}, err
	}
	j.CreatedAt, j.UpdatedAt = fromMicros(created), fromMicros(updated)
	return j, nil
}

// CleanRoomJob implements store.CleanRoom.
func (s *Store) CleanRoomJob(ctx context.Context, id string) (store.CleanRoomJob, error) {
	j, err := scanCleanRoomJob(s.rc.QueryRowContext(ctx, "SELECT "+jobColumns+" FROM cleanroom_jobs WHERE id = ?", id))
	if err != nil {
		return store.CleanRoomJob{}, fmt.Errorf("clean-room job: %w", mapErr(err))
	}
	return j, nil
}

// CleanRoomJobs implements store.CleanRoom.
func (s *Store) CleanRoomJobs(ctx context.Context, limit int) ([]store.CleanRoomJob, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT "+jobColumns+" FROM cleanroom_jobs ORDER BY created_at DESC, id DESC LIMIT ?", limit)
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
	res, err := s.wc.ExecContext(ctx, "UPDATE cleanroom_jobs SET state = ?, doc = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?",
		j.State, j.Doc, toMicros(j.UpdatedAt), j.ID, j.Version)
	if err != nil {
		return store.CleanRoomJob{}, fmt.Errorf("update clean-room job: %w", mapErr(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.CleanRoomJob(ctx, j.ID); err != nil {
			return store.CleanRoomJob{}, fmt.Errorf("update clean-room job: %w", err)
		}
		return store.CleanRoomJob{}, fmt.Errorf("update clean-room job: %w: it changed meanwhile", store.ErrConflict)
	}
	return s.CleanRoomJob(ctx, j.ID)
}
