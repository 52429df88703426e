package pii

import (
	"github.com/tracectl/tracectl/internal/dag"
)

// Redactor masks, in spans, every value a Scanner with the same detector
// would report, and changes nothing else: span names, status messages,
// event names, and span, event, link, resource and scope attributes
// (nested values included). A value whose key names a secret is replaced
// whole by Mask(kind); elsewhere only the secret is; an integer that is a
// card number becomes the string Mask("card_number").
//
// Spans are shared, read-only input: a span with secrets is copied, and
// resources and scopes are redacted once each and shared by the copies. A
// Redactor is not safe for concurrent use.
type Redactor struct {
	d         *Detector
	resources map[*dag.Resource]*dag.Resource
	scopes    map[*dag.Scope]*dag.Scope
}

// NewRedactor returns a redactor that masks what d finds.
func NewRedactor(d *Detector) *Redactor {
	return &Redactor{d: d, resources: make(map[*dag.Resource]*dag.Resource), scopes: make(map[*dag.Scope]*dag.Scope)}
}

// Span returns s with its secrets masked, and whether anything was; when
// nothing was, it returns s itself.
func (r *Redactor) Span(s *dag.Span) (*dag.Span, bool) {
	out := s.Data()
	changed := false
	str := func(v string) string {
		red, ok := r.d.Redact(v)
		changed = changed || ok
		return red
	}
	attrs := func(a []dag.Attr) []dag.Attr {
		red, ok := r.attrs(a)
		changed = changed || ok
		return red
	}
	out.Name = str(out.Name)
	out.Status.Message = str(out.Status.Message)
	out.Attrs = attrs(out.Attrs)
	if evs := out.Events; len(evs) > 0 {
		copied := false
		for k := range evs {
			name, ok1 := r.d.Redact(evs[k].Name)
			as, ok2 := r.attrs(evs[k].Attrs)
			if !ok1 && !ok2 {
				continue
			}
			if !copied {
				out.Events = append([]dag.Event(nil), evs...)
				copied = true
			}
			out.Events[k].Name, out.Events[k].Attrs = name, as
			changed = true
		}
	}
	if ls := out.Links; len(ls) > 0 {
		copied := false
		for k := range ls {
			as, ok := r.attrs(ls[k].Attrs)
			if !ok {
				continue
			}
			if !copied {
				out.Links = append([]dag.Link(nil), ls...)
				copied = true
			}
			out.Links[k].Attrs = as
			changed = true
		}
	}
	if res := r.resource(out.Resource); res != out.Resource {
		out.Resource = res
		changed = true
	}
	if sc := r.scope(out.Scope); sc != out.Scope {
		out.Scope = sc
		changed = true
	}
	if !changed {
		return s, false
	}
	return &dag.Pack([]dag.SpanData{out})[0], true
}

func (r *Redactor) resource(res *dag.Resource) *dag.Resource {
	if res == nil {
		return nil
	}
	return redactShared(r, r.resources, res, res.Attrs, func(c *dag.Resource, as []dag.Attr) {
		c.Attrs = as
		if v, ok := dag.Lookup(as, "service.name"); ok {
			c.Service = v.Str()
		}
	})
}

func (r *Redactor) scope(sc *dag.Scope) *dag.Scope {
	if sc == nil {
		return nil
	}
	return redactShared(r, r.scopes, sc, sc.Attrs, func(c *dag.Scope, as []dag.Attr) { c.Attrs = as })
}

// redactShared returns v (a resource or scope) with attrs
// redacted: v itself when nothing needed masking, else a copy that set
// gives the redacted attributes. Each is redacted once per Redactor (cache),
// however many spans share it.
func redactShared[T any](r *Redactor, cache map[*T]*T, v *T, attrs []dag.Attr, set func(c *T, as []dag.Attr)) *T {
	if red, ok := cache[v]; ok {
		return red
	}
	red := v
	if as, ok := r.attrs(attrs); ok {
		c := *v
		set(&c, as)
		red = &c
	}
	cache[v] = red
	return red
}

// attrs returns attrs with secrets masked (a copy when any was).
func (r *Redactor) attrs(attrs []dag.Attr) ([]dag.Attr, bool) {
	var out []dag.Attr
	for i, a := range attrs {
		v, ok := r.value(a.Key, a.Value)
		if !ok {
			continue
		}
		if out == nil {
			out = append([]dag.Attr(nil), attrs...)
		}
		out[i].Value = v
	}
	if out == nil {
		return attrs, false
	}
	return out, true
}

// value masks one value under key. Nesting is bounded by the decoders
// (ingest accepts 64 levels), so recursion is safe here.
func (r *Redactor) value(key string, v dag.Value) (dag.Value, bool) {
	switch v.Type() {
	case dag.ValueString:
		if red, ok := r.d.RedactValue(key, v.Str()); ok {
			return dag.StringValue(red), true
		}
	case dag.ValueBytes:
		if red, ok := r.d.RedactValue(key, v.Bytes()); ok {
			return dag.BytesValue(red), true
		}
	case dag.ValueInt:
		if m, ok := r.d.RedactInt(v.Int()); ok {
			return dag.StringValue(m), true
		}
	case dag.ValueArray:
		arr := v.Array()
		var out []dag.Value
		for i, e := range arr {
			red, ok := r.value(key, e)
			if !ok {
				continue
			}
			if out == nil {
				out = append([]dag.Value(nil), arr...)
			}
			out[i] = red
		}
		if out != nil {
			return dag.ArrayValue(out), true
		}
	case dag.ValueMap:
		kvs := v.Map()
		var out []dag.Attr
		for i, kv := range kvs {
			red, ok := r.value(kv.Key, kv.Value)
			if !ok {
				continue
			}
			if out == nil {
				out = append([]dag.Attr(nil), kvs...)
			}
			out[i].Value = red
		}
		if out != nil {
			return dag.MapValue(out), true
		}
	}
	return v, false
}
