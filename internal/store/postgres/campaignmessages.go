package postgres

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/store"
)

var _ store.CampaignMessagePages = (*Store)(nil)

// CampaignMessagesBySubject implements store.CampaignMessagePages.
func (s *Store) CampaignMessagesBySubject(ctx context.Context, campaignID, afterSubject string, limit int) ([]store.CampaignMessage, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.pool.Query(ctx, "SELECT "+messageCols+` FROM campaign_messages
		WHERE campaign_id = $1 AND subject_id IN (SELECT DISTINCT subject_id FROM campaign_messages
			WHERE campaign_id = $1 AND subject_id > $2 ORDER BY subject_id LIMIT $3)
		ORDER BY subject_id, decided_at, message_id`, campaignID, afterSubject, limit)
	if err != nil {
		return nil, fmt.Errorf("campaign messages: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.CampaignMessage
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("campaign messages: %w", mapErr(err))
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
