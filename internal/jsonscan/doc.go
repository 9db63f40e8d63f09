// Package jsonscan is Steward's one JSON scanner: it walks the bytes of JSON that
// json.Valid accepted, finding where strings, objects and literals end, so that the Segment
// decoder, the consent gate's minimisation and the purpose-scoped reader's filter look at a
// message the same way and never disagree about which member is which.
//
// Filter is the walk the gate and the reader share: it rebuilds an object keeping, dropping
// or replacing members by their dotted path. Its output is byte for byte what decoding into
// maps of json.RawMessage and encoding again with encoding/json gives (compact, sorted keys,
// the last of duplicate keys winning, <, >, & and U+2028/U+2029 escaped), built in one walk.
//
// The scanning functions assume valid JSON but still check bounds, so a mistake fails
// rather than panics.
package jsonscan
