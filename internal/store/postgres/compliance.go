package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stewardhq/steward/internal/store"
)

// The compliance tables (issue 26): retention passes over events, the transfer register,
// assessments and incidents.

const maxDue = 10000

func kindsClause(kinds []store.EventKind, except bool, args []any) (string, []any) {
	if len(kinds) == 0 {
		if except {
			return "TRUE", args
		}
		return "FALSE", args
	}
	var parts []string
	for _, k := range kinds {
		args = append(args, k.Type)
		if k.Name == "" {
			parts = append(parts, "type = $"+strconv.Itoa(len(args)))
		} else {
			args = append(args, k.Name)
			parts = append(parts, fmt.Sprintf("(type = $%d AND name = $%d)", len(args)-1, len(args)))
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
	args := []any{q.Before}
	kc, args := kindsClause(q.Kinds, q.Except, args)
	where := "occurred_at < $1 AND " + kc
	if q.PrunedBelow > 0 {
		args = append(args, q.PrunedBelow)
		where += " AND pruned_days < $" + strconv.Itoa(len(args))
	}
	args = append(args, limit)
	rows, err := s.pool.Query(ctx, "SELECT seq, subject_id, COALESCE(origin_subject_id, subject_id), type, name, occurred_at, pruned_days FROM events WHERE "+where+
		" ORDER BY seq LIMIT $"+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("due events: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.EventRef
	for rows.Next() {
		var e store.EventRef
		if err := rows.Scan(&e.Seq, &e.SubjectID, &e.OriginSubjectID, &e.Kind.Type, &e.Kind.Name, &e.OccurredAt, &e.PrunedDays); err != nil {
			return nil, fmt.Errorf("due events: %w", mapErr(err))
		}
		e.OccurredAt = utc(e.OccurredAt)
		out = append(out, e)
	}
	return out, rows.Err()
}

// ExpireEvents implements store.Retention.
func (s *Store) ExpireEvents(ctx context.Context, es []store.Expiry) (int, error) {
	for _, e := range es {
		for _, a := range e.Aggregates {
			if err := store.CheckText("expire events", a.Month, a.EventType, a.Field); err != nil {
				return 0, err
			}
		}
	}
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		n = 0
		for _, e := range es {
			tag, err := tx.Exec(ctx, "DELETE FROM events WHERE seq = $1", e.Seq)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				continue // gone already: a retried pass adds nothing twice
			}
			n++
			for _, a := range e.Aggregates {
				if _, err := tx.Exec(ctx, `INSERT INTO retention_aggregates(month, event_type, field, count, sum) VALUES ($1, $2, $3, $4, $5)
					ON CONFLICT (month, event_type, field) DO UPDATE SET count = retention_aggregates.count + EXCLUDED.count, sum = retention_aggregates.sum + EXCLUDED.sum`,
					a.Month, a.EventType, a.Field, a.Count, a.Sum); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("expire events: %w", mapErr(err))
	}
	return n, nil
}

// PruneEvents implements store.Retention.
func (s *Store) PruneEvents(ctx context.Context, ps []store.Prune) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		n = 0
		for _, p := range ps {
			var sql string
			args := []any{p.PrunedDays, p.Seq}
			if p.Body != nil {
				sql = "UPDATE events SET pruned_days = $1, body = $3 WHERE seq = $2"
				args = append(args, p.Body)
			} else {
				sql = "UPDATE events SET pruned_days = $1 WHERE seq = $2"
			}
			tag, err := tx.Exec(ctx, sql, args...)
			if err != nil {
				return err
			}
			n += int(tag.RowsAffected())
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune events: %w", mapErr(err))
	}
	return n, nil
}

// Aggregates implements store.Retention.
func (s *Store) Aggregates(ctx context.Context) ([]store.Aggregate, error) {
	rows, err := s.pool.Query(ctx, "SELECT month, event_type, field, count, sum FROM retention_aggregates ORDER BY month, event_type, field")
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
	tag, err := s.pool.Exec(ctx, "DELETE FROM campaign_messages WHERE campaign_id = $1 AND decided_at < $2", campaignID, before)
	if err != nil {
		return 0, fmt.Errorf("expire campaign messages: %w", mapErr(err))
	}
	return tag.RowsAffected(), nil
}

func dedupe(ps []string) []string {
	out := slices.Clone(ps)
	slices.Sort(out)
	return slices.Compact(out)
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

type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func countedIn(ctx context.Context, q queryRower, year int, sensitive bool, ps []string) (int, error) {
	if len(ps) == 0 {
		return 0, nil
	}
	var n int
	err := q.QueryRow(ctx, "SELECT COUNT(DISTINCT pseudonym) FROM transfer_individuals WHERE year = $1 AND sensitive = $2 AND pseudonym = ANY($3)",
		year, sensitive, ps).Scan(&n)
	return n, mapErr(err)
}

// RecordTransfer implements store.Transfers.
func (s *Store) RecordTransfer(ctx context.Context, r store.TransferRecord, pseudonyms []string) (int, error) {
	if err := store.CheckText("record transfer", append([]string{r.ID, r.Kind, r.Recipient, r.Country, r.Mechanism, r.Purpose, r.Actor}, r.Categories...)...); err != nil {
		return 0, err
	}
	cats, _ := json.Marshal(nonNilStrings(r.Categories))
	refused, _ := json.Marshal(nonNilMap(r.Refused))
	ps := dedupe(pseudonyms)
	fresh := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO transfers(id, at, year, kind, recipient, country, mechanism, purpose, categories, sensitive, individuals, refused, actor)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`, r.ID, r.At, r.Year, r.Kind, r.Recipient, r.Country, r.Mechanism, r.Purpose,
			string(cats), r.Sensitive, r.Individuals, string(refused), r.Actor); err != nil {
			return err
		}
		counted, err := countedIn(ctx, tx, r.Year, r.Sensitive, ps)
		if err != nil {
			return err
		}
		fresh = len(ps) - counted
		_, err = tx.Exec(ctx, `INSERT INTO transfer_individuals(year, sensitive, pseudonym, country) SELECT $1, $2, p, $4 FROM unnest($3::text[]) AS p
			ON CONFLICT DO NOTHING`, r.Year, r.Sensitive, ps, r.Country)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("record transfer: %w", mapErr(err))
	}
	return fresh, nil
}

// CountedIndividuals implements store.Transfers.
func (s *Store) CountedIndividuals(ctx context.Context, year int, sensitive bool, pseudonyms []string) (int, error) {
	n, err := countedIn(ctx, s.pool, year, sensitive, dedupe(pseudonyms))
	if err != nil {
		return 0, fmt.Errorf("counted individuals: %w", err)
	}
	return n, nil
}

// TransferTotals implements store.Transfers.
func (s *Store) TransferTotals(ctx context.Context, year int) (general, sensitive int64, err error) {
	rows, err := s.pool.Query(ctx, "SELECT sensitive, COUNT(DISTINCT pseudonym) FROM transfer_individuals WHERE year = $1 GROUP BY sensitive", year)
	if err != nil {
		return 0, 0, fmt.Errorf("transfer totals: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var sens bool
		var n int64
		if err := rows.Scan(&sens, &n); err != nil {
			return 0, 0, fmt.Errorf("transfer totals: %w", mapErr(err))
		}
		if sens {
			sensitive = n
		} else {
			general = n
		}
	}
	return general, sensitive, rows.Err()
}

// TransferCounts implements store.Transfers.
func (s *Store) TransferCounts(ctx context.Context, year int) ([]store.TransferCount, error) {
	rows, err := s.pool.Query(ctx, "SELECT country, sensitive, COUNT(*) FROM transfer_individuals WHERE year = $1 GROUP BY country, sensitive ORDER BY country, sensitive", year)
	if err != nil {
		return nil, fmt.Errorf("transfer counts: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.TransferCount
	for rows.Next() {
		var c store.TransferCount
		if err := rows.Scan(&c.Country, &c.Sensitive, &c.Individuals); err != nil {
			return nil, fmt.Errorf("transfer counts: %w", mapErr(err))
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ListTransfers implements store.Transfers.
func (s *Store) ListTransfers(ctx context.Context, year int) ([]store.TransferRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, at, year, kind, recipient, country, mechanism, purpose, categories, sensitive, individuals, refused, actor
		FROM transfers WHERE $1 = 0 OR year = $1 ORDER BY at DESC, id`, year)
	if err != nil {
		return nil, fmt.Errorf("list transfers: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.TransferRecord
	for rows.Next() {
		var r store.TransferRecord
		var cats, refused string
		if err := rows.Scan(&r.ID, &r.At, &r.Year, &r.Kind, &r.Recipient, &r.Country, &r.Mechanism, &r.Purpose, &cats, &r.Sensitive, &r.Individuals, &refused, &r.Actor); err != nil {
			return nil, fmt.Errorf("list transfers: %w", mapErr(err))
		}
		r.At = utc(r.At)
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

const assessmentCols = "id, kind, purpose, fingerprint, manifest_hash, content, status, created_by, created_at, reviewed_by, reviewed_at, approved_by, approved_at, review_due, recheck_of, note"

// CreateAssessment implements store.Assessments.
func (s *Store) CreateAssessment(ctx context.Context, a store.Assessment) error {
	if err := store.CheckText("create assessment", a.ID, a.Kind, a.Purpose, a.Fingerprint, a.ManifestHash, a.Status, a.CreatedBy, a.ReviewedBy, a.ApprovedBy, a.RecheckOf, a.Note); err != nil {
		return err
	}
	_, err := s.pool.Exec(ctx, "INSERT INTO assessments("+assessmentCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
		a.ID, a.Kind, a.Purpose, a.Fingerprint, a.ManifestHash, a.Content, a.Status, a.CreatedBy, a.CreatedAt,
		a.ReviewedBy, a.ReviewedAt, a.ApprovedBy, a.ApprovedAt, a.ReviewDue, a.RecheckOf, a.Note)
	if err != nil {
		return fmt.Errorf("create assessment: %w", mapErr(err))
	}
	return nil
}

func scanAssessment(sc pgx.Row) (store.Assessment, error) {
	var a store.Assessment
	if err := sc.Scan(&a.ID, &a.Kind, &a.Purpose, &a.Fingerprint, &a.ManifestHash, &a.Content, &a.Status, &a.CreatedBy, &a.CreatedAt,
		&a.ReviewedBy, &a.ReviewedAt, &a.ApprovedBy, &a.ApprovedAt, &a.ReviewDue, &a.RecheckOf, &a.Note); err != nil {
		return a, mapErr(err)
	}
	a.CreatedAt, a.ReviewedAt, a.ApprovedAt, a.ReviewDue = utc(a.CreatedAt), utcPtr(a.ReviewedAt), utcPtr(a.ApprovedAt), utcPtr(a.ReviewDue)
	return a, nil
}

// Assessment implements store.Assessments.
func (s *Store) Assessment(ctx context.Context, id string) (store.Assessment, error) {
	a, err := scanAssessment(s.pool.QueryRow(ctx, "SELECT "+assessmentCols+" FROM assessments WHERE id = $1", id))
	if err != nil {
		return a, fmt.Errorf("assessment: %w", err)
	}
	return a, nil
}

// ListAssessments implements store.Assessments.
func (s *Store) ListAssessments(ctx context.Context) ([]store.Assessment, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+assessmentCols+" FROM assessments ORDER BY created_at DESC, id DESC")
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
	tag, err := s.pool.Exec(ctx, `UPDATE assessments SET status = $1, reviewed_by = $2, reviewed_at = $3, approved_by = $4, approved_at = $5, review_due = $6, note = $7
		WHERE id = $8 AND status = $9`, a.Status, a.ReviewedBy, a.ReviewedAt, a.ApprovedBy, a.ApprovedAt, a.ReviewDue, a.Note, a.ID, from)
	if err != nil {
		return fmt.Errorf("update assessment: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
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
	_, err := s.pool.Exec(ctx, "INSERT INTO incidents("+incidentCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
		i.ID, i.Title, i.Drill, i.DiscoveredAt, i.Scope, i.Cause, i.Harm, i.Measures, i.Remedies, i.Contact, i.Affected,
		string(cats), string(purposes), i.Status, i.RegulatorNotifiedAt, i.IndividualsNotifiedAt, i.CreatedBy, i.CreatedAt, i.UpdatedAt)
	if err != nil {
		return fmt.Errorf("create incident: %w", mapErr(err))
	}
	return nil
}

func scanIncident(sc pgx.Row) (store.Incident, error) {
	var i store.Incident
	var cats, purposes string
	if err := sc.Scan(&i.ID, &i.Title, &i.Drill, &i.DiscoveredAt, &i.Scope, &i.Cause, &i.Harm, &i.Measures, &i.Remedies, &i.Contact, &i.Affected,
		&cats, &purposes, &i.Status, &i.RegulatorNotifiedAt, &i.IndividualsNotifiedAt, &i.CreatedBy, &i.CreatedAt, &i.UpdatedAt); err != nil {
		return i, mapErr(err)
	}
	i.DiscoveredAt, i.CreatedAt, i.UpdatedAt = utc(i.DiscoveredAt), utc(i.CreatedAt), utc(i.UpdatedAt)
	i.RegulatorNotifiedAt, i.IndividualsNotifiedAt = utcPtr(i.RegulatorNotifiedAt), utcPtr(i.IndividualsNotifiedAt)
	if err := json.Unmarshal([]byte(cats), &i.Categories); err != nil {
		return i, err
	}
	if err := json.Unmarshal([]byte(purposes), &i.Purposes); err != nil {
		return i, err
	}
	return i, nil
}

// Incident implements store.Incidents.
func (s *Store) Incident(ctx context.Context, id string) (store.Incident, error) {
	i, err := scanIncident(s.pool.QueryRow(ctx, "SELECT "+incidentCols+" FROM incidents WHERE id = $1", id))
	if err != nil {
		return i, fmt.Errorf("incident: %w", err)
	}
	return i, nil
}

// ListIncidents implements store.Incidents.
func (s *Store) ListIncidents(ctx context.Context) ([]store.Incident, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+incidentCols+" FROM incidents ORDER BY discovered_at DESC, id DESC")
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
	tag, err := s.pool.Exec(ctx, `UPDATE incidents SET title = $1, drill = $2, discovered_at = $3, scope = $4, cause = $5, harm = $6, measures = $7, remedies = $8,
		contact = $9, affected = $10, categories = $11, purposes = $12, status = $13, regulator_notified_at = $14, individuals_notified_at = $15, updated_at = $16 WHERE id = $17`,
		i.Title, i.Drill, i.DiscoveredAt, i.Scope, i.Cause, i.Harm, i.Measures, i.Remedies, i.Contact, i.Affected, string(cats),
		string(purposes), i.Status, i.RegulatorNotifiedAt, i.IndividualsNotifiedAt, i.UpdatedAt, i.ID)
	if err != nil {
		return fmt.Errorf("update incident: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("update incident: %w", store.ErrNotFound)
	}
	return nil
}
