package collect

import (
	"slices"
	"time"

	"github.com/stewardhq/steward/internal/collect/segmentspec"
	"github.com/stewardhq/steward/internal/store"
)

// plan is the identity work a batch needs: new subjects, new links, merges, and the subject
// each message belongs to.
type plan struct {
	subjects  []store.Subject
	links     []store.IdentityLink
	merges    []merge
	subjectOf []string
	// mergedInto follows merges made within this batch.
	mergedInto map[string]string
}

type merge struct {
	from, into, reason string
	at                 time.Time
}

// final follows merges made in this batch to the surviving subject.
func (p *plan) final(s string) string {
	for {
		next, ok := p.mergedInto[s]
		if !ok {
			return s
		}
		s = next
	}
}

// idKeys are the blind-indexed identifiers of a request's messages, computed once.
type idKeys struct {
	msgs []msgKeys
	all  []store.IdentityKey
}

type msgKeys struct{ user, anon, prevUser, prevAnon store.IdentityKey }

func (c *Collector) identityKeys(msgs []segmentspec.Message) (*idKeys, error) {
	ik := &idKeys{msgs: make([]msgKeys, len(msgs))}
	// A batch usually comes from one visitor: each identifier is indexed and looked up
	// once, not once per message.
	seen := map[[2]string]store.IdentityKey{}
	mk := func(kind, v string) (store.IdentityKey, error) {
		if v == "" {
			return store.IdentityKey{}, nil
		}
		if k, ok := seen[[2]string{kind, v}]; ok {
			return k, nil
		}
		h, err := c.cfg.Index.Index(kind, v)
		if err != nil {
			return store.IdentityKey{}, err
		}
		k := store.IdentityKey{Kind: kind, Hash: string(h)}
		seen[[2]string{kind, v}] = k
		ik.all = append(ik.all, k)
		return k, nil
	}
	for i := range msgs {
		m, keys := &msgs[i], &ik.msgs[i]
		var err error
		if keys.user, err = mk(store.IdentityUserID, m.UserID); err != nil {
			return nil, err
		}
		if keys.anon, err = mk(store.IdentityAnonymousID, m.AnonymousID); err != nil {
			return nil, err
		}
		if m.Type == segmentspec.TypeAlias {
			if keys.prevUser, err = mk(store.IdentityUserID, m.PreviousID); err != nil {
				return nil, err
			}
			if keys.prevAnon, err = mk(store.IdentityAnonymousID, m.PreviousID); err != nil {
				return nil, err
			}
		}
	}
	return ik, nil
}

// plan decides which subject each message is about, given the identifiers already known,
// following Segment's identity semantics: a message carrying both userId and anonymousId
// says they are one person; an alias says previousId and userId are one person. The known
// customer (userId) survives a merge; the anonymous history joins it. New subjects take
// their ids from reuse first (so a plan made again inside the transaction can be compared
// with the prepared one), then fresh ones. known is modified.
func (c *Collector) plan(sourceID string, msgs []segmentspec.Message, ik *idKeys, known map[store.IdentityKey]string, now time.Time, reuse []string) *plan {
	p := &plan{subjectOf: make([]string, len(msgs)), mergedInto: map[string]string{}}
	keys := ik.msgs
	lookup := func(k store.IdentityKey) string {
		if k.Kind == "" {
			return ""
		}
		if s, ok := known[k]; ok {
			return p.final(s)
		}
		return ""
	}
	link := func(k store.IdentityKey, sub string) {
		if k.Kind == "" {
			return
		}
		if _, ok := known[k]; ok {
			return
		}
		known[k] = sub
		p.links = append(p.links, store.IdentityLink{Key: k, SubjectID: sub, CreatedAt: now})
	}
	newSubject := func() string {
		var id string
		if len(reuse) > 0 {
			id, reuse = reuse[0], reuse[1:]
		} else {
			id = NewSubjectID()
		}
		p.subjects = append(p.subjects, store.Subject{ID: id, SourceID: sourceID, CreatedAt: now})
		return id
	}
	join := func(from, into, reason string) {
		if from == "" || into == "" || from == into {
			return
		}
		p.merges = append(p.merges, merge{from: from, into: into, reason: reason, at: now})
		p.mergedInto[from] = into
	}
	for i := range msgs {
		k := keys[i]
		var sub string
		if msgs[i].Type == segmentspec.TypeAlias {
			prev := lookup(k.prevAnon)
			if prev == "" {
				prev = lookup(k.prevUser)
			}
			cur := lookup(k.user)
			switch {
			case prev != "" && cur != "":
				join(prev, cur, "alias")
				sub = cur
			case prev != "":
				sub = prev
			case cur != "":
				sub = cur
				link(k.prevUser, cur)
			default:
				sub = newSubject()
				link(k.prevUser, sub)
			}
			link(k.user, sub)
			p.subjectOf[i] = sub
			continue
		}
		su, sa := lookup(k.user), lookup(k.anon)
		switch {
		case su != "" && sa != "":
			join(sa, su, string(msgs[i].Type))
			sub = su
		case su != "":
			sub = su
		case sa != "":
			sub = sa
		default:
			sub = newSubject()
		}
		link(k.user, sub)
		link(k.anon, sub)
		p.subjectOf[i] = sub
	}
	return p
}

// newIDs returns the ids of the subjects the plan creates, in order.
func (p *plan) newIDs() []string {
	ids := make([]string, len(p.subjects))
	for i, s := range p.subjects {
		ids[i] = s.ID
	}
	return ids
}

// same reports whether two plans make the same subjects, links and merges and put every
// message with the same subject.
func (p *plan) same(q *plan) bool {
	if !slices.Equal(p.subjectOf, q.subjectOf) || len(p.subjects) != len(q.subjects) || len(p.links) != len(q.links) || len(p.merges) != len(q.merges) {
		return false
	}
	for i := range p.subjects {
		if p.subjects[i].ID != q.subjects[i].ID {
			return false
		}
	}
	for i := range p.links {
		if p.links[i].Key != q.links[i].Key || p.links[i].SubjectID != q.links[i].SubjectID {
			return false
		}
	}
	for i := range p.merges {
		a, b := p.merges[i], q.merges[i]
		if a.from != b.from || a.into != b.into || a.reason != b.reason {
			return false
		}
	}
	return true
}
