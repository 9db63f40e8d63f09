package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

var _ store.Campaigns = (*Store)(nil)

// PutCampaign implements store.Campaigns.
func (s *Store) PutCampaign(ctx context.Context, c store.CampaignDef) error {
	_, err := s.wc.ExecContext(ctx, `INSERT INTO campaigns(id, kind, spec, status, actor, next_run_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, spec = excluded.spec, status = excluded.status,
			actor = excluded.actor, next_run_at = excluded.next_run_at, updated_at = excluded.updated_at`,
		c.ID, c.Kind, c.Spec, c.Status, c.Actor, nullMicros(c.NextRunAt), toMicros(c.CreatedAt), toMicros(c.UpdatedAt))
	if err != nil {
		return fmt.Errorf("put campaign: %w", mapErr(err))
	}
	return nil
}

const campaignCols = "id, kind, spec, status, actor, next_run_at, created_at, updated_at"

func scanCampaign(sc interface{ Scan(...any) error }) (store.CampaignDef, error) {
	var c store.CampaignDef
	var next sql.NullInt64
	var created, updated int64
	if err := sc.Scan(&c.ID, &c.Kind, &c.Spec, &c.Status, &c.Actor, &next, &created, &updated); err != nil {
		return c, err
	}
	c.NextRunAt, c.CreatedAt, c.UpdatedAt = ptrMicros(next), fromMicros(created), fromMicros(updated)
	return c, nil
}

// GetCampaign implements store.Campaigns.
func (s *Store) GetCampaign(ctx context.Context, id string) (store.CampaignDef, error) {
	c, err := scanCampaign(s.rc.QueryRowContext(ctx, "SELECT "+campaignCols+" FROM campaigns WHERE id = ?", id))
	if err != nil {
		return c, fmt.Errorf("get campaign %q: %w", id, mapErr(err))
	}
	return c, nil
}

// ListCampaigns implements store.Campaigns.
func (s *Store) ListCampaigns(ctx context.Context, kind string) ([]store.CampaignDef, error) {
	return s.campaigns(ctx, "list campaigns", "SELECT "+campaignCols+" FROM campaigns WHERE ? IN ('', kind) ORDER BY id", kind)
}

// DueCampaigns implements store.Campaigns.
func (s *Store) DueCampaigns(ctx context.Context, now time.Time) ([]store.CampaignDef, error) {
	return s.campaigns(ctx, "due campaigns", "SELECT "+campaignCols+` FROM campaigns
		WHERE status = 'active' AND next_run_at IS NOT NULL AND next_run_at <= ? ORDER BY next_run_at, id`, toMicros(now))
}

