package collect

import (
	"context"
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
	held      []store.HeldLink
	subjectOf []string
	// mergedInto follows merges made within this batch.
	mergedInto map[string]string
	// userLinked marks subjects this plan gave a userId: identified from here on.
	userLinked map[string]bool
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

// Origin says where a request came from: its source, and whether that source's write key
// is server-side (used only by the shop's own servers, never shipped to a browser).
type Origin struct {
	SourceID   string
	ServerSide bool
}

// identityCandidates lists the known subjects a message could merge away or give a second
// userId to: those its anonymousId or alias previousId resolve to, when the message also
// names a userId that resolves elsewhere or nowhere. Only these need asking whether they
// are identified; most requests have none, and ingestion asks the store nothing more.
func identityCandidates(ik *idKeys, known map[store.IdentityKey]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, k := range ik.msgs {
		if k.user.Kind == "" {
			continue
		}
		su := known[k.user]
		for _, o := range [...]store.IdentityKey{k.anon, k.prevAnon, k.prevUser} {
			if s := known[o]; o.Kind != "" && s != "" && s != su && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// identified asks which candidate subjects hold a userId already.
func identified(ctx context.Context, st interface {
	IdentifiedSubjects(context.Context, []string) (map[string]bool, error)
}, ik *idKeys, known map[store.IdentityKey]string) (map[string]bool, error) {
	c := identityCandidates(ik, known)
	if len(c) == 0 {
		return nil, nil
	}
	return st.IdentifiedSubjects(ctx, c)
}

// plan decides which subject each message is about, given the identifiers already known,
// following Segment's identity semantics: a message carrying both userId and anonymousId
// says they are one person; an alias says previousId and userId are one person. The known
// customer (userId) survives a merge; the anonymous history joins it.
//
// Except that the write key is public (issue 17 item 1): from a client-side origin, a link
// that would join two identified people (each holding a userId, ident says which known
// ones do) is not made. It is held for an operator (p.held), and the message goes to the
// subject it resolves to without the link: its userId's, or a new subject for a new
// userId. Anonymous → identified links stay automatic. A client-side alias whose
// previousId nobody has yet links it as an anonymousId, never as a userId, so nobody can
// pre-claim another person's future userId. A server-side origin merges as Segment says.
//
// New subjects take their ids from reuse first (so a plan made again inside the
// transaction can be compared with the prepared one), then fresh ones. known is modified.
func (c *Collector) plan(origin Origin, msgs []segmentspec.Message, ik *idKeys, known map[store.IdentityKey]string, ident map[string]bool, now time.Time, reuse []string) *plan {
	p := &plan{subjectOf: make([]string, len(msgs)), mergedInto: map[string]string{}, userLinked: map[string]bool{}}
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
		if k.Kind == store.IdentityUserID {
			p.userLinked[sub] = true
		}
	}
	newSubject := func() string {
		var id string
		if len(reuse) > 0 {
			id, reuse = reuse[0], reuse[1:]
		} else {
			id = NewSubjectID()
		}
		p.subjects = append(p.subjects, store.Subject{ID: id, SourceID: origin.SourceID, CreatedAt: now})
		return id
	}
	join := func(from, into, reason string) {
		if from == "" || into == "" || from == into {
			return
		}
		p.merges = append(p.merges, merge{from: from, into: into, reason: reason, at: now})
		p.mergedInto[from] = into
	}
	hold := func(from, into, reason string) {
		if from == "" || into == "" || from == into {
			return
		}
		p.held = append(p.held, store.HeldLink{ID: store.HeldLinkID(from, into), From: from, Into: into, Reason: reason,
			SourceID: origin.SourceID, CreatedAt: now, Status: store.LinkPending})
	}
	// mayJoin: may s be merged away, or given another userId, automatically?
	mayJoin := func(s string) bool { return origin.ServerSide || !(ident[s] || p.userLinked[s]) }
	for i := range msgs {
		k := keys[i]
		reason := string(msgs[i].Type)
		var sub string
		if msgs[i].Type == segmentspec.TypeAlias {
			prev := lookup(k.prevAnon)
			if prev == "" {
				prev = lookup(k.prevUser)
			}
			cur := lookup(k.user)
			prevKey := k.prevAnon
			if origin.ServerSide {
				prevKey = k.prevUser
			}
			switch {
			case prev != "" && cur != "":
				if mayJoin(prev) {
					join(prev, cur, reason)
				} else {
					hold(prev, cur, reason)
				}
				sub = cur
			case prev != "" && mayJoin(prev):
				sub = prev
			case prev != "":
				sub = newSubject()
				hold(prev, sub, reason)
			case cur != "":
				sub = cur
				link(prevKey, cur)
			default:
				sub = newSubject()
				link(prevKey, sub)
			}
			link(k.user, sub)
			p.subjectOf[i] = sub
			continue
		}
		su, sa := lookup(k.user), lookup(k.anon)
		switch {
		case su != "" && sa != "":
			if mayJoin(sa) {
				join(sa, su, reason)
			} else {
				hold(sa, su, reason)
			}
			sub = su
		case su != "":
			sub = su
		case sa != "" && (k.user.Kind == "" || mayJoin(sa)):
			sub = sa
		case sa != "":
			sub = newSubject() // a new userId on a device another customer uses
			hold(sa, sub, reason)
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
	if len(p.held) != len(q.held) {
		return false
	}
	for i := range p.held {
		if p.held[i].ID != q.held[i].ID {
			return false
		}
	}
	return true
}
