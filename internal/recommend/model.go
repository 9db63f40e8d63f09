package recommend

import (
	"cmp"
	"math"
	"slices"
	"sync"
	"time"
)

// Kind is what a person did with an item; a stronger signal weighs more.
type Kind uint8

// Kinds of interaction.
const (
	Viewed Kind = iota + 1
	Carted
	Bought
)

func (k Kind) weight() float64 { return float64(k) }

// Interaction is one thing a person did with an item.
type Interaction struct {
	Item string
	Kind Kind
	At   time.Time
}

// ItemInfo is what the shop's events say about an item (catalogue data, not personal).
type ItemInfo struct {
	Name     string
	Category string
}

// held is one item in a person's recent history.
type held struct {
	item uint32
	kind Kind
	at   time.Time
}

// member is the model's bookkeeping for one person.
type member struct {
	lastSeq   int64
	family    []string
	permitted bool
	recent    []held              // personal history (nil unless permitted), oldest first
	seen      map[uint32]struct{} // items counted in popularity
}

// neighbour is an item and how strongly it co-occurs with another.
type neighbour struct {
	item uint32
	sim  float64
}

// model is the recommender's state: item-to-item co-occurrence over the personal
// histories the purpose may read, popularity over the aggregate reads, and each person's
// recent items. It does no I/O; Recommender feeds it.
type model struct {
	k         int // recent items kept per person
	m         int // neighbours kept per item
	minPeople int // co-occurrence and popularity need at least this many people
	sensitive map[string]bool

	mu      sync.RWMutex
	ids     map[string]uint32
	items   []string
	info    []ItemInfo
	people  map[string]*member
	co      []map[uint32]int32 // co[a][b]: people with both a and b in their history
	n       []int32            // n[a]: people with a in their history
	pop     []int32            // pop[a]: people counted with a in popularity
	dirty   map[uint32]bool    // items whose neighbours must be recomputed
	nbrs    [][]neighbour
	popular []uint32 // items by popularity, at least minPeople each
	popOK   bool
}

func newModel(k, m, minPeople int, sensitive []string) *model {
	s := map[string]bool{}
	for _, c := range sensitive {
		s[c] = true
	}
	return &model{k: k, m: m, minPeople: minPeople, sensitive: s, ids: map[string]uint32{}, people: map[string]*member{},
		dirty: map[uint32]bool{}}
}

// intern returns an item's dense id. Caller holds mu.
func (md *model) intern(item string) uint32 {
	if id, ok := md.ids[item]; ok {
		return id
	}
	id := uint32(len(md.items))
	md.ids[item] = id
	md.items = append(md.items, item)
	md.info = append(md.info, ItemInfo{})
	md.co = append(md.co, nil)
	md.n = append(md.n, 0)
	md.pop = append(md.pop, 0)
	md.nbrs = append(md.nbrs, nil)
	return id
}

// usable reports whether an item may anchor or be a personalised result: items of a
// sensitive product category reveal something about the buyer (SG-01: health-revealing
// purchases are sensitive) and are never used on a person.
func (md *model) usable(id uint32) bool { return !md.sensitive[md.info[id].Category] }

// update is what a read brought for one person.
type update struct {
	subjectID string
	full      bool // replaces what the model held (else adds to it)
	lastSeq   int64
	family    []string
	permitted bool
	personal  []Interaction
	aggregate []Interaction
	items     map[string]ItemInfo
}

// apply folds one person's read into the model.
func (md *model) apply(u update) {
	md.mu.Lock()
	defer md.mu.Unlock()
	for name, inf := range u.items {
		id := md.intern(name)
		if inf.Name != "" {
			md.info[id].Name = inf.Name
		}
		if inf.Category != "" {
			md.info[id].Category = inf.Category
		}
	}
	p := md.people[u.subjectID]
	if p == nil {
		p = &member{seen: map[uint32]struct{}{}}
		md.people[u.subjectID] = p
	}
	for _, other := range u.family {
		if other != u.subjectID {
			md.forget(other) // merged into this person: their history is read as theirs now
		}
	}
	old := p.recent
	if u.full {
		for id := range p.seen {
			md.pop[id]--
		}
		p.seen = map[uint32]struct{}{}
		p.recent = nil
		md.popOK = false
	}
	p.family, p.permitted = u.family, u.permitted
	if u.lastSeq > p.lastSeq || u.full {
		p.lastSeq = u.lastSeq
	}
	for _, in := range u.aggregate {
		id := md.intern(in.Item)
		if _, ok := p.seen[id]; !ok && len(p.seen) < maxSeen {
			p.seen[id] = struct{}{}
			md.pop[id]++
			md.popOK = false
		}
	}
	if !u.permitted {
		p.recent = nil
	} else {
		for _, in := range u.personal {
			p.recent = remember(p.recent, held{item: md.intern(in.Item), kind: in.Kind, at: in.At}, md.k)
		}
	}
	md.retally(old, p.recent)
}

