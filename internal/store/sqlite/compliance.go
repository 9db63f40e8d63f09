package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// The compliance tables (issue 26): retention passes over events, the transfer register,
// assessments and incidents. Queries with lists are built per call and run on the raw
// pools, not the statement caches, which would keep one statement per list length.

const maxDue = 10000

func kindsClause(kinds []store.EventKind, except bool) (string, []any) {
	if len(kinds) == 0 {
		if except {
			return "1=1", nil
		}
		return "1=0", nil
	}
	var parts []string
	var args []any
	for _, k := range kinds {
		if k.Name == "" {
			parts = append(parts, "type = ?")
			args = append(args, k.Type)
		} else {
			parts = append(parts, "(type = ? AND name = ?)")
			args = append(args, k.Type, k.Name)
		}
	}
	c := "(" + strings.Join(parts, " OR ") + ")"
	if except {
		c = "NOT " + c
	}
	return c, args
}

// DueEvents implements store.Retention.
func (s *Store) DueEvents(ctx context.Context, q store.DueQuery) ([]store.EventRef, error) {
	limit := q.Limit
	if limit <= 0 || limit > maxDue {
		limit = maxDue
	}
	kc, args := kindsClause(q.Kinds, q.Except)
	where := "occurred_at < ? AND " + kc
	args = append([]any{toMicros(q.Before)}, args...)
	if q.PrunedBelow > 0 {
		where += " AND pruned_days < ?"
		args = append(args, q.PrunedBelow)
	}
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, "SELECT seq, subject_id, COALESCE(origin_subject_id, subject_id), type, name, occurred_at, pruned_days FROM events WHERE "+where+" ORDER BY seq LIMIT ?", args...)
	if err != nil {
		return nil, fmt.Errorf("due events: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.EventRef
	for rows.Next() {
		var e store.EventRef
		var occ int64
		if err := rows.Scan(&e.Seq, &e.SubjectID, &e.OriginSubjectID, &e.Kind.Type, &e.Kind.Name, &occ, &e.PrunedDays); err != nil {
			return nil, fmt.Errorf("due events: %w", mapErr(err))
		}
		e.OccurredAt = fromMicros(occ)
		out = append(out, e)
	}
	return out, rows.Err()
}

// ExpireEvents implements store.Retention.
func (s *Store) ExpireEvents(ctx context.Context, es []store.Expiry) (int, error) {
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("expire events: %w", mapErr(err))
	}
	defer t.Rollback()
	n := 0
	for _, e := range es {
		res, err := t.ExecContext(ctx, "DELETE FROM events WHERE seq = ?", e.Seq)
		if err != nil {
			return 0, fmt.Errorf("expire events: %w", mapErr(err))
		}
		if k, _ := res.RowsAffected(); k == 0 {
			continue // gone already: a retried pass adds nothing twice
		}
		n++
		for _, a := range e.Aggregates {
			if err := store.CheckText("expire events", a.Month, a.EventType, a.Field); err != nil {
				return 0, err
			}
			if _, err := t.ExecContext(ctx, `INSERT INTO retention_aggregates(month, event_type, field, count, sum) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT(month, event_type, field) DO UPDATE SET count = count + excluded.count, sum = sum + excluded.sum`,
				a.Month, a.EventType, a.Field, a.Count, a.Sum); err != nil {
				return 0, fmt.Errorf("expire events: %w", mapErr(err))
			}
		}
	}
	if err := t.Commit(); err != nil {
		return 0, fmt.Errorf("expire events: %w", mapErr(err))
	}
	return n, nil
}

