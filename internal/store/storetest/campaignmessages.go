package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// testCampaignMessagePages: a campaign's messages page by person, whole people per page,
// and other campaigns' messages never show.
func testCampaignMessagePages(t *testing.T, st store.Store) {
	s := campaignsOf(t, st)
	pg, ok := st.(store.CampaignMessagePages)
	if !ok {
		t.Skip("store does not page campaign messages")
	}
	ctx := context.Background()
	var batch []store.CampaignMessage
	for _, m := range []store.CampaignMessage{
		msg("a1", "c", "s3", store.MessageDelivered, 0), msg("a2", "c", "s1", store.MessageSkipped, time.Minute),
		msg("a3", "c", "s1", store.MessageDelivered, 2*time.Minute), msg("a4", "c", "s2", store.MessageHoldout, 0),
		msg("b1", "other", "s0", store.MessageDelivered, 0), msg("a5", "c", "s3", store.MessageDelivered, -time.Minute),
	} {
		batch = append(batch, m)
	}
	keep := func(_ map[string][]store.CampaignMessage, f []store.CampaignMessage) []store.CampaignMessage {
		return f
	}
	if _, err := s.ReserveMessages(ctx, batch, ts(-time.Hour), keep); err != nil {
		t.Fatal(err)
	}
	ids := func(ms []store.CampaignMessage) (out []string) {
		for _, m := range ms {
			out = append(out, m.SubjectID+"/"+m.MessageID)
		}
		return out
	}
	p1, err := pg.CampaignMessagesBySubject(ctx, "c", "", 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(p1); len(got) != 3 || got[0] != "s1/a2" || got[1] != "s1/a3" || got[2] != "s2/a4" {
		t.Fatalf("first page = %v", got)
	}
	p2, err := pg.CampaignMessagesBySubject(ctx, "c", "s2", 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(p2); len(got) != 2 || got[0] != "s3/a5" || got[1] != "s3/a1" || p2[1].Status != store.MessageDelivered {
		t.Fatalf("second page = %v", got)
	}
	if p3, err := pg.CampaignMessagesBySubject(ctx, "c", "s3", 2); err != nil || len(p3) != 0 {
		t.Fatalf("past the end = %v, %v", ids(p3), err)
	}
}