// maxSeen bounds the items one person adds to popularity.
const maxSeen = 500

// remember adds h to a history of distinct items, oldest first, keeping the strongest kind
// and the latest time of each item and at most k items.
func remember(hist []held, h held, k int) []held {
	for i := range hist {
		if hist[i].item == h.item {
			if h.kind < hist[i].kind {
				h.kind = hist[i].kind
			}
			if h.at.Before(hist[i].at) {
				h.at = hist[i].at
			}
			hist = append(hist[:i:i], hist[i+1:]...)
			break
		}
	}
	i, _ := slices.BinarySearchFunc(hist, h.at, func(x held, t time.Time) int { return x.at.Compare(t) })
	hist = slices.Insert(slices.Clip(hist), i, h)
	if len(hist) > k {
		hist = hist[len(hist)-k:]
	}
	return hist
}

// retally moves one person's contribution to co-occurrence from the items in old to those
// in cur. Caller holds mu.
func (md *model) retally(old, cur []held) {
	if sameItems(old, cur) {
		return
	}
	md.pairs(old, -1)
	md.pairs(cur, +1)
}

func sameItems(a, b []held) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].item != b[i].item {
			return false
		}
	}
	return true
}

func (md *model) pairs(hist []held, d int32) {
	for i, x := range hist {
		md.n[x.item] += d
		md.dirty[x.item] = true
		for _, y := range hist[i+1:] {
			md.bump(x.item, y.item, d)
			md.bump(y.item, x.item, d)
		}
	}
}

func (md *model) bump(a, b uint32, d int32) {
	m := md.co[a]
	if m == nil {
		m = map[uint32]int32{}
		md.co[a] = m
	}
	if v := m[b] + d; v > 0 {
		m[b] = v
	} else {
		delete(m, b)
	}
}

// forget removes a person and everything they contributed. Caller holds mu.
func (md *model) forget(subjectID string) {
	p := md.people[subjectID]
	if p == nil {
		return
	}
	md.retally(p.recent, nil)
	for id := range p.seen {
		md.pop[id]--
	}
	md.popOK = false
	delete(md.people, subjectID)
}

// Forget removes people from the model (erasure).
func (md *model) Forget(subjectIDs ...string) {
	md.mu.Lock()
	defer md.mu.Unlock()
	for _, id := range subjectIDs {
		md.forget(id)
	}
}

// settle recomputes the neighbour lists of changed items and the popularity ranking, so
// requests only read. Caller holds mu.
func (md *model) settle() {
	for a := range md.dirty {
		md.nbrs[a] = md.neighbours(a)
	}
	clear(md.dirty)
	if !md.popOK {
		md.popular = md.popular[:0]
		for id, c := range md.pop {
			if int(c) >= md.minPeople {
				md.popular = append(md.popular, uint32(id))
			}
		}
		slices.SortFunc(md.popular, func(a, b uint32) int {
			if c := cmp.Compare(md.pop[b], md.pop[a]); c != 0 {
				return c
			}
			return cmp.Compare(md.items[a], md.items[b])
		})
		md.popOK = true
	}
}

// Settle is settle under the lock.
func (md *model) Settle() {
	md.mu.Lock()
	defer md.mu.Unlock()
	md.settle()
}

// neighbours ranks the items co-occurring with a by cosine similarity, keeping the m
// strongest that at least minPeople people share with a (a pair one person made is never
// shown to another: it would tell them what that person did).
func (md *model) neighbours(a uint32) []neighbour {
	var out []neighbour
	for b, c := range md.co[a] {
		if int(c) < md.minPeople || md.n[a] == 0 || md.n[b] == 0 {
			continue
		}
		out = append(out, neighbour{item: b, sim: float64(c) / math.Sqrt(float64(md.n[a])*float64(md.n[b]))})
	}
	slices.SortFunc(out, func(x, y neighbour) int {
		if c := cmp.Compare(y.sim, x.sim); c != 0 {
			return c
		}
		return cmp.Compare(md.items[x.item], md.items[y.item])
	})
	if len(out) > md.m {
		out = slices.Clip(out[:md.m])
	}
	return out
}

// Scored is one result of the model.
type Scored struct {
	Item         string
	Info         ItemInfo
	Personalised bool
	// Anchor is the person's own item that contributed most (personalised results only).
	Anchor     string
	AnchorInfo ItemInfo
	AnchorKind Kind
}

