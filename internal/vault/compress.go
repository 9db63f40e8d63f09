package vault

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/stewardhq/steward/internal/store"
)

// Compression (issue 27 item 1). A payload of a binding named in Config.Compress is
// compressed with zstd before it is sealed, with a dictionary trained on the shop's own
// payloads of that binding, so a 900-byte event costs about a quarter of that at rest. The
// sealed bytes name the dictionary by id (format 2 below); dictionaries live in the store,
// are never changed or deleted, and a row sealed with any of them, or before compression
// existed (format 1), keeps opening.
//
// Training: the first Training.Samples payloads sealed for the binding (at most
// Training.PerSubject of one subject) are kept in memory, never written anywhere; once
// enough are in, a goroutine builds a raw zstd content dictionary from them and stores it,
// and seals from then on use it. The dictionary holds no personal data: every JSON value and
// key that was seen for fewer than Training.MinPeople distinct subjects is blanked before
// anything is built, so what is left is structure and values many people share (an event
// name, a page title, a product, a browser). Erasing a person therefore removes nothing
// from a dictionary that was theirs alone, and the dictionary is kept in clear: opening an
// old row needs it after everyone it was trained on is gone. Retrain starts a new round on
// demand (a new id; old rows keep theirs); a process that starts with a dictionary in the
// store uses the newest instead of training, and every process looks for a newer one once
// a minute, so a dictionary any node trains reaches them all.
//
// Format 2: 0x02 | uvarint dictionary id (0: none) | 12-byte nonce | AES-256-GCM of the zstd
// frame without its 4-byte magic number, with the format and dictionary id in the associated
// data. A payload zstd does not shrink is sealed as format 1, as it always was.

const compressedVersion byte = 2

// zstdMagic starts every zstd frame; it is the same for all rows, so it is not stored.
var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// maxPlaintext bounds what a stored compressed payload may decompress to.
const maxPlaintext = 16 << 20

// Training tunes how dictionaries are trained. Zero fields take the defaults.
type Training struct {
	// Samples is how many payloads a dictionary is trained on (default 2,000).
	Samples int
	// PerSubject caps the samples taken from one subject (default 20), so a dictionary
	// reflects many people even when events arrive person by person.
	PerSubject int
	// MinPeople is how many distinct subjects a JSON value or key must have been seen for
	// to enter the dictionary (default 10); every other value is blanked first.
	MinPeople int
	// MaxSize bounds the dictionary in bytes (default 64 KiB).
	MaxSize int
	// Recheck is how often a process looks for a newer dictionary another process stored
	// (default one minute).
	Recheck time.Duration
}

func (t Training) withDefaults() Training {
	if t.Samples <= 0 {
		t.Samples = 2000
	}
	if t.PerSubject <= 0 {
		t.PerSubject = 20
	}
	if t.MinPeople <= 0 {
		t.MinPeople = 10
	}
	if t.MaxSize <= 0 {
		t.MaxSize = 64 << 10
	}
	if t.Recheck <= 0 {
		t.Recheck = time.Minute
	}
	return t
}

func bindingKey(b Binding) string { return b.Table + "." + b.Field }

// codec compresses and decompresses with one dictionary (id 0: none).
type codec struct {
	id  int64
	enc *zstd.Encoder
	dec *zstd.Decoder
}

func newCodec(id int64, content []byte) (*codec, error) {
	eo := []zstd.EOption{zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderCRC(false), zstd.WithSingleSegment(true),
		zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0))}
	do := []zstd.DOption{zstd.WithDecoderConcurrency(runtime.GOMAXPROCS(0)), zstd.WithDecoderMaxMemory(maxPlaintext)}
	if id != 0 {
		eo = append(eo, zstd.WithEncoderDictRaw(uint32(id), content))
		do = append(do, zstd.WithDecoderDictRaw(uint32(id), content))
	}
	enc, err := zstd.NewWriter(nil, eo...)
	if err != nil {
		return nil, fmt.Errorf("vault: dictionary %d: %w", id, err)
	}
	dec, err := zstd.NewReader(nil, do...)
	if err != nil {
		return nil, fmt.Errorf("vault: dictionary %d: %w", id, err)
	}
	return &codec{id: id, enc: enc, dec: dec}, nil
}

// compressor is one compressed binding: its current dictionary and, while it has none (or
// is retraining), the samples it is collecting.
type compressor struct {
	key string

	mu       sync.Mutex
	cur      *codec
	loaded   bool // looked for a stored dictionary
	checked  time.Time
	sampling bool
	training bool
	samples  []Sample
	per      map[string]int
}

// compressing returns the compressor of b, or nil when b is sealed uncompressed.
func (v *Vault) compressing(b Binding) *compressor {
	if v.compressors == nil {
		return nil
	}
	return v.compressors[bindingKey(b)]
}

