// Package rights owns the requests people make about their data (issue 9; PIPL Arts.
// 44–50, GDPR Arts. 12–22, CCPA §1798.100–.125): the kinds of request, the state machine
// every request runs (received → verified → in_progress → done, or refused with a stated
// reason), and the deadline each jurisdiction sets, computed on a working-day calendar that
// a deployment can replace.
package rights
