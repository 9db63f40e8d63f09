package demo_test

import (
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/demo"
)

func ExampleGenerate() {
	now := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	sum, err := demo.Generate(demo.Config{Seed: 1, Subjects: 24, Now: now}, func(batch []byte) error {
		return nil // the demo POSTs batch to /v1/batch with the write key
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sum.Subjects, "subjects,", sum.ByType[demo.TypeIdentify], "identifies,", len(sum.ByConsent), "consent kinds")
	// Output: 24 subjects, 24 identifies, 10 consent kinds
}

func ExampleSubjects() {
	subjects, err := demo.Subjects(demo.Config{Seed: 1, Subjects: 100, Now: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range subjects {
		if s.Band == demo.BandUnder14 && s.Region == demo.RegionCN && !s.Consent.Guardian {
			fmt.Println("child without guardian consent:", s.Index, s.Consent.Kind)
			break
		}
	}
	for _, s := range subjects {
		if s.Consent.GPC && s.Region == demo.RegionUSCA {
			fmt.Println("GPC in California:", s.Index, s.State)
			break
		}
	}
	// Output:
	// child without guardian consent: 2 none
	// GPC in California: 10 CA
}
