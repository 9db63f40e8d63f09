package demo

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
)

const (
	shopURL     = "https://shop.example.com"
	externalRef = "https://www.example.org/"

	// Track event names from the Segment e-commerce spec, plus the event
	// Segment's consent tooling sends when a choice is made or changed.
	EventProductsSearched   = "Products Searched"
	EventProductViewed      = "Product Viewed"
	EventProductAdded       = "Product Added"
	EventProductRemoved     = "Product Removed"
	EventCartViewed         = "Cart Viewed"
	EventCheckoutStarted    = "Checkout Started"
	EventOrderCompleted     = "Order Completed"
	EventOrderRefunded      = "Order Refunded"
	EventConsentPreferences = "Segment Consent Preference Updated"

	// Page names.
	PageHome     = "Home"
	PageSearch   = "Search"
	PageProduct  = "Product"
	PageCart     = "Cart"
	PageCheckout = "Checkout"

	// Message types.
	TypeIdentify = "identify"
	TypePage     = "page"
	TypeTrack    = "track"
)

// Gaps between consecutive messages within a session.
const (
	minGap = 8 * second
	maxGap = 75 * second
)

const maxCartLines = 12

type msgKind uint8

const (
	kindIdentify msgKind = iota
	kindPage
	kindTrack
)

type line struct {
	product int32
	qty     int32
}

type order struct {
	id                 string
	lines              []line
	subtotal, shipping int64
}

// event is one message before rendering.
type event struct {
	at      int64 // unix ms
	kind    msgKind
	name    string // page name or track event name
	anon    bool   // sent before login: anonymousId only
	product int32  // -1 when none
	qty     int32
	query   string
	ref     string // page referrer
	cartID  string
	lines   []line // Cart Viewed, Checkout Started, Order Completed
	order   *order
}

// personaTables holds, per persona, cumulative product weights for drawing
// what a subject looks at.
var personaTables = sync.OnceValue(func() map[Persona][]float64 {
	cat := loadCatalog()
	w := map[Persona][9]float64{
		// electronics, apparel, home, beauty, food, books, toys, baby, health
		PersonaGeneral:    {3, 3, 3, 2, 3, 2, 1, 0.3, 0.6},
		PersonaTech:       {8, 2, 1, 0.5, 1, 2, 0.5, 0.1, 0.2},
		PersonaFashion:    {1, 8, 1, 4, 1, 1, 0.3, 0.1, 0.2},
		PersonaHome:       {1, 1, 8, 1, 3, 1, 0.5, 0.1, 0.5},
		PersonaFoodie:     {0.5, 1, 2, 1, 8, 1, 0.3, 0.1, 0.5},
		PersonaReader:     {1, 1, 1, 0.5, 1, 8, 1, 0.1, 0.3},
		PersonaParent:     {1, 1, 2, 1, 2, 1, 3, 10, 1},
		PersonaExpecting:  {1, 2, 2, 2, 2, 2, 0.5, 4, 5},
		PersonaDiabetic:   {1, 1, 2, 0.5, 3, 1, 0.3, 0.1, 8},
		PersonaSeniorCare: {0.5, 1, 2, 0.5, 3, 2, 0.5, 0.1, 6},
		PersonaKid:        {1, 1, 0.3, 0.2, 2, 4, 10, 0, 0},
		PersonaTeen:       {5, 5, 0.5, 2, 2, 3, 3, 0, 0.1},
	}
	boost := map[Persona]string{
		PersonaParent: TopicInfant, PersonaExpecting: TopicPregnancy,
		PersonaDiabetic: TopicDiabetes, PersonaSeniorCare: TopicSenior,
	}
	out := map[Persona][]float64{}
	for p, cw := range w {
		cum := make([]float64, len(cat.products))
		total := 0.0
		for k, pr := range cat.products {
			ci := slices.Index(categories, pr.Category)
			ids := cat.byCat[pr.Category]
			// Earlier products in a category are more popular (a long tail).
			rank := float64(slices.Index(ids, k) + 1)
			x := cw[ci] / float64(len(ids)) * 3 / (rank + 2)
			if pr.Topic != "" {
				if boost[p] == pr.Topic {
					x *= 8
				} else if pr.Topic != TopicPharmacy {
					x *= 0.15 // others rarely browse health-revealing goods
				}
			}
			total += x
			cum[k] = total
		}
		out[p] = cum
	}
	return out
})

// activity parameters: sessions, messages per session, add-to-cart and
// checkout probabilities.
type activityParams struct {
	sessions  [2]int
	budget    [2]int
	addP      float64
	checkoutP float64
}

