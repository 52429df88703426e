package emit

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// maxSyntheticSpans bounds one synthetic trace.
const maxSyntheticSpans = 100_000

// treeSize is the number of spans in a tree of the given depth (levels)
// where every non-leaf span has fanOut children; it saturates past
// maxSyntheticSpans.
func treeSize(depth, fanOut int) int {
	total, level := 0, 1
	for range depth {
		total += level
		if total > maxSyntheticSpans {
			return maxSyntheticSpans + 1
		}
		level *= fanOut
		if level > maxSyntheticSpans {
			level = maxSyntheticSpans + 1
		}
	}
	return total
}

// syntheticAttributes returns n string attributes, the same for every span
// (the SDK copies them, as it would a service's own).
func syntheticAttributes(n int) []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, n)
	for i := range attrs {
		attrs[i] = attribute.String(fmt.Sprintf("synthetic.attribute.%02d", i), fmt.Sprintf("value-%02d-abcdefgh", i))
	}
	return attrs
}

// runSynthetic emits trees of cfg.Depth levels and cfg.FanOut children per
// span from one service, with no network hops: the SDK's raw throughput, as
// telemetrygen measures it. A trace in --error-rate has its root and first
// leaf marked as errors.
func runSynthetic(ctx context.Context, cfg *Config, p *pipeline) (loadResult, error) {
	svc, err := p.newService(ctx, "synthetic", "")
	if err != nil {
		return loadResult{}, err
	}
	tracer := svc.Tracer("github.com/tracectl/tracectl/internal/emit/synthetic")
	attrs := syntheticAttributes(cfg.Attributes)
	names := make([]string, min(cfg.Depth, 64)+1)
	for i := range names {
		names[i] = fmt.Sprintf("synthetic-op-%d", i)
	}
	nameOf := func(level int) string {
		if level < len(names) {
			return names[level]
		}
		return "synthetic-op"
	}
	type frame struct {
		ctx   context.Context
		span  trace.Span
		level int
		left  int // children still to start
	}
	res := drive(ctx, cfg, func(ctx context.Context, n uint64) error {
		failing := cfg.ErrorRate > 0 && requestFloat(cfg.Seed, n, "synthetic.error") < cfg.ErrorRate
		rctx, root := tracer.Start(ctx, "GET /synthetic", trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
		if failing {
			root.SetStatus(codes.Error, "synthetic failure")
		}
		left := 0
		if cfg.Depth > 1 {
			left = cfg.FanOut
		}
		// Depth-first with an explicit stack, so a deep chain (fan-out 1)
		// cannot exhaust the goroutine stack; each span ends after its
		// children, as nested calls would.
		stack := []frame{{ctx: rctx, span: root, level: 1, left: left}}
		markLeaf := failing
		for len(stack) > 0 {
			top := len(stack) - 1
			if stack[top].left == 0 {
				stack[top].span.End()
				stack = stack[:top]
				continue
			}
			stack[top].left--
			level := stack[top].level + 1
			kind, left := trace.SpanKindInternal, cfg.FanOut
			if level >= cfg.Depth {
				kind, left = trace.SpanKindClient, 0
			}
			cctx, child := tracer.Start(stack[top].ctx, nameOf(level), trace.WithSpanKind(kind), trace.WithAttributes(attrs...))
			if markLeaf && left == 0 {
				child.SetStatus(codes.Error, "synthetic failure")
				markLeaf = false
			}
			stack = append(stack, frame{ctx: cctx, span: child, level: level, left: left})
		}
		if failing {
			return errSyntheticFailure
		}
		return nil
	})
	return res, nil
}

var errSyntheticFailure = fmt.Errorf("synthetic failure")
