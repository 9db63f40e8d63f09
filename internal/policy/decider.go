package policy

import (
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/taxonomy"
)

const (
	purposeSharing  = taxonomy.PurposeThirdPartySharing
	purposeTransfer = taxonomy.PurposeCrossBorderTransfer
)

// Decider answers policy requests for one manifest version. It is immutable and safe for
// concurrent use.
type Decider struct {
	cfg           Config
	m             *manifest.Manifest
	purposeIdx    map[string]int32
	purposes      []purposeInfo
	categories    map[string]categoryInfo
	recipientIdx  map[string]int32
	recipients    []manifest.Recipient
	sensitiveIdx  map[string]int32 // declared sensitive categories
	nSensitive    int
	recipientBase int
	sensitiveBase int
	nbits         int
	transferBit   int // bit of the cross_border_transfer purpose, -1 if undeclared
}

type purposeInfo struct {
	key       string
	basis     taxonomy.Basis
	li        uint8 // bit per jurisdiction allowing legitimate interest
	marketing bool
	targeting bool
	ads       bool
	// advertising: any purpose under marketing.advertising, personalised or not (the
	// privacy subscription stops them all).
	advertising bool
	saleShare   bool
}

type categoryInfo struct {
	sensitive  bool
	identifier bool
	sIdx       int32 // index among sensitive categories (of the declared ancestor)
}

// Compile precomputes everything Decide needs from m.
func Compile(m *manifest.Manifest, cfg Config) *Decider {
	d := &Decider{cfg: cfg, m: m, purposeIdx: map[string]int32{}, categories: map[string]categoryInfo{},
		recipientIdx: map[string]int32{}, sensitiveIdx: map[string]int32{}, transferBit: -1}
	for _, p := range m.Taxonomy.Purposes() {
		pi := purposeInfo{key: p.Key, basis: p.Basis, marketing: p.Marketing, targeting: p.Targeting,
			ads: p.Advertising(), saleShare: p.SaleShare,
			advertising: taxonomy.Beneath(p.Key, "marketing.advertising")}
		for _, j := range p.LIJurisdictions {
			if jj, ok := jurisdictionName(j); ok {
				pi.li |= 1 << jj
			}
		}
		d.purposeIdx[p.Key] = int32(len(d.purposes))
		if p.Key == purposeTransfer {
			d.transferBit = len(d.purposes)
		}
		d.purposes = append(d.purposes, pi)
	}
	for _, c := range m.Taxonomy.Categories() {
		ci := categoryInfo{sensitive: c.Grade == taxonomy.Sensitive, identifier: c.Identifier, sIdx: -1}
		if ci.sensitive {
			ci.sIdx = int32(len(d.sensitiveIdx))
			d.sensitiveIdx[c.Key] = ci.sIdx
		}
		d.categories[c.Key] = ci
	}
	d.nSensitive = len(d.sensitiveIdx)
	for _, r := range m.Recipients {
		d.recipientIdx[r.Name] = int32(len(d.recipients))
		d.recipients = append(d.recipients, r)
	}
	d.recipientBase = len(d.purposes)
	d.sensitiveBase = d.recipientBase + len(d.recipients)
	d.nbits = d.sensitiveBase + len(d.purposes)*d.nSensitive
	return d
}

func (d *Decider) sensitiveBit(purpose, sens int) int {
	return d.sensitiveBase + purpose*d.nSensitive + sens
}

// Manifest returns the manifest the decider was compiled from.
func (d *Decider) Manifest() *manifest.Manifest { return d.m }

// category resolves key, walking up to the nearest declared ancestor without allocating.
func (d *Decider) category(key string) (categoryInfo, bool) {
	for k := key; k != ""; {
		if c, ok := d.categories[k]; ok {
			return c, true
		}
		i := len(k) - 1
		for i >= 0 && k[i] != '.' {
			i--
		}
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return categoryInfo{}, false
}
