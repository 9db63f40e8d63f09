package cleanroom_test

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/cleanroom"
)

// Two shops measure their overlap: the initiator learns the overlap and the partner's
// revenue over it; the partner learns the overlap. Here both run in one process; in
// Steward each message travels as a signed call between the two instances.
func Example() {
	ctx := context.Background()
	d, _ := cleanroom.NewDomain("example-pairing")
	cfg := cleanroom.Config{Job: "job-42", Protocol: cleanroom.IntersectionSum, MatchOn: cleanroom.MatchEmail,
		Domain: d, MinIntersection: 2}

	ours := []cleanroom.Input{{Key: "li.wei@example.cn"}, {Key: "Anna@Example.de"}, {Key: "sam@example.com"}}
	theirs := []cleanroom.Input{{Key: " LI.WEI@example.cn", Value: 12990}, {Key: "anna@example.de", Value: 4500},
		{Key: "zoe@example.fr", Value: 800}}

	ini, _ := cleanroom.NewInitiator(cfg, ours)
	defer ini.Close()
	par, _ := cleanroom.NewPartner(cfg, theirs)
	defer par.Close()

	m1, _ := ini.Start()
	toInitiator, _ := par.Handle(ctx, m1) // the reply, then the encrypted values
	var toPartner []cleanroom.Message
	for _, m := range toInitiator {
		out, _ := ini.Handle(ctx, m)
		toPartner = append(toPartner, out...)
	}
	share, _ := par.Handle(ctx, toPartner[0])
	ini.Handle(ctx, share[0])

	o, _ := ini.Outcome()
	p, _ := par.Outcome()
	fmt.Println("initiator:", o.Status, o.IntersectionSize, o.IntersectionSum)
	fmt.Println("partner:", p.Status, p.IntersectionSize, p.HasSum)
	// Output:
	// initiator: released 2 17490
	// partner: released 2 false
}
