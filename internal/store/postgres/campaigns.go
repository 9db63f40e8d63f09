package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stewardhq/steward/internal/store"
)

var _ store.Campaigns = (*Store)(nil)

// subjectLockSpace separates campaign reservations' advisory locks from any other
// advisory lock (hashtextextended's seed).
const subjectLockSpace = 19

// PutCampaign implements store.Campaigns.
func (s *Store) PutCampaign(ctx context.Context, c store.CampaignDef) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO campaigns(id, kind, spec, status, actor, next_run_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, spec = excluded.spec, status = excluded.status,
			actor = excluded.actor, next_run_at = excluded.next_run_at, updated_at = excluded.updated_at`,
		c.ID, c.Kind, c.Spec, c.Status, c.Actor, c.NextRunAt, c.CreatedAt, c.UpdatedAt)
	if err != nil {
		return fmt.Errorf("put campaign: %w", mapErr(err))
	}
	return nil
}

const campaignCols = "id, kind, spec, status, actor, next_run_at, created_at, updated_at"

func scanCampaign(sc pgx.Row) (store.CampaignDef, error) {
	var c store.CampaignDef
	if err := sc.Scan(&c.ID, &c.Kind, &c.Spec, &c.Status, &c.Actor, &c.NextRunAt, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return c, err
	}
	c.NextRunAt, c.CreatedAt, c.UpdatedAt = utcPtr(c.NextRunAt), utc(c.CreatedAt), utc(c.UpdatedAt)
	return c, nil
}

// GetCampaign implements store.Campaigns.
func (s *Store) GetCampaign(ctx context.Context, id string) (store.CampaignDef, error) {
	c, err := scanCampaign(s.pool.QueryRow(ctx, "SELECT "+campaignCols+" FROM campaigns WHERE id = $1", id))
	if err != nil {
		return c, fmt.Errorf("get campaign %q: %w", id, mapErr(err))
	}
	return c, nil
}

// ListCampaigns implements store.Campaigns.
func (s *Store) ListCampaigns(ctx context.Context, kind string) ([]store.CampaignDef, error) {
	return s.campaigns(ctx, "list campaigns", "SELECT "+campaignCols+" FROM campaigns WHERE $1 IN ('', kind) ORDER BY id", kind)
}

// DueCampaigns implements store.Campaigns.
func (s *Store) DueCampaigns(ctx context.Context, now time.Time) ([]store.CampaignDef, error) {
	return s.campaigns(ctx, "due campaigns", "SELECT "+campaignCols+` FROM campaigns
		WHERE status = 'active' AND next_run_at IS NOT NULL AND next_run_at <= $1 ORDER BY next_run_at, id`, now)
}

func (s *Store) campaigns(ctx context.Context, op, q string, args ...any) ([]store.CampaignDef, error) {
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, mapErr(err))
	}
	defer rows.Close()
	var out []store.CampaignDef
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, mapErr(err))
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SetCampaignRun implements store.Campaigns.
func (s *Store) SetCampaignRun(ctx context.Context, id, status string, next *time.Time, at time.Time) error {
	tag, err := s.pool.Exec(ctx, "UPDATE campaigns SET status = $1, next_run_at = $2, updated_at = $3 WHERE id = $4", status, next, at, id)
	if err != nil {
		return fmt.Errorf("set campaign run: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("set campaign run %q: %w", id, store.ErrNotFound)
	}
	return nil
}

const messageCols = `message_id, campaign_id, run_id, subject_id, channel, status, reason, variant, decided_at,
	delivered_at, attempts, conversion_event, conversion_until, converted_at`

func scanMessage(sc pgx.Row) (store.CampaignMessage, error) {
	var m store.CampaignMessage
	if err := sc.Scan(&m.MessageID, &m.CampaignID, &m.RunID, &m.SubjectID, &m.Channel, &m.Status, &m.Reason, &m.Variant,
		&m.DecidedAt, &m.DeliveredAt, &m.Attempts, &m.ConversionEvent, &m.ConversionUntil, &m.ConvertedAt); err != nil {
		return m, err
	}
	m.DecidedAt, m.ConversionUntil = utc(m.DecidedAt), utc(m.ConversionUntil)
	m.DeliveredAt, m.ConvertedAt = utcPtr(m.DeliveredAt), utcPtr(m.ConvertedAt)
	return m, nil
}

// ReserveMessages implements store.Campaigns. Each subject of the batch is locked with a
// transaction-level advisory lock, taken in key order so two batches sharing people
// cannot deadlock; a reservation for the same person elsewhere waits for this one.
func (s *Store) ReserveMessages(ctx context.Context, msgs []store.CampaignMessage, since time.Time, decide store.ReserveFunc) (map[string]store.CampaignMessage, error) {
	out := make(map[string]store.CampaignMessage, len(msgs))
	if len(msgs) == 0 {
		return out, nil
	}
	ids := make([]string, len(msgs))
	seen := map[string]bool{}
	var subjects []string
	for i, m := range msgs {
		ids[i] = m.MessageID
		if !seen[m.SubjectID] {
			seen[m.SubjectID] = true
			subjects = append(subjects, m.SubjectID)
		}
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT count(pg_advisory_xact_lock(k)) FROM
			(SELECT DISTINCT hashtextextended(x, $2) AS k FROM unnest($1::text[]) AS x ORDER BY 1) AS keys`, subjects, subjectLockSpace); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+messageCols+" FROM campaign_messages WHERE message_id = ANY($1)", ids)
		if err != nil {
			return err
		}
		for rows.Next() {
			m, err := scanMessage(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out[m.MessageID] = m
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		var fresh []store.CampaignMessage
		for _, m := range msgs {
			if _, ok := out[m.MessageID]; !ok {
				fresh = append(fresh, m)
			}
		}
		if len(fresh) == 0 {
			return nil
		}
		history := map[string][]store.CampaignMessage{}
		rows, err = tx.Query(ctx, "SELECT "+messageCols+` FROM campaign_messages
			WHERE subject_id = ANY($1) AND decided_at >= $2 AND status IN ('pending', 'delivered') ORDER BY decided_at`, subjects, since)
		if err != nil {
			return err
		}
		for rows.Next() {
			m, err := scanMessage(rows)
			if err != nil {
				rows.Close()
				return err
			}
			history[m.SubjectID] = append(history[m.SubjectID], m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		decided := decide(history, fresh)
		b := &pgx.Batch{}
		for _, m := range decided {
			b.Queue("INSERT INTO campaign_messages("+messageCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
				ON CONFLICT(message_id, subject_id) DO NOTHING`, m.MessageID, m.CampaignID, m.RunID, m.SubjectID, m.Channel, m.Status, m.Reason,
				m.Variant, m.DecidedAt, m.DeliveredAt, m.Attempts, m.ConversionEvent, m.ConversionUntil, m.ConvertedAt)
			if _, dup := out[m.MessageID]; !dup {
				out[m.MessageID] = m
			}
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return nil, fmt.Errorf("reserve messages: %w", mapErr(err))
	}
	return out, nil
}

// UpdateMessages implements store.Campaigns.
func (s *Store) UpdateMessages(ctx context.Context, updates []store.MessageUpdate) error {
	if len(updates) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, u := range updates {
		b.Queue("UPDATE campaign_messages SET status = $1, reason = $2, delivered_at = $3, attempts = $4 WHERE message_id = $5",
			u.Status, u.Reason, u.DeliveredAt, u.Attempts, u.MessageID)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return tx.SendBatch(ctx, b).Close() })
	if err != nil {
		return fmt.Errorf("update messages: %w", mapErr(err))
	}
	return nil
}

// MessageCounts implements store.Campaigns.
func (s *Store) MessageCounts(ctx context.Context, campaignID string) ([]store.MessageCount, error) {
	rows, err := s.pool.Query(ctx, `SELECT status, reason, variant, converted_at IS NOT NULL, COUNT(*) FROM campaign_messages
		WHERE campaign_id = $1 GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("message counts: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.MessageCount
	for rows.Next() {
		var c store.MessageCount
		if err := rows.Scan(&c.Status, &c.Reason, &c.Variant, &c.Converted, &c.N); err != nil {
			return nil, fmt.Errorf("message counts: %w", mapErr(err))
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SubjectMessages implements store.Campaigns.
func (s *Store) SubjectMessages(ctx context.Context, subjectID string) ([]store.CampaignMessage, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+messageCols+" FROM campaign_messages WHERE subject_id = $1 ORDER BY decided_at, message_id", subjectID)
	if err != nil {
		return nil, fmt.Errorf("subject messages: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.CampaignMessage
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("subject messages: %w", mapErr(err))
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MarkConversions implements store.Campaigns.
func (s *Store) MarkConversions(ctx context.Context, subjectID, event string, at time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE campaign_messages SET converted_at = $3
		WHERE subject_id = $1 AND conversion_event = $2 AND converted_at IS NULL AND status IN ('delivered', 'holdout')
			AND decided_at <= $3 AND conversion_until >= $3`, subjectID, event, at)
	if err != nil {
		return 0, fmt.Errorf("mark conversions: %w", mapErr(err))
	}
	return int(tag.RowsAffected()), nil
}

const journeyCols = "journey_id, subject_id, entry, step, status, due_at, entered_at, updated_at, version"

func scanJourney(sc pgx.Row) (store.JourneyState, error) {
	var j store.JourneyState
	if err := sc.Scan(&j.JourneyID, &j.SubjectID, &j.Entry, &j.Step, &j.Status, &j.DueAt, &j.EnteredAt, &j.UpdatedAt, &j.Version); err != nil {
		return j, err
	}
	j.DueAt, j.EnteredAt, j.UpdatedAt = utc(j.DueAt), utc(j.EnteredAt), utc(j.UpdatedAt)
	return j, nil
}

// EnterJourney implements store.Campaigns.
func (s *Store) EnterJourney(ctx context.Context, j store.JourneyState) (bool, error) {
	tag, err := s.pool.Exec(ctx, "INSERT INTO journey_states("+journeyCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT(journey_id, subject_id) DO NOTHING`, j.JourneyID, j.SubjectID, j.Entry, j.Step, j.Status, j.DueAt, j.EnteredAt,
		j.UpdatedAt, j.Version)
	if err != nil {
		return false, fmt.Errorf("enter journey: %w", mapErr(err))
	}
	return tag.RowsAffected() == 1, nil
}

// GetJourneyState implements store.Campaigns.
func (s *Store) GetJourneyState(ctx context.Context, journeyID, subjectID string) (store.JourneyState, error) {
	j, err := scanJourney(s.pool.QueryRow(ctx, "SELECT "+journeyCols+" FROM journey_states WHERE journey_id = $1 AND subject_id = $2", journeyID, subjectID))
	if err != nil {
		return j, fmt.Errorf("journey state: %w", mapErr(err))
	}
	return j, nil
}

// DueJourneyStates implements store.Campaigns.
func (s *Store) DueJourneyStates(ctx context.Context, now time.Time, limit int) ([]store.JourneyState, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+journeyCols+` FROM journey_states WHERE status = 'active' AND due_at <= $1
		ORDER BY due_at, journey_id, subject_id LIMIT $2`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("due journey states: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.JourneyState
	for rows.Next() {
		j, err := scanJourney(rows)
		if err != nil {
			return nil, fmt.Errorf("due journey states: %w", mapErr(err))
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// AdvanceJourneys implements store.Campaigns.
func (s *Store) AdvanceJourneys(ctx context.Context, states []store.JourneyState) ([]bool, error) {
	out := make([]bool, len(states))
	if len(states) == 0 {
		return out, nil
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, j := range states {
			b.Queue(`UPDATE journey_states SET entry = $1, step = $2, status = $3, due_at = $4, entered_at = $5, updated_at = $6,
				version = version + 1 WHERE journey_id = $7 AND subject_id = $8 AND version = $9`,
				j.Entry, j.Step, j.Status, j.DueAt, j.EnteredAt, j.UpdatedAt, j.JourneyID, j.SubjectID, j.Version)
		}
		br := tx.SendBatch(ctx, b)
		for i := range states {
			tag, err := br.Exec()
			if err != nil {
				br.Close()
				return err
			}
			out[i] = tag.RowsAffected() == 1
		}
		return br.Close()
	})
	if err != nil {
		return nil, fmt.Errorf("advance journeys: %w", mapErr(err))
	}
	return out, nil
}

// AudienceMembers implements store.Campaigns.
func (s *Store) AudienceMembers(ctx context.Context, destination string) ([]string, error) {
	rows, err := s.pool.Query(ctx, "SELECT hash FROM audience_members WHERE destination = $1 ORDER BY hash", destination)
	if err != nil {
		return nil, fmt.Errorf("audience members: %w", mapErr(err))
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("audience members: %w", mapErr(err))
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// ApplyAudienceDelta implements store.Campaigns.
func (s *Store) ApplyAudienceDelta(ctx context.Context, destination string, add, remove []string, at time.Time) error {
	if add == nil {
		add = []string{}
	}
	if remove == nil {
		remove = []string{}
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM audience_members WHERE destination = $1 AND hash = ANY($2)", destination, remove); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO audience_members(destination, hash, synced_at) SELECT $1, h, $3 FROM unnest($2::text[]) AS h
			ON CONFLICT(destination, hash) DO UPDATE SET synced_at = excluded.synced_at`, destination, add, at)
		return err
	})
	if err != nil {
		return fmt.Errorf("apply audience delta: %w", mapErr(err))
	}
	return nil
}