func (s *Store) campaigns(ctx context.Context, op, q string, args ...any) ([]store.CampaignDef, error) {
	rows, err := s.rc.QueryContext(ctx, q, args...)
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
	res, err := s.wc.ExecContext(ctx, "UPDATE campaigns SET status = ?, next_run_at = ?, updated_at = ? WHERE id = ?",
		status, nullMicros(next), toMicros(at), id)
	if err != nil {
		return fmt.Errorf("set campaign run: %w", mapErr(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("set campaign run %q: %w", id, store.ErrNotFound)
	}
	return nil
}

const messageCols = `message_id, campaign_id, run_id, subject_id, channel, status, reason, variant, decided_at,
	delivered_at, attempts, conversion_event, conversion_until, converted_at`

func scanMessage(sc interface{ Scan(...any) error }) (store.CampaignMessage, error) {
	var m store.CampaignMessage
	var decided, until int64
	var delivered, converted sql.NullInt64
	if err := sc.Scan(&m.MessageID, &m.CampaignID, &m.RunID, &m.SubjectID, &m.Channel, &m.Status, &m.Reason, &m.Variant,
		&decided, &delivered, &m.Attempts, &m.ConversionEvent, &until, &converted); err != nil {
		return m, err
	}
	m.DecidedAt, m.ConversionUntil = fromMicros(decided), fromMicros(until)
	m.DeliveredAt, m.ConvertedAt = ptrMicros(delivered), ptrMicros(converted)
	return m, nil
}

func jsonList(xs []string) string {
	b, _ := json.Marshal(xs)
	return string(b)
}

// ReserveMessages implements store.Campaigns. The writer's IMMEDIATE transaction is the
// per-person lock: no other write, from this process or another, interleaves with it.
// decide runs while the transaction holds the writer's only connection, so it must not
// call the store.
func (s *Store) ReserveMessages(ctx context.Context, msgs []store.CampaignMessage, since time.Time, decide store.ReserveFunc) (map[string]store.CampaignMessage, error) {
	out := make(map[string]store.CampaignMessage, len(msgs))
	if len(msgs) == 0 {
		return out, nil
	}
	ids := make([]string, len(msgs))
	subjectSet := map[string]bool{}
	var subjects []string
	for i, m := range msgs {
		ids[i] = m.MessageID
		if !subjectSet[m.SubjectID] {
			subjectSet[m.SubjectID] = true
			subjects = append(subjects, m.SubjectID)
		}
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("reserve messages: %w", mapErr(err))
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, "SELECT "+messageCols+" FROM campaign_messages WHERE message_id IN (SELECT value FROM json_each(?))", jsonList(ids))
	if err != nil {
		return nil, fmt.Errorf("reserve messages: %w", mapErr(err))
	}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("reserve messages: %w", mapErr(err))
		}
		out[m.MessageID] = m
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reserve messages: %w", mapErr(err))
	}
	var fresh []store.CampaignMessage
	for _, m := range msgs {
		if _, ok := out[m.MessageID]; !ok {
			fresh = append(fresh, m)
		}
	}
	if len(fresh) == 0 {
		return out, nil
	}
	history := map[string][]store.CampaignMessage{}
	rows, err = tx.QueryContext(ctx, "SELECT "+messageCols+` FROM campaign_messages
		WHERE subject_id IN (SELECT value FROM json_each(?)) AND decided_at >= ? AND status IN ('pending', 'delivered')
		ORDER BY decided_at`, jsonList(subjects), toMicros(since))
	if err != nil {
		return nil, fmt.Errorf("reserve messages: %w", mapErr(err))
	}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("reserve messages: %w", mapErr(err))
		}
		history[m.SubjectID] = append(history[m.SubjectID], m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reserve messages: %w", mapErr(err))
	}
	decided := decide(history, fresh)
	// Multi-row inserts: one statement per chunk instead of one per message.
	args := make([]any, 0, messageChunk*14)
	for start := 0; start < len(decided); start += messageChunk {
		chunk := decided[start:min(start+messageChunk, len(decided))]
		args = args[:0]
		for _, m := range chunk {
			args = append(args, m.MessageID, m.CampaignID, m.RunID, m.SubjectID, m.Channel, m.Status, m.Reason, m.Variant,
				toMicros(m.DecidedAt), nullMicros(m.DeliveredAt), m.Attempts, m.ConversionEvent, toMicros(m.ConversionUntil),
				nullMicros(m.ConvertedAt))
		}
		if _, err := tx.ExecContext(ctx, insertMessagesSQL(len(chunk)), args...); err != nil {
			return nil, fmt.Errorf("reserve messages: %w", mapErr(err))
		}
	}
	for _, m := range decided {
		if _, dup := out[m.MessageID]; !dup {
			out[m.MessageID] = m
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("reserve messages: %w", mapErr(err))
	}
	return out, nil
}

// messageChunk rows go into one multi-row INSERT (14 columns: well under SQLite's limit
// on bound variables).
const messageChunk = 200

func insertMessagesSQL(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO campaign_messages(" + messageCols + ") VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
	}
	b.WriteString(" ON CONFLICT(message_id) DO NOTHING")
	return b.String()
}

// UpdateMessages implements store.Campaigns. A batch's outcomes are mostly alike (all
// delivered at one instant), so updates are grouped by outcome and each group is one
// statement over a JSON list of ids.
func (s *Store) UpdateMessages(ctx context.Context, updates []store.MessageUpdate) error {
	if len(updates) == 0 {
		return nil
	}
	type outcome struct {
		status, reason string
		delivered      any
		attempts       int
	}
	groups := map[outcome][]string{}
	var order []outcome
	for _, u := range updates {
		k := outcome{u.Status, u.Reason, nullMicros(u.DeliveredAt), u.Attempts}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], u.MessageID)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("update messages: %w", mapErr(err))
	}
	defer tx.Rollback()
	for _, k := range order {
		if _, err := tx.ExecContext(ctx, `UPDATE campaign_messages SET status = ?, reason = ?, delivered_at = ?, attempts = ?
			WHERE message_id IN (SELECT value FROM json_each(?))`, k.status, k.reason, k.delivered, k.attempts, jsonList(groups[k])); err != nil {
			return fmt.Errorf("update messages: %w", mapErr(err))
		}
	}
	return mapErr(tx.Commit())
}

