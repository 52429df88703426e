package main

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracectl/tracectl/internal/ingest"
)

// searchOptions are the short form of a backend search as an input:
// `--jaeger URL --service S --since 1h --limit N` reads what Jaeger's query
// API v3 finds, as if that search's URL had been given as a file.
type searchOptions struct {
	Jaeger    string
	Service   string
	Operation string
	Since     time.Duration
	Limit     int
}

func (o *searchOptions) addFlags(cmd *cobra.Command) {
	// The search counts as one more input argument, so a command that
	// needs an input is satisfied by --jaeger alone.
	if check := cmd.Args; check != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			if o.Jaeger != "" {
				args = append(args[:len(args):len(args)], o.Jaeger)
			}
			return check(c, args)
		}
	}
	f := cmd.Flags()
	f.StringVar(&o.Jaeger, "jaeger", "", "read the traces a Jaeger query service finds (its base URL, e.g. http://localhost:16686); with --service")
	f.StringVar(&o.Service, "service", "", "with --jaeger: the service whose traces to search")
	f.StringVar(&o.Operation, "operation", "", "with --jaeger: only traces with this span name in --service")
	f.DurationVar(&o.Since, "since", time.Hour, "with --jaeger: how far back to search")
	f.IntVar(&o.Limit, "limit", 100, "with --jaeger: the most traces to read")
}

// searchURL returns the query API v3 URL of the search, "" when --jaeger is
// not given. now is the end of the time window.
func (o *searchOptions) searchURL(now time.Time) (string, error) {
	if o.Jaeger == "" {
		if o.Service != "" || o.Operation != "" {
			return "", usageError{errors.New("--service and --operation go with --jaeger URL")}
		}
		return "", nil
	}
	if !ingest.IsURL(o.Jaeger) {
		return "", usageError{fmt.Errorf("--jaeger %q: want the query service's http:// or https:// URL", o.Jaeger)}
	}
	if o.Service == "" {
		return "", usageError{errors.New("--jaeger needs --service (Jaeger searches one service at a time)")}
	}
	if o.Since <= 0 || o.Limit <= 0 {
		return "", usageError{errors.New("--since and --limit must be positive")}
	}
	base, err := url.Parse(o.Jaeger)
	if err != nil {
		return "", usageError{fmt.Errorf("--jaeger: %w", err)}
	}
	q := url.Values{
		"query.service_name":   {o.Service},
		"query.start_time_min": {now.Add(-o.Since).UTC().Format(time.RFC3339Nano)},
		"query.start_time_max": {now.UTC().Format(time.RFC3339Nano)},
		"query.num_traces":     {strconv.Itoa(o.Limit)},
	}
	if o.Operation != "" {
		q.Set("query.operation_name", o.Operation)
	}
	base.Path = strings.TrimSuffix(base.Path, "/") + "/api/v3/traces"
	base.RawQuery = q.Encode()
	return base.String(), nil
}
