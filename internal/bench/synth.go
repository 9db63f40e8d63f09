package bench

import (
	"math/rand/v2"
	"time"

	"github.com/stewardhq/steward/internal/segment"
)

// BenchExpression is the 3-clause segment `steward bench segments` measures.
const BenchExpression = `tag("high_spender") and trait("city") == "上海" and count(purchase, 30d) >= 2`

// BenchNow is the fixed evaluation time of the synthetic data: the last second of a day, so a
// 30d window covers exactly the 30 calendar days whose events fall at noon (day > D-30),
// which the SQL equivalent expresses on whole days.
var BenchNow = time.Date(2026, 11, 1, 23, 59, 59, 0, time.UTC)

// SynthProfile is one generated person.
type SynthProfile struct {
	ID        uint32
	Tags      []string
	City      string
	Purchases []time.Time // at noon UTC on days up to BenchNow's
}

var synthCities = []string{"上海", "北京", "广州", "深圳", "杭州", "成都", "武汉", "南京"}

// Synthetic generates n deterministic profiles (same seed, same people) and passes each to
// visit. About 20% carry high_spender, 1/8 live in 上海, and each has 0-5 purchases spread
// over the last 90 days.
func Synthetic(n int, seed uint64, visit func(SynthProfile)) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	today := BenchNow.Truncate(24 * time.Hour)
	var p SynthProfile
	for i := 0; i < n; i++ {
		p.ID = uint32(i)
		p.Tags = p.Tags[:0]
		if r.IntN(5) == 0 {
			p.Tags = append(p.Tags, "high_spender")
		}
		if r.IntN(3) == 0 {
			p.Tags = append(p.Tags, "newsletter")
		}
		p.City = synthCities[r.IntN(len(synthCities))]
		p.Purchases = p.Purchases[:0]
		for k := r.IntN(6); k > 0; k-- {
			day := r.IntN(90)
			p.Purchases = append(p.Purchases, today.Add(-time.Duration(day)*24*time.Hour+12*time.Hour))
		}
		visit(p)
	}
}

// LoadSynthetic fills a MemIndex with Synthetic(n, seed).
func LoadSynthetic(m *segment.MemIndex, n int, seed uint64) {
	Synthetic(n, seed, func(p SynthProfile) {
		loadProfile(m, p)
	})
}

func loadProfile(m *segment.MemIndex, p SynthProfile) {
	m.AddSubject(p.ID)
	for _, t := range p.Tags {
		m.AddTag(p.ID, t)
	}
	m.SetTrait(p.ID, "city", segment.Str(p.City))
	for _, at := range p.Purchases {
		m.AddEvent(p.ID, "purchase", at, nil)
	}
}
