package manifest

import (
	"gopkg.in/yaml.v3"
)

// Labels name event types and fields for people (issue 18 item 5): the privacy center
// shows "Orders placed" or "下单", never "Order Completed", and a Chinese page carries no
// English event name. They are display text only: they are not part of the canonical form,
// so relabelling is not a material change of the notice (NC-03).
//
//	labels:
//	  events:
//	    Order Completed: {en: Orders placed, zh-CN: 下单}
//	  fields:
//	    properties.total: {en: Order total, zh-CN: 订单金额}
//
// A label names a declared event type, or a field some event (or every event) carries; its
// languages are en and zh-CN.
type Labels struct {
	Events map[string]map[string]string `json:"events,omitempty"`
	Fields map[string]map[string]string `json:"fields,omitempty"`
}

// labelLangs are the languages a label may be written in.
var labelLangs = []string{"en", "zh-CN"}

func (p *parser) labels(m *Manifest, n *yaml.Node) {
	m.Labels = Labels{Events: map[string]map[string]string{}, Fields: map[string]map[string]string{}}
	for _, sec := range p.mapping(n, "labels", []string{"events", "fields"}) {
		for _, kv := range p.mapping(sec.v, "labels "+sec.k.Value, nil) {
			key := kv.k.Value
			switch sec.k.Value {
			case "events":
				if _, ok := m.Events[key]; !ok {
					p.errf(kv.k, "labels: event %q is not declared under events", key)
					continue
				}
			case "fields":
				if !m.declaresField(key) {
					p.errf(kv.k, "labels: no event carries a field %q", key)
					continue
				}
			}
			text := map[string]string{}
			for _, l := range p.mapping(kv.v, "label of "+key, labelLangs) {
				if s, ok := p.str(l.v, "label of "+key+" in "+l.k.Value); ok {
					text[l.k.Value] = s
				}
			}
			if sec.k.Value == "events" {
				m.Labels.Events[key] = text
			} else {
				m.Labels.Fields[key] = text
			}
		}
	}
}

// declaresField reports whether some event type, or every event, carries a field at path.
func (m *Manifest) declaresField(path string) bool {
	if _, ok := m.Common[path]; ok {
		return true
	}
	for _, e := range m.Events {
		if _, ok := e.Fields[path]; ok {
			return true
		}
	}
	return false
}

// EventLabel names an event type for people in lang (en or zh-CN): its label in that
// language, else in the other, else the type itself.
func (m *Manifest) EventLabel(eventType, lang string) string {
	return pick(m.Labels.Events[eventType], lang, eventType)
}

// FieldLabel names a field for people in lang, like EventLabel; ok is false when the
// manifest labels it in neither language.
func (m *Manifest) FieldLabel(path, lang string) (string, bool) {
	t := m.Labels.Fields[path]
	if len(t) == 0 {
		return "", false
	}
	return pick(t, lang, path), true
}

// HasEventLabel reports whether an event type is labelled in lang itself.
func (m *Manifest) HasEventLabel(eventType, lang string) bool {
	return m.Labels.Events[eventType][lang] != ""
}

func pick(t map[string]string, lang, fallback string) string {
	if lang != "zh-CN" {
		lang = "en"
	}
	if v := t[lang]; v != "" {
		return v
	}
	for _, l := range labelLangs {
		if v := t[l]; v != "" {
			return v
		}
	}
	return fallback
}
