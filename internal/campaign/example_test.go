package campaign_test

import (
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/campaign"
)

func ExampleParseCampaign() {
	c, err := campaign.ParseCampaign([]byte(`{
	  "id": "monday-deals", "purpose": "marketing.communications.push",
	  "audience": {"segment": "recent_buyers"}, "channel": {"type": "webhook"},
	  "content": {"plain": {"body": "本周特价"}},
	  "schedule": {"kind": "recurring", "cron": "0 10 * * 1", "timezone": "Asia/Shanghai"},
	  "holdout": 0.1, "conversion": {"event": "Order Completed", "window": "7d"}
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Schedule.Next(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)))

	_, err = campaign.ParseCampaign([]byte(`{"id": "x", "purpose": "marketing.communications.push", "holdot": 0.1}`))
	fmt.Println(err)
	// Output:
	// 2026-05-04 02:00:00 +0000 UTC
	// check definition: 1:57: /holdot: unknown member
}
