package collect_test

import (
	"context"
	"testing"

	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/store"
)

// issue 17 item 1: the write key is public, so a client-side call must never merge two
// identified people: an alias or identify that would is held for review, and the message
// is stored under the subject it resolves to without the merge. Anonymous → identified
// stays automatic.
func TestClientCannotMergeTwoIdentifiedPeople(t *testing.T) {
	c, st := newCollector(t)
	ctx := context.Background()
	ingest := func(body string) {
		t.Helper()
		if _, err := c.Ingest(ctx, "src", decode(t, body)); err != nil {
			t.Fatal(err)
		}
	}
	ingest(`{"batch":[{"type":"identify","messageId":"v1","userId":"victim","anonymousId":"v-anon","traits":{"email":"v@example.com"}},
		{"type":"track","messageId":"v2","userId":"victim","event":"Order Completed"}]}`)
	ingest(`{"batch":[{"type":"identify","messageId":"a1","userId":"attacker","anonymousId":"a-anon"}]}`)
	victim := subjectOf(t, st, store.IdentityUserID, "victim")
	attacker := subjectOf(t, st, store.IdentityUserID, "attacker")
	if victim == "" || attacker == "" || victim == attacker {
		t.Fatalf("victim %q attacker %q", victim, attacker)
	}
	evs := func(sub string) int64 {
		fp, _ := st.SubjectFootprint(ctx, sub)
		return fp["events.subject_id"]
	}
	before := evs(attacker)

	// The attacks: alias with the victim's userId, identify joining the two through an
	// anonymousId, and an alias pre-claiming an id nobody has yet.
	ingest(`{"batch":[{"type":"alias","messageId":"x1","previousId":"victim","userId":"attacker"}]}`)
	ingest(`{"batch":[{"type":"identify","messageId":"x2","userId":"attacker","anonymousId":"v-anon"}]}`)
	ingest(`{"batch":[{"type":"track","messageId":"x3","userId":"victim","anonymousId":"a-anon","event":"Hi"}]}`)
	ingest(`{"batch":[{"type":"identify","messageId":"x4","userId":"someone-new","anonymousId":"a-anon"}]}`)

	for _, id := range []string{victim, attacker} {
		if sub, _ := st.Subject(ctx, id); sub.MergedInto != "" {
			t.Fatalf("identified subject %s was merged into %s by a client-side call", id, sub.MergedInto)
		}
	}
	if got := subjectOf(t, st, store.IdentityUserID, "victim"); got != victim {
		t.Fatalf("victim's userId now resolves to %s", got)
	}
	if got := subjectOf(t, st, store.IdentityAnonymousID, "v-anon"); got != victim {
		t.Fatalf("victim's device now resolves to %s", got)
	}
	if got := subjectOf(t, st, store.IdentityUserID, "someone-new"); got == attacker || got == "" {
		t.Fatalf("a second userId was glued onto the attacker's subject: %q", got)
	}
	// Nothing is lost: each message is stored under the subject it resolves to.
	if got := evs(attacker); got != before+2 {
		t.Fatalf("attacker's subject has %d events, want %d (x1, x2)", got, before+2)
	}
	if got := evs(victim); got != 3 {
		t.Fatalf("victim's subject has %d events, want 3 (v1, v2, x3)", got)
	}
	held, err := st.HeldLinks(ctx, store.LinkPending, 100)
	if err != nil {
		t.Fatal(err)
	}
	// x1 and x2 ask for the same link (victim into attacker): it is held once.
	if len(held) != 3 {
		t.Fatalf("held links = %+v; want 3 pending", held)
	}

	// An anonymous visitor signing in is still joined at once.
	ingest(`{"batch":[{"type":"page","messageId":"n1","anonymousId":"n-anon","name":"Home"}]}`)
	anon := subjectOf(t, st, store.IdentityAnonymousID, "n-anon")
	ingest(`{"batch":[{"type":"identify","messageId":"n2","userId":"attacker","anonymousId":"n-anon"}]}`)
	if sub, _ := st.Subject(ctx, anon); sub.MergedInto != attacker {
		t.Fatalf("anonymous history not joined to the customer: %+v", sub)
	}
}

// A server-side source (its write key never shipped to a browser) may merge identified
// people, as Segment semantics say.
func TestServerSideSourceMayMerge(t *testing.T) {
	c, st := newCollector(t)
	ctx := context.Background()
	for _, body := range []string{
		`{"batch":[{"type":"identify","messageId":"v1","userId":"old-id"}]}`,
		`{"batch":[{"type":"identify","messageId":"a1","userId":"new-id"}]}`,
	} {
		if _, err := c.Ingest(ctx, "src", decode(t, body)); err != nil {
			t.Fatal(err)
		}
	}
	old := subjectOf(t, st, store.IdentityUserID, "old-id")
	if _, err := c.IngestFrom(ctx, collect.Origin{SourceID: "src", ServerSide: true}, decode(t, `{"batch":[{"type":"alias","messageId":"x1","previousId":"old-id","userId":"new-id"}]}`)); err != nil {
		t.Fatal(err)
	}
	if sub, _ := st.Subject(ctx, old); sub.MergedInto != subjectOf(t, st, store.IdentityUserID, "new-id") {
		t.Fatalf("server-side alias did not merge: %+v", sub)
	}
}
