// Package rights owns the requests people make about their data (issue 9; PIPL Arts.
// 44–50, GDPR Arts. 12–22, CCPA §1798.100–.125): the kinds of request, the state machine
// every request runs (received → verified → in_progress → done, or refused with a stated
// reason), and the deadline each jurisdiction sets, computed on a working-day calendar that
// a deployment can replace.
//
// Service carries requests out: what a verified session may do at once (access, export,
// withdrawal, objection, erasure, account deletion) is done and closed, the rest waits for an
// operator. Erasure cascades over every subject merged into the person, keeps order records
// under legal hold (pseudonymised), shreds the data keys and checks that nothing is left;
// DELETE /api/v1/me takes the same path and leaves a request record. The service also
// assembles what a person sees of their own data: the privacy center's overview, the
// inventory and the portable export. It records every step.
package rights