// scratch is a request's accumulator, indexed by item id and reused across requests: a
// request touches a few hundred items, so it resets only those.
type scratch struct {
	score   []float64
	best    []float64
	anchor  []held
	mark    []uint32 // mark[id] == gen: the item is taken (the person's own, or chosen)
	gen     uint32
	touched []uint32
	top     []uint32
}

var scratchPool = sync.Pool{New: func() any { return &scratch{} }}

func (s *scratch) fit(n int) {
	if len(s.score) < n {
		n = max(n, 2*len(s.score))
		s.score, s.best, s.anchor, s.mark = make([]float64, n), make([]float64, n), make([]held, n), make([]uint32, n)
		s.gen = 0
	}
	s.gen++
	if s.gen == 0 { // wrapped: old marks could collide
		clear(s.mark)
		s.gen = 1
	}
}

// decay[i] weighs the i-th newest item of a history: 0.9 per step back.
var decay = func() []float64 {
	d := make([]float64, 256)
	for i := range d {
		d[i] = math.Pow(0.9, float64(i))
	}
	return d
}()

// Recommend returns up to n items for a person: personalised ones from their recent
// history when personal is true and the model holds one, filled up with popular items. A
// non-personalised answer is the same for everyone (PT-03): it does not even leave out
// what the person saw, since that would use their data.
func (md *model) Recommend(subjectID string, personal bool, n int) []Scored {
	md.mu.RLock()
	defer md.mu.RUnlock()
	out := make([]Scored, 0, n)
	var mine []held
	if personal {
		if p := md.people[subjectID]; p != nil && p.permitted {
			mine = p.recent
		}
	}
	if len(mine) == 0 {
		for _, id := range md.popular[:min(n, len(md.popular))] {
			out = append(out, Scored{Item: md.items[id], Info: md.info[id]})
		}
		return out
	}
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	s.fit(len(md.items))
	for _, h := range mine {
		s.mark[h.item] = s.gen
	}
	s.touched, s.top = s.touched[:0], s.top[:0]
	for rank, h := range mine {
		if !md.usable(h.item) {
			continue
		}
		w := h.kind.weight() * decay[min(len(mine)-1-rank, len(decay)-1)]
		for _, nb := range md.nbrs[h.item] {
			if s.mark[nb.item] == s.gen || !md.usable(nb.item) {
				continue
			}
			if s.score[nb.item] == 0 {
				s.touched = append(s.touched, nb.item)
			}
			c := w * nb.sim
			s.score[nb.item] += c
			if c > s.best[nb.item] {
				s.best[nb.item], s.anchor[nb.item] = c, h
			}
		}
	}
	// The n best, by score then id: an insertion into a short sorted list.
	better := func(a, b uint32) bool {
		if s.score[a] != s.score[b] {
			return s.score[a] > s.score[b]
		}
		return md.items[a] < md.items[b]
	}
	for _, id := range s.touched {
		if len(s.top) == n && !better(id, s.top[n-1]) {
			continue
		}
		i := len(s.top)
		if i < n {
			s.top = append(s.top, id)
		} else {
			i = n - 1
		}
		for ; i > 0 && better(id, s.top[i-1]); i-- {
			s.top[i] = s.top[i-1]
		}
		s.top[i] = id
	}
	for _, id := range s.top {
		a := s.anchor[id]
		out = append(out, Scored{Item: md.items[id], Info: md.info[id], Personalised: true, Anchor: md.items[a.item],
			AnchorInfo: md.info[a.item], AnchorKind: a.kind})
		s.mark[id] = s.gen
	}
	for _, id := range s.touched {
		s.score[id], s.best[id] = 0, 0
	}
	for _, id := range md.popular {
		if len(out) == n {
			break
		}
		if s.mark[id] != s.gen {
			out = append(out, Scored{Item: md.items[id], Info: md.info[id]})
		}
	}
	return out
}

// cursorOf returns the seq up to which a person was read and what the model knew of them.
func (md *model) state(subjectID string) (lastSeq int64, family []string, permitted, known bool) {
	md.mu.RLock()
	defer md.mu.RUnlock()
	p := md.people[subjectID]
	if p == nil {
		return 0, nil, false, false
	}
	return p.lastSeq, p.family, p.permitted, true
}

// people lists the people the model holds.
func (md *model) members() []string {
	md.mu.RLock()
	defer md.mu.RUnlock()
	out := make([]string, 0, len(md.people))
	for id := range md.people {
		out = append(out, id)
	}
	return out
}
