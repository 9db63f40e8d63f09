package store

import "context"

// CampaignMessagePages pages through one campaign's messages person by person: what a
// differentially private release of its results reads, one privacy unit per person
// (package campaign, results through internal/dp). Both backends implement it; it is not
// part of Store so that a store without it still opens (the release then refuses).
type CampaignMessagePages interface {
	// CampaignMessagesBySubject returns every message of campaignID for the first limit
	// people whose subject id sorts after afterSubject ("" for the first page), ordered by
	// subject id then decision time: a person's messages are never split across pages.
	CampaignMessagesBySubject(ctx context.Context, campaignID, afterSubject string, limit int) ([]CampaignMessage, error)
}