var activityTable = map[Activity]activityParams{
	ActivityDormant: {[2]int{1, 1}, [2]int{2, 4}, 0.05, 0.2},
	ActivityLight:   {[2]int{2, 3}, [2]int{4, 9}, 0.12, 0.45},
	ActivityRegular: {[2]int{3, 6}, [2]int{5, 12}, 0.15, 0.55},
	ActivityHeavy:   {[2]int{8, 16}, [2]int{8, 18}, 0.25, 0.75},
}

// sim simulates one subject's browsing into events.
type sim struct {
	c       config
	s       *shopper
	r       *rand.Rand
	cat     *catalogTable
	weights []float64
	p       activityParams

	events     []event
	cursor     int64
	anon       bool
	cart       []line
	cartSeq    int
	orderSeq   int
	lastURL    string
	identified bool
}

func simulate(c config, s *shopper, buf []event) []event {
	m := &sim{
		c: c, s: s, r: newRand(c.Seed, s.Index, streamEvents),
		cat: loadCatalog(), weights: personaTables()[s.Persona], p: activityTable[s.Activity],
		events: buf[:0],
	}
	offset := s.country.offset * hour
	first := s.FirstSeen.UnixMilli()
	changed := s.Consent.ChangedAt.UnixMilli()
	hasChange := !s.Consent.ChangedAt.IsZero()

	n := m.p.sessions[0] + m.r.IntN(m.p.sessions[1]-m.p.sessions[0]+1)
	starts := make([]int64, 0, n+1)
	for range n - 1 {
		starts = append(starts, sessionStart(m.r, first+hour, m.c.end-2*hour, offset))
	}
	if hasChange && !slices.ContainsFunc(starts, func(t int64) bool { return t > changed+hour }) {
		starts = append(starts, sessionStart(m.r, changed+hour, m.c.end-2*hour, offset))
	}
	slices.Sort(starts)

	m.session(first, true)
	for _, t := range starts {
		if t < m.cursor+30*minute {
			continue // still inside the previous visit
		}
		m.session(t, false)
	}
	if hasChange {
		// The choice is changed in the privacy center, outside a shopping visit.
		m.events = append(m.events, event{at: changed, kind: kindTrack, name: EventConsentPreferences, product: -1})
	}

	// Chronological order, except that the identify goes first so that every
	// consumer knows the subject (and its age band) before any other message.
	slices.SortStableFunc(m.events, func(a, b event) int { return cmp.Compare(a.at, b.at) })
	if k := slices.IndexFunc(m.events, func(e event) bool { return e.kind == kindIdentify }); k > 0 {
		id := m.events[k]
		copy(m.events[1:k+1], m.events[:k])
		m.events[0] = id
	}
	return m.events
}

func (m *sim) emit(e event) {
	e.anon = m.anon
	if e.at == 0 {
		m.cursor += between(m.r, minGap, maxGap)
		e.at = m.cursor
	}
	m.events = append(m.events, e)
}

func (m *sim) page(name, url, ref string, product int32, query string) {
	m.emit(event{kind: kindPage, name: name, product: product, query: query, ref: ref})
	m.lastURL = url
}

func (m *sim) session(start int64, first bool) {
	m.cursor = start
	m.anon = first
	m.lastURL = ""
	if first && m.s.Consent.Given {
		// The banner choice, made on arrival.
		m.emit(event{at: start, kind: kindTrack, name: EventConsentPreferences, product: -1})
	}
	budget := m.p.budget[0] + m.r.IntN(m.p.budget[1]-m.p.budget[0]+1)
	if chance(m.r, 0.75) {
		m.page(PageHome, shopURL+"/", externalRef, -1, "")
	} else {
		p := m.drawProduct()
		m.page(PageProduct, m.cat.url[p], externalRef, p, "")
		m.track(EventProductViewed, p)
	}
	actions := 0
	for budget > 0 {
		if first && !m.identified && actions >= m.s.preLogin {
			m.identify()
		}
		before := len(m.events)
		switch {
		case first && !m.identified:
			// Anonymous browsing is plain product views: two messages per
			// action, which bounds how long it lasts (see newShopper).
			p := m.drawProduct()
			m.page(PageProduct, m.cat.url[p], m.lastURL, p, "")
			m.track(EventProductViewed, p)
		case chance(m.r, 0.35):
			m.search()
		case len(m.cart) > 0 && chance(m.r, 0.08):
			k := m.r.IntN(len(m.cart))
			m.trackLine(EventProductRemoved, m.cart[k])
			m.cart = slices.Delete(m.cart, k, k+1)
		default:
			m.view(m.drawProduct())
		}
		actions++
		budget -= len(m.events) - before
	}
	if first && !m.identified {
		m.identify()
	}
	m.checkout()
}