// codecFor returns the codec of dictionary id, loading the dictionary from the store the
// first time.
func (v *Vault) codecFor(ctx context.Context, id int64) (*codec, error) {
	if c, ok := v.codecs.Load(id); ok {
		return c.(*codec), nil
	}
	var content []byte
	if id != 0 {
		if v.cfg.Dictionaries == nil {
			return nil, fmt.Errorf("vault: payload compressed with dictionary %d but no dictionary store", id)
		}
		d, err := v.cfg.Dictionaries.GetDictionary(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("vault: dictionary %d: %w", id, err)
		}
		content = d.Content
	}
	c, err := newCodec(id, content)
	if err != nil {
		return nil, err
	}
	actual, _ := v.codecs.LoadOrStore(id, c)
	return actual.(*codec), nil
}

// current returns the codec seals of this binding use now, and records payload as a
// training sample while the binding is collecting them.
func (v *Vault) current(ctx context.Context, c *compressor, subjectID string, payload []byte) *codec {
	now := v.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	// Look for a stored dictionary at first and then every Recheck: one another node
	// trained (or retrained) replaces ours, so every node seals with the newest.
	if c.cur == nil || now.Sub(c.checked) >= v.train.Recheck {
		c.checked = now
		d, err := v.cfg.Dictionaries.LatestDictionary(ctx, c.key)
		switch {
		case err == nil:
			c.loaded = true
			if c.cur == nil || d.ID > c.cur.id {
				if k, err := v.codecFor(ctx, d.ID); err == nil {
					c.cur = k
					c.stopSampling()
				}
			}
		case errors.Is(err, store.ErrNotFound) && !c.loaded:
			// None stored anywhere: collect samples for one.
			c.loaded = true
			c.startSampling()
		}
		if c.cur == nil {
			// No dictionary (yet): plain zstd.
			k, err := v.codecFor(ctx, 0)
			if err != nil {
				return nil
			}
			c.cur = k
		}
	}
	if c.sampling && !c.training && len(payload) <= 8<<10 && c.per[subjectID] < v.train.PerSubject {
		c.per[subjectID]++
		c.samples = append(c.samples, Sample{Subject: subjectID, Payload: bytes.Clone(payload)})
		if len(c.samples) >= v.train.Samples {
			c.training = true
			samples := c.samples
			c.samples, c.per = nil, nil
			v.wg.Add(1)
			go v.trainFrom(c, samples)
		}
	}
	return c.cur
}

func (c *compressor) startSampling() {
	if !c.sampling {
		c.sampling, c.samples, c.per = true, nil, map[string]int{}
	}
}

func (c *compressor) stopSampling() { c.sampling, c.samples, c.per = false, nil, nil }

