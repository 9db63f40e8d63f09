package stored_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// world is a fake store and reader: subjects with events, a consent ledger reduced to who
// refuses the purpose, merges, erasure and data keys, and a count of reads per person.
type world struct {
	mu        sync.Mutex
	seq, cseq int64
	subjects  map[string]*fsub
	consents  []fchange
	keys      map[string]bool
	reads     map[string]int
	dialect   string
}

type fsub struct {
	mergedInto string
	refuses    bool // consent refuses the purpose: the reader shows nothing
	events     []access.Event
}

type fchange struct {
	seq int64
	id  string
}

func newWorld() *world {
	return &world{subjects: map[string]*fsub{}, keys: map[string]bool{}, reads: map[string]int{}, dialect: "sqlite"}
}

// track stores an event for id (creating the subject and its key).
func (w *world) track(id, name string, at time.Time, fields map[string]any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.subjects[id]
	if s == nil {
		s = &fsub{}
		w.subjects[id] = s
		w.keys[id] = true
	}
	w.seq++
	typ := "track"
	if name == "identify" || name == "page" {
		typ = name
	}
	if fields == nil {
		fields = map[string]any{}
	}
	s.events = append(s.events, access.Event{Seq: w.seq, Type: typ, Name: name, OccurredAt: at, Fields: fields})
}

func (w *world) consent(id string, refuses bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cseq++
	w.subjects[id].refuses = refuses
	w.consents = append(w.consents, fchange{w.cseq, id})
}

// merge moves from's events onto into, keeping their seqs (as the stores do).
func (w *world) merge(from, into string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f, t := w.subjects[from], w.subjects[into]
	t.events = append(t.events, f.events...)
	slices.SortFunc(t.events, func(a, b access.Event) int { return int(a.Seq - b.Seq) })
	f.events, f.mergedInto = nil, into
}

func (w *world) erase(id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.subjects, id)
	delete(w.keys, id)
}

func (w *world) readsOf() map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string]int{}
	for k, v := range w.reads {
		out[k] = v
	}
	clear(w.reads)
	return out
}

func (w *world) DataVersion(context.Context) (store.DataVersion, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	v := store.DataVersion{EventSeq: w.seq, ConsentSeq: w.cseq, Consents: int64(len(w.consents)), Keys: int64(len(w.keys))}
	for _, s := range w.subjects {
		v.Events += int64(len(s.events))
		if s.mergedInto == "" {
			v.Subjects++
		}
	}
	return v, nil
}

func (w *world) ConsentChanges(_ context.Context, seq int64, limit int) ([]string, int64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	last := seq
	for _, c := range w.consents {
		if c.seq > seq && len(out) < limit {
			if !slices.Contains(out, c.id) {
				out = append(out, c.id)
			}
			last = c.seq
		}
	}
	return out, last, nil
}

func (w *world) LiveSubjects(_ context.Context, after string, limit int) ([]string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for id, s := range w.subjects {
		if s.mergedInto == "" && id > after {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (w *world) ChangedSubjects(_ context.Context, seq int64, limit int) ([]string, int64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	type row struct {
		seq int64
		id  string
	}
	var rows []row
	for id, s := range w.subjects {
		for _, e := range s.events {
			if e.Seq > seq {
				rows = append(rows, row{e.Seq, id})
			}
		}
	}
	slices.SortFunc(rows, func(a, b row) int { return int(a.seq - b.seq) })
	var out []string
	last := seq
	for i, r := range rows {
		if i == limit {
			break
		}
		if !slices.Contains(out, r.id) {
			out = append(out, r.id)
		}
		last = r.seq
	}
	return out, last, nil
}

func (w *world) SubjectFamily(_ context.Context, id string) ([]string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := []string{id}
	for other, s := range w.subjects {
		if s.mergedInto == id {
			out = append(out, other)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (w *world) Subject(_ context.Context, id string) (store.Subject, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s, ok := w.subjects[id]
	if !ok {
		return store.Subject{}, store.ErrNotFound
	}
	return store.Subject{ID: id, MergedInto: s.mergedInto}, nil
}

func (w *world) Dialect() string { return w.dialect }

func (w *world) EventsPage(_ context.Context, req access.Request) ([]access.Event, access.Page, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if req.Purpose == "" || req.Viewer != access.ViewerSystem {
		return nil, access.Page{}, fmt.Errorf("fake reader: a read names its purpose and the system viewer: %+v", req)
	}
	if req.After == 0 {
		w.reads[req.SubjectID]++
	}
	pg := access.Page{Last: req.After}
	s := w.subjects[req.SubjectID]
	if s == nil {
		return nil, pg, nil
	}
	var out []access.Event
	n := 0
	for _, e := range s.events {
		if e.Seq <= req.After {
			continue
		}
		if n == req.Limit {
			pg.More = true
			break
		}
		n++
		pg.Last = e.Seq
		if !s.refuses {
			if req.Raw {
				raw, err := json.Marshal(e.Fields)
				if err != nil {
					return nil, pg, err
				}
				e.Raw, e.Fields = raw, nil
			}
			out = append(out, e)
		}
	}
	return out, pg, nil
}

func (w *world) SealExtract(_ context.Context, req access.Request, b []byte) ([]byte, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.keys[req.SubjectID] {
		return nil, vault.ErrShredded
	}
	return append([]byte("sealed|"+req.SubjectID+"|"+req.Purpose+"|"), b...), nil
}

func (w *world) OpenExtract(_ context.Context, req access.Request, sealed []byte) ([]byte, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.keys[req.SubjectID] {
		return nil, nil
	}
	prefix := []byte("sealed|" + req.SubjectID + "|" + req.Purpose + "|")
	if !bytes.HasPrefix(sealed, prefix) {
		return nil, fmt.Errorf("fake reader: extract sealed for another subject or purpose")
	}
	return bytes.Clone(sealed[len(prefix):]), nil
}

// profiles is a fake profile engine.
type profiles struct {
	notReady bool
	tags     map[string][2]string // name → purpose, comma-separated members
	segs     map[string][2]string
}

func (p *profiles) CheckReady() error {
	if p.notReady {
		return fmt.Errorf("profiles are still loading")
	}
	return nil
}

func members(m map[string][2]string, name string) (string, []string, bool) {
	v, ok := m[name]
	if !ok {
		return "", nil, false
	}
	var ids []string
	if v[1] != "" {
		ids = strings.Split(v[1], ",")
	}
	return v[0], ids, true
}

func (p *profiles) TagMembers(name string) (string, []string, bool)     { return members(p.tags, name) }
func (p *profiles) SegmentMembers(name string) (string, []string, bool) { return members(p.segs, name) }
