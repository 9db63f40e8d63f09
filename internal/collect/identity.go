package collect

import (
	"context"
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

// resolve decides which subject each message is about, following Segment's identity
// semantics: a message carrying both userId and anonymousId says they are one person; an
// alias says previousId and userId are one person. The known customer (userId) survives a
// merge; the anonymous history joins it.
func (c *Collector) resolve(ctx context.Context, tx store.Tx, sourceID string, msgs []segmentspec.Message) (*plan, error) {
	p := &plan{subjectOf: make([]string, len(msgs)), mergedInto: map[string]string{}}
	type ids struct{ user, anon, prevUser, prevAnon store.IdentityKey }
	keys := make([]ids, len(msgs))
	var all []store.IdentityKey
	mk := func(kind, v string) (store.IdentityKey, error) {
		if v == "" {
			return store.IdentityKey{}, nil
		}
		h, err := c.cfg.Index.Index(kind, v)
		if err != nil {
			return store.IdentityKey{}, err
		}
		k := store.IdentityKey{Kind: kind, Hash: string(h)}
		all = append(all, k)
		return k, nil
	}
	for i := range msgs {
		m := &msgs[i]
		var err error
		if keys[i].user, err = mk(store.IdentityUserID, m.UserID); err != nil {
			return nil, err
		}
		if keys[i].anon, err = mk(store.IdentityAnonymousID, m.AnonymousID); err != nil {
			return nil, err
		}
		if m.Type == segmentspec.TypeAlias {
			if keys[i].prevUser, err = mk(store.IdentityUserID, m.PreviousID); err != nil {
				return nil, err
			}
			if keys[i].prevAnon, err = mk(store.IdentityAnonymousID, m.PreviousID); err != nil {
				return nil, err
			}
		}
	}
	known, err := tx.LookupIdentities(ctx, all)
	if err != nil {
		return nil, err
	}
	now := c.cfg.Now().UTC().Truncate(time.Microsecond)
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
		id := NewSubjectID()
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
	return p, nil
}