func (m *sim) identify() {
	m.identified = true
	m.anon = false
	m.cursor = m.s.IdentifiedAt.UnixMilli()
	m.events = append(m.events, event{at: m.cursor, kind: kindIdentify, product: -1})
}

func (m *sim) drawProduct() int32 {
	x := m.r.Float64() * m.weights[len(m.weights)-1]
	k, _ := slices.BinarySearch(m.weights, x)
	return int32(min(k, len(m.weights)-1))
}

func (m *sim) search() {
	p := m.drawProduct()
	pr := &m.cat.products[p]
	q := pr.Query
	if m.s.zh {
		q = pr.QueryZH
	}
	m.page(PageSearch, m.cat.queryURL[q], m.lastURL, -1, q)
	m.emit(event{kind: kindTrack, name: EventProductsSearched, product: -1, query: q})
	// Look at one to three results in the same category.
	ids := m.cat.byCat[pr.Category]
	m.view(p)
	for range m.r.IntN(3) {
		m.view(int32(ids[m.r.IntN(len(ids))]))
	}
}

func (m *sim) view(p int32) {
	m.page(PageProduct, m.cat.url[p], m.lastURL, p, "")
	m.track(EventProductViewed, p)
	if chance(m.r, m.p.addP) && len(m.cart) < maxCartLines {
		qty := int32(1)
		if x := m.r.Float64(); x < 0.05 {
			qty = 3
		} else if x < 0.15 {
			qty = 2
		}
		l := line{p, qty}
		m.trackLine(EventProductAdded, l)
		if k := slices.IndexFunc(m.cart, func(c line) bool { return c.product == p }); k >= 0 {
			m.cart[k].qty += qty
		} else {
			m.cart = append(m.cart, l)
		}
	}
}

func (m *sim) track(name string, p int32) {
	m.emit(event{kind: kindTrack, name: name, product: p})
}

func (m *sim) trackLine(name string, l line) {
	m.emit(event{kind: kindTrack, name: name, product: l.product, qty: l.qty, cartID: m.cartID()})
}

func (m *sim) cartID() string {
	return "c-" + m.s.hexID[:10] + "-" + strconv.Itoa(m.cartSeq)
}

func (m *sim) checkout() {
	if len(m.cart) == 0 || !chance(m.r, 0.7) {
		return
	}
	snapshot := slices.Clone(m.cart)
	m.page(PageCart, shopURL+"/cart", m.lastURL, -1, "")
	m.emit(event{kind: kindTrack, name: EventCartViewed, product: -1, cartID: m.cartID(), lines: snapshot})
	if !chance(m.r, m.p.checkoutP) {
		return
	}
	m.orderSeq++
	o := &order{id: "o-" + m.s.hexID[:10] + "-" + strconv.Itoa(m.orderSeq), lines: snapshot}
	for _, l := range snapshot {
		o.subtotal += m.cat.products[l.product].Price(m.s.currency) * int64(l.qty)
	}
	o.shipping = shippingCents(m.s.currency, o.subtotal)
	m.page(PageCheckout, shopURL+"/checkout", m.lastURL, -1, "")
	m.emit(event{kind: kindTrack, name: EventCheckoutStarted, product: -1, lines: snapshot, order: o})
	if !chance(m.r, 0.8) {
		return // abandoned at payment; the cart stays for a later visit
	}
	m.emit(event{kind: kindTrack, name: EventOrderCompleted, product: -1, lines: snapshot, order: o})
	m.cart = nil
	m.cartSeq++
	if chance(m.r, 0.04) {
		at := m.cursor + between(m.r, 3*day, 14*day)
		if at < m.c.end {
			m.events = append(m.events, event{at: at, kind: kindTrack, name: EventOrderRefunded, product: -1, order: o})
		}
	}
}

// shippingCents is free over a threshold, a flat fee otherwise.
func shippingCents(currency string, subtotal int64) int64 {
	switch currency {
	case "CNY":
		if subtotal >= 9900 {
			return 0
		}
		return 1000
	case "EUR":
		if subtotal >= 4900 {
			return 0
		}
		return 499
	default:
		if subtotal >= 4900 {
			return 0
		}
		return 599
	}
}