// PruneEvents implements store.Retention.
func (s *Store) PruneEvents(ctx context.Context, ps []store.Prune) (int, error) {
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("prune events: %w", mapErr(err))
	}
	defer t.Rollback()
	n := 0
	for _, p := range ps {
		var res sql.Result
		if p.Body != nil {
			res, err = t.ExecContext(ctx, "UPDATE events SET body = ?, pruned_days = ? WHERE seq = ?", p.Body, p.PrunedDays, p.Seq)
		} else {
			res, err = t.ExecContext(ctx, "UPDATE events SET pruned_days = ? WHERE seq = ?", p.PrunedDays, p.Seq)
		}
		if err != nil {
			return 0, fmt.Errorf("prune events: %w", mapErr(err))
		}
		k, _ := res.RowsAffected()
		n += int(k)
	}
	if err := t.Commit(); err != nil {
		return 0, fmt.Errorf("prune events: %w", mapErr(err))
	}
	return n, nil
}

// Aggregates implements store.Retention.
func (s *Store) Aggregates(ctx context.Context) ([]store.Aggregate, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT month, event_type, field, count, sum FROM retention_aggregates ORDER BY month, event_type, field")
	if err != nil {
		return nil, fmt.Errorf("aggregates: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.Aggregate
	for rows.Next() {
		var a store.Aggregate
		if err := rows.Scan(&a.Month, &a.EventType, &a.Field, &a.Count, &a.Sum); err != nil {
			return nil, fmt.Errorf("aggregates: %w", mapErr(err))
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ExpireCampaignMessages implements store.Retention.
func (s *Store) ExpireCampaignMessages(ctx context.Context, campaignID string, before time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, "DELETE FROM campaign_messages WHERE campaign_id = ? AND decided_at < ?", campaignID, toMicros(before))
	if err != nil {
		return 0, fmt.Errorf("expire campaign messages: %w", mapErr(err))
	}
	return res.RowsAffected()
}

func dedupe(ps []string) []string {
	out := slices.Clone(ps)
	slices.Sort(out)
	return slices.Compact(out)
}

// countedIn counts the distinct pseudonyms (already deduplicated) counted in the year.
func countedIn(ctx context.Context, q querier, year int, sensitive bool, ps []string) (int, error) {
	n := 0
	for start := 0; start < len(ps); start += 500 {
		chunk := ps[start:min(start+500, len(ps))]
		args := []any{year, boolInt(sensitive)}
		for _, p := range chunk {
			args = append(args, p)
		}
		var k int
		if err := q.QueryRowContext(ctx, "SELECT COUNT(DISTINCT pseudonym) FROM transfer_individuals WHERE year = ? AND sensitive = ? AND pseudonym IN (?"+strings.Repeat(",?", len(chunk)-1)+")",
			args...).Scan(&k); err != nil {
			return 0, mapErr(err)
		}
		n += k
	}
	return n, nil
}

// RecordTransfer implements store.Transfers.
func (s *Store) RecordTransfer(ctx context.Context, r store.TransferRecord, pseudonyms []string) (int, error) {
	if err := store.CheckText("record transfer", append([]string{r.ID, r.Kind, r.Recipient, r.Country, r.Mechanism, r.Purpose, r.Actor}, r.Categories...)...); err != nil {
		return 0, err
	}
	cats, _ := json.Marshal(nonNilStrings(r.Categories))
	refused, _ := json.Marshal(nonNilMap(r.Refused))
	ps := dedupe(pseudonyms)
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("record transfer: %w", mapErr(err))
	}
	defer t.Rollback()
	if _, err := t.ExecContext(ctx, `INSERT INTO transfers(id, at, year, kind, recipient, country, mechanism, purpose, categories, sensitive, individuals, refused, actor)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, toMicros(r.At), r.Year, r.Kind, r.Recipient, r.Country, r.Mechanism, r.Purpose,
		string(cats), boolInt(r.Sensitive), r.Individuals, string(refused), r.Actor); err != nil {
		return 0, fmt.Errorf("record transfer: %w", mapErr(err))
	}
	counted, err := countedIn(ctx, t, r.Year, r.Sensitive, ps)
	if err != nil {
		return 0, fmt.Errorf("record transfer: %w", err)
	}
	for _, p := range ps {
		if _, err := t.ExecContext(ctx, "INSERT INTO transfer_individuals(year, sensitive, pseudonym, country) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
			r.Year, boolInt(r.Sensitive), p, r.Country); err != nil {
			return 0, fmt.Errorf("record transfer: %w", mapErr(err))
		}
	}
	if err := t.Commit(); err != nil {
		return 0, fmt.Errorf("record transfer: %w", mapErr(err))
	}
	return len(ps) - counted, nil
}

// CountedIndividuals implements store.Transfers.
func (s *Store) CountedIndividuals(ctx context.Context, year int, sensitive bool, pseudonyms []string) (int, error) {
	n, err := countedIn(ctx, s.r, year, sensitive, dedupe(pseudonyms))
	if err != nil {
		return 0, fmt.Errorf("counted individuals: %w", err)
	}
	return n, nil
}

// TransferTotals implements store.Transfers.
func (s *Store) TransferTotals(ctx context.Context, year int) (general, sensitive int64, err error) {
	rows, err := s.r.QueryContext(ctx, "SELECT sensitive, COUNT(DISTINCT pseudonym) FROM transfer_individuals WHERE year = ? GROUP BY sensitive", year)
	if err != nil {
		return 0, 0, fmt.Errorf("transfer totals: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var sens int
		var n int64
		if err := rows.Scan(&sens, &n); err != nil {
			return 0, 0, fmt.Errorf("transfer totals: %w", mapErr(err))
		}
		if sens != 0 {
			sensitive = n
		} else {
			general = n
		}
	}
	return general, sensitive, rows.Err()
}

// TransferCounts implements store.Transfers.
func (s *Store) TransferCounts(ctx context.Context, year int) ([]store.TransferCount, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT country, sensitive, COUNT(*) FROM transfer_individuals WHERE year = ? GROUP BY country, sensitive ORDER BY country, sensitive", year)
	if err != nil {
		return nil, fmt.Errorf("transfer counts: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.TransferCount
	for rows.Next() {
		var c store.TransferCount
		var sens int
		if err := rows.Scan(&c.Country, &sens, &c.Individuals); err != nil {
			return nil, fmt.Errorf("transfer counts: %w", mapErr(err))
		}
		c.Sensitive = sens != 0
		out = append(out, c)
	}
	return out, rows.Err()
}

// ListTransfers implements store.Transfers.
func (s *Store) ListTransfers(ctx context.Context, year int) ([]store.TransferRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, at, year, kind, recipient, country, mechanism, purpose, categories, sensitive, individuals, refused, actor
		FROM transfers WHERE ? = 0 OR year = ? ORDER BY at DESC, id`, year, year)
	if err != nil {
		return nil, fmt.Errorf("list transfers: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.TransferRecord
	for rows.Next() {
		var r store.TransferRecord
		var at int64
		var sens int
		var cats, refused string
		if err := rows.Scan(&r.ID, &at, &r.Year, &r.Kind, &r.Recipient, &r.Country, &r.Mechanism, &r.Purpose, &cats, &sens, &r.Individuals, &refused, &r.Actor); err != nil {
			return nil, fmt.Errorf("list transfers: %w", mapErr(err))
		}
		r.At, r.Sensitive = fromMicros(at), sens != 0
		if err := json.Unmarshal([]byte(cats), &r.Categories); err != nil {
			return nil, fmt.Errorf("list transfers: categories: %w", err)
		}
		if err := json.Unmarshal([]byte(refused), &r.Refused); err != nil {
			return nil, fmt.Errorf("list transfers: refused: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilMap(m map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return m
}

const assessmentCols = "id, kind, purpose, fingerprint, manifest_hash, content, status, created_by, created_at, reviewed_by, reviewed_at, approved_by, approved_at, review_due, recheck_of, note"

// CreateAssessment implements store.Assessments.
func (s *Store) CreateAssessment(ctx context.Context, a store.Assessment) error {
	if err := store.CheckText("create assessment", a.ID, a.Kind, a.Purpose, a.Fingerprint, a.ManifestHash, a.Status, a.CreatedBy, a.ReviewedBy, a.ApprovedBy, a.RecheckOf, a.Note); err != nil {
		return err
	}
	_, err := s.w.ExecContext(ctx, "INSERT INTO assessments("+assessmentCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		a.ID, a.Kind, a.Purpose, a.Fingerprint, a.ManifestHash, a.Content, a.Status, a.CreatedBy, toMicros(a.CreatedAt),
		a.ReviewedBy, nullMicros(a.ReviewedAt), a.ApprovedBy, nullMicros(a.ApprovedAt), nullMicros(a.ReviewDue), a.RecheckOf, a.Note)
	if err != nil {
		return fmt.Errorf("create assessment: %w", mapErr(err))
	}
	return nil
}

func scanAssessment(sc interface{ Scan(...any) error }) (store.Assessment, error) {
	var a store.Assessment
	var created int64
	var reviewed, approved, due sql.NullInt64
	if err := sc.Scan(&a.ID, &a.Kind, &a.Purpose, &a.Fingerprint, &a.ManifestHash, &a.Content, &a.Status, &a.CreatedBy, &created,
		&a.ReviewedBy, &reviewed, &a.ApprovedBy, &approved, &due, &a.RecheckOf, &a.Note); err != nil {
		return a, mapErr(err)
	}
	a.CreatedAt, a.ReviewedAt, a.ApprovedAt, a.ReviewDue = fromMicros(created), ptrMicros(reviewed), ptrMicros(approved), ptrMicros(due)
	return a, nil
}

// Assessment implements store.Assessments.
func (s *Store) Assessment(ctx context.Context, id string) (store.Assessment, error) {
	a, err := scanAssessment(s.r.QueryRowContext(ctx, "SELECT "+assessmentCols+" FROM assessments WHERE id = ?", id))
	if err != nil {
		return a, fmt.Errorf("assessment: %w", err)
	}
	return a, nil
}

// ListAssessments implements store.Assessments.
func (s *Store) ListAssessments(ctx context.Context) ([]store.Assessment, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+assessmentCols+" FROM assessments ORDER BY created_at DESC, id DESC")
	if err != nil {
		return nil, fmt.Errorf("list assessments: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.Assessment
	for rows.Next() {
		a, err := scanAssessment(rows)
		if err != nil {
			return nil, fmt.Errorf("list assessments: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// UpdateAssessment implements store.Assessments.
func (s *Store) UpdateAssessment(ctx context.Context, a store.Assessment, from string) error {
	if err := store.CheckText("update assessment", a.Status, a.ReviewedBy, a.ApprovedBy, a.Note); err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, `UPDATE assessments SET status = ?, reviewed_by = ?, reviewed_at = ?, approved_by = ?, approved_at = ?, review_due = ?, note = ?
		WHERE id = ? AND status = ?`, a.Status, a.ReviewedBy, nullMicros(a.ReviewedAt), a.ApprovedBy, nullMicros(a.ApprovedAt), nullMicros(a.ReviewDue), a.Note, a.ID, from)
	if err != nil {
		return fmt.Errorf("update assessment: %w", mapErr(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.Assessment(ctx, a.ID); err != nil {
			return fmt.Errorf("update assessment: %w", err)
		}
		return fmt.Errorf("update assessment: %w: it is no longer %s", store.ErrConflict, from)
	}
	return nil
}

const incidentCols = "id, title, drill, discovered_at, scope, cause, harm, measures, remedies, contact, affected, categories, purposes, status, regulator_notified_at, individuals_notified_at, created_by, created_at, updated_at"

func incidentText(i store.Incident) error {
	return store.CheckText("incident", append([]string{i.ID, i.Title, i.Cause, i.Harm, i.Measures, i.Remedies, i.Contact, i.Status, i.CreatedBy},
		append(slices.Clone(i.Categories), i.Purposes...)...)...)
}

// CreateIncident implements store.Incidents.
func (s *Store) CreateIncident(ctx context.Context, i store.Incident) error {
	if err := incidentText(i); err != nil {
		return err
	}
	cats, _ := json.Marshal(nonNilStrings(i.Categories))
	purposes, _ := json.Marshal(nonNilStrings(i.Purposes))
	_, err := s.w.ExecContext(ctx, "INSERT INTO incidents("+incidentCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		i.ID, i.Title, boolInt(i.Drill), toMicros(i.DiscoveredAt), i.Scope, i.Cause, i.Harm, i.Measures, i.Remedies, i.Contact, i.Affected,
		string(cats), string(purposes), i.Status, nullMicros(i.RegulatorNotifiedAt), nullMicros(i.IndividualsNotifiedAt), i.CreatedBy,
		toMicros(i.CreatedAt), toMicros(i.UpdatedAt))
	if err != nil {
		return fmt.Errorf("create incident: %w", mapErr(err))
	}
	return nil
}

func scanIncident(sc interface{ Scan(...any) error }) (store.Incident, error) {
	var i store.Incident
	var drill int
	var disc, created, updated int64
	var reg, ind sql.NullInt64
	var cats, purposes string
	if err := sc.Scan(&i.ID, &i.Title, &drill, &disc, &i.Scope, &i.Cause, &i.Harm, &i.Measures, &i.Remedies, &i.Contact, &i.Affected,
		&cats, &purposes, &i.Status, &reg, &ind, &i.CreatedBy, &created, &updated); err != nil {
		return i, mapErr(err)
	}
	i.Drill, i.DiscoveredAt, i.CreatedAt, i.UpdatedAt = drill != 0, fromMicros(disc), fromMicros(created), fromMicros(updated)
	i.RegulatorNotifiedAt, i.IndividualsNotifiedAt = ptrMicros(reg), ptrMicros(ind)
	if err := errors.Join(json.Unmarshal([]byte(cats), &i.Categories), json.Unmarshal([]byte(purposes), &i.Purposes)); err != nil {
		return i, err
	}
	return i, nil
}

// Incident implements store.Incidents.
func (s *Store) Incident(ctx context.Context, id string) (store.Incident, error) {
	i, err := scanIncident(s.r.QueryRowContext(ctx, "SELECT "+incidentCols+" FROM incidents WHERE id = ?", id))
	if err != nil {
		return i, fmt.Errorf("incident: %w", err)
	}
	return i, nil
}

// ListIncidents implements store.Incidents.
func (s *Store) ListIncidents(ctx context.Context) ([]store.Incident, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+incidentCols+" FROM incidents ORDER BY discovered_at DESC, id DESC")
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.Incident
	for rows.Next() {
		i, err := scanIncident(rows)
		if err != nil {
			return nil, fmt.Errorf("list incidents: %w", err)
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// UpdateIncident implements store.Incidents.
func (s *Store) UpdateIncident(ctx context.Context, i store.Incident) error {
	if err := incidentText(i); err != nil {
		return err
	}
	cats, _ := json.Marshal(nonNilStrings(i.Categories))
	purposes, _ := json.Marshal(nonNilStrings(i.Purposes))
	res, err := s.w.ExecContext(ctx, `UPDATE incidents SET title = ?, drill = ?, discovered_at = ?, scope = ?, cause = ?, harm = ?, measures = ?, remedies = ?,
		contact = ?, affected = ?, categories = ?, purposes = ?, status = ?, regulator_notified_at = ?, individuals_notified_at = ?, updated_at = ? WHERE id = ?`,
		i.Title, boolInt(i.Drill), toMicros(i.DiscoveredAt), i.Scope, i.Cause, i.Harm, i.Measures, i.Remedies, i.Contact, i.Affected, string(cats),
		string(purposes), i.Status, nullMicros(i.RegulatorNotifiedAt), nullMicros(i.IndividualsNotifiedAt), toMicros(i.UpdatedAt), i.ID)
	if err != nil {
		return fmt.Errorf("update incident: %w", mapErr(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("update incident: %w", store.ErrNotFound)
	}
	return nil
}