// MessageCounts implements store.Campaigns.
func (s *Store) MessageCounts(ctx context.Context, campaignID string) ([]store.MessageCount, error) {
	rows, err := s.rc.QueryContext(ctx, `SELECT status, reason, variant, converted_at IS NOT NULL, COUNT(*) FROM campaign_messages
		WHERE campaign_id = ? GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`, campaignID)
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
	rows, err := s.rc.QueryContext(ctx, "SELECT "+messageCols+" FROM campaign_messages WHERE subject_id = ? ORDER BY decided_at, message_id", subjectID)
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
	res, err := s.wc.ExecContext(ctx, `UPDATE campaign_messages SET converted_at = ?
		WHERE subject_id = ? AND conversion_event = ? AND converted_at IS NULL AND status IN ('delivered', 'holdout')
			AND decided_at <= ? AND conversion_until >= ?`, toMicros(at), subjectID, event, toMicros(at), toMicros(at))
	if err != nil {
		return 0, fmt.Errorf("mark conversions: %w", mapErr(err))
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

const journeyCols = "journey_id, subject_id, entry, step, status, due_at, entered_at, updated_at, version"

func scanJourney(sc interface{ Scan(...any) error }) (store.JourneyState, error) {
	var j store.JourneyState
	var due, entered, updated int64
	if err := sc.Scan(&j.JourneyID, &j.SubjectID, &j.Entry, &j.Step, &j.Status, &due, &entered, &updated, &j.Version); err != nil {
		return j, err
	}
	j.DueAt, j.EnteredAt, j.UpdatedAt = fromMicros(due), fromMicros(entered), fromMicros(updated)
	return j, nil
}

// EnterJourney implements store.Campaigns.
func (s *Store) EnterJourney(ctx context.Context, j store.JourneyState) (bool, error) {
	res, err := s.wc.ExecContext(ctx, "INSERT INTO journey_states("+journeyCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(journey_id, subject_id) DO NOTHING`, j.JourneyID, j.SubjectID, j.Entry, j.Step, j.Status,
		toMicros(j.DueAt), toMicros(j.EnteredAt), toMicros(j.UpdatedAt), j.Version)
	if err != nil {
		return false, fmt.Errorf("enter journey: %w", mapErr(err))
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// GetJourneyState implements store.Campaigns.
func (s *Store) GetJourneyState(ctx context.Context, journeyID, subjectID string) (store.JourneyState, error) {
	j, err := scanJourney(s.rc.QueryRowContext(ctx, "SELECT "+journeyCols+" FROM journey_states WHERE journey_id = ? AND subject_id = ?", journeyID, subjectID))
	if err != nil {
		return j, fmt.Errorf("journey state: %w", mapErr(err))
	}
	return j, nil
}

// DueJourneyStates implements store.Campaigns.
func (s *Store) DueJourneyStates(ctx context.Context, now time.Time, limit int) ([]store.JourneyState, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT "+journeyCols+` FROM journey_states WHERE status = 'active' AND due_at <= ?
		ORDER BY due_at, journey_id, subject_id LIMIT ?`, toMicros(now), limit)
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
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("advance journeys: %w", mapErr(err))
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `UPDATE journey_states SET entry = ?, step = ?, status = ?, due_at = ?, entered_at = ?,
		updated_at = ?, version = version + 1 WHERE journey_id = ? AND subject_id = ? AND version = ?`)
	if err != nil {
		return nil, fmt.Errorf("advance journeys: %w", mapErr(err))
	}
	defer st.Close()
	for i, j := range states {
		res, err := st.ExecContext(ctx, j.Entry, j.Step, j.Status, toMicros(j.DueAt), toMicros(j.EnteredAt), toMicros(j.UpdatedAt),
			j.JourneyID, j.SubjectID, j.Version)
		if err != nil {
			return nil, fmt.Errorf("advance journeys: %w", mapErr(err))
		}
		n, _ := res.RowsAffected()
		out[i] = n == 1
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("advance journeys: %w", mapErr(err))
	}
	return out, nil
}

// AudienceMembers implements store.Campaigns.
func (s *Store) AudienceMembers(ctx context.Context, destination string) ([]string, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT hash FROM audience_members WHERE destination = ? ORDER BY hash", destination)
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
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("apply audience delta: %w", mapErr(err))
	}
	defer tx.Rollback()
	if len(remove) > 0 {
		if _, err := tx.ExecContext(ctx, "DELETE FROM audience_members WHERE destination = ? AND hash IN (SELECT value FROM json_each(?))",
			destination, jsonList(remove)); err != nil {
			return fmt.Errorf("apply audience delta: %w", mapErr(err))
		}
	}
	if len(add) > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO audience_members(destination, hash, synced_at)
			SELECT ?, value, ? FROM json_each(?) WHERE true ON CONFLICT(destination, hash) DO UPDATE SET synced_at = excluded.synced_at`,
			destination, toMicros(at), jsonList(add)); err != nil {
			return fmt.Errorf("apply audience delta: %w", mapErr(err))
		}
	}
	return mapErr(tx.Commit())
}
