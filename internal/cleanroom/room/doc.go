// Package room is the two-party clean room in the product (issue 22): pairing with
// partner instances, authenticating every call between them, proposing, approving and
// running jobs over consented people, and keeping each side's record of them. The
// cryptography is internal/cleanroom's (the protocols' state machines) and
// internal/partner's (identities, invites, signed requests); this package wires them to
// the store, the job queue, the purpose-scoped reader and the audit log, and carries the
// messages through a Transport the server implements (it knows no HTTP itself).
//
// # Pairing
//
// A privacy officer of A makes an invite (CreateInvite: A's URL, A's key, a one-time secret,
// 24 hours) and hands its token to B's officer out of band. B accepts it (Accept): B sends
// its acceptance — B's URL and key, a MAC with the invite's secret and B's signature — to
// A's POST /api/v1/partner/pair, and pins A's key once A took it. A checks the acceptance
// (Paired) and, in one transaction, pins B's key and uses the invite up. Both derive the
// same pairing id, the clean room's hash-to-group domain.
//
// # Calls between instances
//
// Every call after pairing is a POST signed by its sender (partner.Signer, the
// Steward-Signature header) and verified by the receiver against the key it pinned
// (Verify): an unknown key, a stale time, a body not the signed one, a bad signature or a
// nonce seen before are refused (ErrUnauthenticated, 401), a suspended or revoked
// partner's calls too (ErrForbidden, 403). Nonces are rows in the store
// (store.CleanRoom.RememberNonce), kept until the time window has passed: a restart does
// not reopen the replay window, and several nodes share one store. Responses carry
// nothing either side relies on: each direction is its own signed request.
//
//	POST /api/v1/partner/pair                      acceptance (authenticates itself)
//	POST /api/v1/partner/jobs                      initiator → partner: a proposal
//	POST /api/v1/partner/jobs/{id}/approval        either way: this side approved or refused
//	POST /api/v1/partner/jobs/{id}/messages        either way: one protocol message (binary)
//	POST /api/v1/partner/jobs/{id}/abort           either way: the job failed here; wipe yours
//
// # Jobs
//
// A job is proposed on the initiator (Propose), which sends it to the partner (Proposed).
// It waits for both privacy officers (cleanroom.Job: Approve on each side, each side
// telling the other through the queue, so a partner briefly away still hears it); the
// partner's officer may narrow its people to a segment and set the value summed. Once both
// approved, the initiator's run job (the durable queue) reads its people, records the act
// and sends the first message; the partner does the same when that message arrives, and
// refuses it (ErrNotApproved, 409) unless both approved. A message that does not follow the
// transcript, or comes out of order or again, is refused (409) and changes nothing.
//
// Each side reads its people through the purpose-scoped reader under the job's purpose
// (ReaderInputs): a person enters only if their consent state lets the purpose read their
// match key — the manifest's measurement.clean_room is a separate consent (PIPL Art. 23)
// naming the partner, so nobody enters without it. Entering is a processing act this
// package records: one audience leaf per job and side (audit.ActCleanRoom), so each
// included person's transparency report shows the job; the release is recorded too.
//
// Results below the minimum intersection (default 50, Config.MinIntersection) are
// withheld on either side (cleanroom's release rules). The state machines and every
// message live only in memory: the other side's blinded set is zeroed inside the step that
// uses it, each message's bytes once handled or sent, and the state machine when the job
// ends (finished, failed, past its deadline, or the partner suspended). A restart loses a
// running job's secrets by design: the job fails at its deadline and is proposed again.
//
// What is stored per job (both sides): the spec, the approvals, how many of this side's
// people entered, the audit leaf, and the released counts and sums. Never a match key, a
// point, a ciphertext or a person.
package room