// trainFrom builds a dictionary from samples, stores it and makes it current.
func (v *Vault) trainFrom(c *compressor, samples []Sample) {
	defer v.wg.Done()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	content, people := BuildDictionary(samples, v.train.MinPeople, v.train.MaxSize)
	err := errors.New("too little shared content")
	var id int64
	if len(content) >= 64 {
		id, err = v.cfg.Dictionaries.PutDictionary(ctx, store.Dictionary{Binding: c.key, Content: content, Samples: len(samples),
			People: people, MinPeople: v.train.MinPeople, CreatedAt: v.cfg.Now().UTC().Truncate(time.Microsecond)})
	}
	var k *codec
	if err == nil {
		k, err = v.codecFor(ctx, id)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.training = false
	if err != nil {
		// Try again with fresh samples (the store may have been busy or closing).
		c.sampling, c.per = true, map[string]int{}
		return
	}
	if c.cur == nil || id > c.cur.id {
		c.cur = k
	}
	c.stopSampling()
}

// Retrain starts collecting samples for a new dictionary of binding b; seals keep using the
// current one until the new one is stored. It reports false if b is not compressed.
func (v *Vault) Retrain(b Binding) bool {
	c := v.compressing(b)
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.training {
		c.startSampling()
	}
	return true
}

// DictionaryID returns the id of the dictionary seals of b use now (0: none yet).
func (v *Vault) DictionaryID(b Binding) int64 {
	c := v.compressing(b)
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == nil {
		return 0
	}
	return c.cur.id
}

// Wait waits for dictionary training under way to finish (call before closing the store).
func (v *Vault) Wait() { v.wg.Wait() }

// compress returns the format-2 header and the compressed payload, or ok=false when the
// payload is better sealed as it is.
func (v *Vault) compress(ctx context.Context, c *compressor, subjectID string, plaintext []byte) (hdr, body []byte, ok bool) {
	k := v.current(ctx, c, subjectID, plaintext)
	if k == nil {
		return nil, nil, false
	}
	frame := k.enc.EncodeAll(plaintext, make([]byte, 0, len(plaintext)/2+16))
	if !bytes.HasPrefix(frame, zstdMagic) {
		return nil, nil, false
	}
	frame = frame[len(zstdMagic):]
	hdr = binary.AppendUvarint([]byte{compressedVersion}, uint64(k.id))
	if len(hdr)+len(frame) >= 1+len(plaintext) {
		return nil, nil, false
	}
	return hdr, frame, true
}

// decompress undoes compress for dictionary id.
func (v *Vault) decompress(ctx context.Context, id int64, frame []byte) ([]byte, error) {
	k, err := v.codecFor(ctx, id)
	if err != nil {
		return nil, err
	}
	pt, err := k.dec.DecodeAll(append(bytes.Clone(zstdMagic), frame...), nil)
	if err != nil || len(pt) > maxPlaintext {
		return nil, fmt.Errorf("%w: compressed payload does not decompress", ErrFormat)
	}
	return pt, nil
}

// aadV2 binds a format-2 ciphertext to its place and to its dictionary.
func aadV2(subjectID string, b Binding, dictID int64) []byte {
	return []byte("steward/v2\x00" + subjectID + "\x00" + b.Table + "\x00" + b.Field + "\x00" + strconv.FormatInt(dictID, 10))
}

// Sample is one payload a dictionary is trained on, with the subject it belongs to.
type Sample struct {
	Subject string
	Payload []byte
}

// BuildDictionary builds a raw zstd content dictionary of at most maxSize bytes from JSON
// samples, keeping only what at least minPeople distinct subjects share: every scalar value
// and object key seen for fewer is blanked ("" or 0), then the distinct blanked documents
// are laid end to end, the most frequent last (zstd reaches the end of a dictionary with the
// shortest offsets). Samples that are not JSON are skipped. It returns the dictionary and
// how many distinct subjects the samples came from.
func BuildDictionary(samples []Sample, minPeople, maxSize int) ([]byte, int) {
	seen := map[string]map[string]struct{}{}
	subjects := map[string]struct{}{}
	var docs [][]jsonToken
	for _, s := range samples {
		toks, ok := tokenize(s.Payload)
		if !ok {
			continue
		}
		subjects[s.Subject] = struct{}{}
		docs = append(docs, toks)
		for _, t := range toks {
			if t.scalar {
				m := seen[t.text]
				if m == nil {
					m = map[string]struct{}{}
					seen[t.text] = m
				}
				m[s.Subject] = struct{}{}
			}
		}
	}
	freq := map[string]int{}
	var buf bytes.Buffer
	for _, toks := range docs {
		buf.Reset()
		for _, t := range toks {
			switch {
			case !t.scalar || len(seen[t.text]) >= minPeople:
				buf.WriteString(t.text)
			case t.text[0] == '"':
				buf.WriteString(`""`)
			default:
				buf.WriteByte('0')
			}
		}
		freq[buf.String()]++
	}
	type doc struct {
		text string
		n    int
	}
	ds := make([]doc, 0, len(freq))
	for t, n := range freq {
		ds = append(ds, doc{t, n})
	}
	sort.Slice(ds, func(i, j int) bool {
		if ds[i].n != ds[j].n {
			return ds[i].n > ds[j].n
		}
		return ds[i].text < ds[j].text
	})
	// Most frequent first here, so the cut keeps them; reversed below.
	var keep []string
	size := 0
	for _, d := range ds {
		if size+len(d.text) > maxSize {
			continue
		}
		keep, size = append(keep, d.text), size+len(d.text)
	}
	out := make([]byte, 0, size)
	for i := len(keep) - 1; i >= 0; i-- {
		out = append(out, keep[i]...)
	}
	return out, len(subjects)
}

// jsonToken is a piece of a JSON document as it was written: a scalar (a string, including
// object keys, or a number) or the structure between scalars.
type jsonToken struct {
	text   string
	scalar bool
}

// tokenize splits a JSON document into its scalars and the structure around them, keeping
// each scalar's bytes as written (whitespace outside strings is dropped).
func tokenize(doc []byte) ([]jsonToken, bool) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var out []jsonToken
	prev := int64(0)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false
		}
		end := dec.InputOffset()
		raw := bytes.TrimLeft(doc[prev:end], " \t\r\n")
		prev = end
		switch tok.(type) {
		case string, json.Number:
			i := bytes.IndexAny(raw, "\"-0123456789")
			if i < 0 {
				return nil, false
			}
			if sep := bytes.TrimSpace(raw[:i]); len(sep) > 0 {
				out = append(out, jsonToken{text: string(sep)})
			}
			out = append(out, jsonToken{text: string(raw[i:]), scalar: true})
		default:
			out = append(out, jsonToken{text: string(bytes.ReplaceAll(raw, []byte(" "), nil))})
		}
	}
	return out, len(out) > 0
}
