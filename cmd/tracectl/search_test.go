package main

import (
	"testing"
	"time"
)

func TestSearchURL(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		opts searchOptions
		want string
		bad  bool
	}{
		{opts: searchOptions{Since: time.Hour, Limit: 100}, want: ""},
		{opts: searchOptions{Jaeger: "http://jaeger:16686/", Service: "frontend", Since: time.Hour, Limit: 20},
			want: "http://jaeger:16686/api/v3/traces?query.num_traces=20&query.service_name=frontend&query.start_time_max=2026-12-05T10%3A00%3A00Z&query.start_time_min=2026-12-05T09%3A00%3A00Z"},
		{opts: searchOptions{Jaeger: "https://ops.example/jaeger", Service: "cart", Operation: "GET /cart", Since: 30 * time.Minute, Limit: 1},
			want: "https://ops.example/jaeger/api/v3/traces?query.num_traces=1&query.operation_name=GET+%2Fcart&query.service_name=cart&query.start_time_max=2026-12-05T10%3A00%3A00Z&query.start_time_min=2026-12-05T09%3A30%3A00Z"},
		{opts: searchOptions{Jaeger: "http://jaeger:16686", Since: time.Hour, Limit: 1}, bad: true},        // no --service
		{opts: searchOptions{Jaeger: "jaeger:16686", Service: "a", Since: time.Hour, Limit: 1}, bad: true}, // not a URL
		{opts: searchOptions{Jaeger: "http://j", Service: "a", Since: time.Hour}, bad: true},               // --limit 0
		{opts: searchOptions{Service: "a", Since: time.Hour, Limit: 1}, bad: true},                         // --service without --jaeger
	} {
		got, err := tc.opts.searchURL(now)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("%+v: searchURL = %q, %v; want %q (error %v)", tc.opts, got, err, tc.want, tc.bad)
		}
	}
}
