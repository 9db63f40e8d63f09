package demo

import (
	"fmt"
	"time"
)

// Summary counts what Generate emitted.
type Summary struct {
	Subjects int
	Messages int
	Batches  int
	Bytes    int64 // sum of batch body sizes

	ByBand    map[Band]int        // subjects
	ByRegion  map[Region]int      // subjects
	ByConsent map[ConsentKind]int // subjects
	ByType    map[string]int      // messages: "identify", "page", "track"
	ByEvent   map[string]int      // track messages by event name
	ByPage    map[string]int      // page messages by page name

	First, Last time.Time // earliest and latest message timestamp
}

// Generate produces the synthetic shop described by cfg as Segment
// /v1/batch bodies and hands each one to emit, in order. A batch belongs to
// emit once handed over (it is never reused). Within a subject the identify
// comes first, so batches must be ingested in the order emitted. An error
// from emit stops generation and is returned wrapped.
func Generate(cfg Config, emit func(batch []byte) error) (Summary, error) {
	c, err := cfg.normalise("generate")
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{
		ByBand: map[Band]int{}, ByRegion: map[Region]int{}, ByConsent: map[ConsentKind]int{},
		ByType: map[string]int{}, ByEvent: map[string]int{}, ByPage: map[string]int{},
	}
	bw := newBatcher(c, emit)
	cat := loadCatalog()
	var (
		events []event
		msg    []byte
		n      int64
		first  = c.end
		last   = c.start
	)
	for i := range c.Subjects {
		s := newShopper(c, i)
		sum.Subjects++
		sum.ByBand[s.Band]++
		sum.ByRegion[s.Region]++
		sum.ByConsent[s.Consent.Kind]++

		events = simulate(c, s, events)
		r := newRenderer(c.Seed, cat, s)
		for k := range events {
			e := &events[k]
			n++
			msg = r.render(msg[:0], n, e)
			if len(msg) > MaxMessageBytes {
				return sum, fmt.Errorf("generate: message %d: %w", n, ErrMessageTooLarge)
			}
			if err := bw.add(msg); err != nil {
				return sum, err
			}
			switch e.kind {
			case kindIdentify:
				sum.ByType[TypeIdentify]++
			case kindPage:
				sum.ByType[TypePage]++
				sum.ByPage[e.name]++
			default:
				sum.ByType[TypeTrack]++
				sum.ByEvent[e.name]++
			}
			first, last = min(first, e.at), max(last, e.at)
		}
	}
	if err := bw.flush(); err != nil {
		return sum, err
	}
	sum.Messages = int(n)
	sum.Batches, sum.Bytes = bw.batches, bw.bytes
	if n > 0 {
		sum.First, sum.Last = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
	}
	return sum, nil
}

// batcher packs messages into {"batch":[…],"sentAt":"…"} bodies of at most
// BatchSize messages and MaxBatchBytes bytes.
type batcher struct {
	emit    func([]byte) error
	size    int
	suffix  []byte
	buf     []byte
	count   int
	batches int
	bytes   int64
}

const batchPrefix = `{"batch":[`

func newBatcher(c config, emit func([]byte) error) *batcher {
	// sentAt is Config.Now: the generator is the "client" and sends at Now,
	// so skew correction (receivedAt − (sentAt − timestamp)) shifts nothing
	// when the demo ingests right away.
	suffix := appendTime([]byte(`],"sentAt":`), c.end)
	return &batcher{emit: emit, size: c.BatchSize, suffix: append(suffix, '}')}
}

func (w *batcher) add(msg []byte) error {
	if w.count > 0 && (w.count == w.size || len(w.buf)+1+len(msg)+len(w.suffix) > MaxBatchBytes) {
		if err := w.flush(); err != nil {
			return err
		}
	}
	if w.count == 0 {
		w.buf = append(make([]byte, 0, 128*1024), batchPrefix...)
	} else {
		w.buf = append(w.buf, ',')
	}
	w.buf = append(w.buf, msg...)
	w.count++
	return nil
}

func (w *batcher) flush() error {
	if w.count == 0 {
		return nil
	}
	body := append(w.buf, w.suffix...)
	w.buf, w.count = nil, 0
	w.batches++
	w.bytes += int64(len(body))
	if err := w.emit(body); err != nil {
		return fmt.Errorf("generate: emit batch %d: %w", w.batches, err)
	}
	return nil
}
