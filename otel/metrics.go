package plexotel

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"

	"github.com/plexhttp/plex"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// ScopeName is the instrumentation scope of every instrument here.
const ScopeName = "github.com/plexhttp/plex/otel"

// Metric names. The http.client.* ones follow the OpenTelemetry HTTP
// client semantic conventions; the plex.client.* ones are plex's own.
const (
	OpenConnections    = "http.client.open_connections"     // {connection}, state idle/active
	ConnectionDuration = "http.client.connection.duration"  // s, on close
	ActiveRequests     = "http.client.active_requests"      // {request}: in flight plus waiting
	RequestDuration    = "http.client.request.duration"     // s, to the response headers
	WaitingRequests    = "plex.client.waiting_requests"     // {request} waiting for a connection or stream slot
	Retries            = "plex.client.retries"              // {retry}
	GoAways            = "plex.client.goaways"              // {goaway}, by http2 error code
	StreamResets       = "plex.client.stream_resets"        // {reset}, by code and direction
	DialDuration       = "plex.client.dial.duration"        // s, TCP + TLS + negotiation
	ConnectionCloses   = "plex.client.connection.closes"    // {connection}, by reason
	QueueWait          = "plex.client.connection.wait_time" // s, a request's wait for a slot
)

// Attribute keys beyond the semantic conventions'.
const (
	CloseReasonKey  = attribute.Key("plex.connection.close_reason")
	H2ErrorCodeKey  = attribute.Key("plex.http2.error_code")
	ResetSentKey    = attribute.Key("plex.http2.reset_sent")
	connStateKey    = attribute.Key("http.connection.state")
	serverAddrKey   = attribute.Key("server.address")
	serverPortKey   = attribute.Key("server.port")
	schemeKey       = attribute.Key("url.scheme")
	protoVersionKey = attribute.Key("network.protocol.version")
	methodKey       = attribute.Key("http.request.method")
	statusKey       = attribute.Key("http.response.status_code")
	errorTypeKey    = attribute.Key("error.type")
)

// durationBuckets are the semantic conventions' advice for HTTP durations.
var durationBuckets = []float64{0, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// connDurationBuckets reach further: connections live for minutes.
var connDurationBuckets = []float64{0, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600}

// Option configures Metrics.
type Option func(*options)

type options struct {
	mp metric.MeterProvider
}

// WithMeterProvider sets the MeterProvider; the global one by default.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(o *options) { o.mp = mp }
}

// Metrics records a Client's metrics. Build it first, pass Listener to
// plex.New with plex.WithEventListener, then call Observe with the Client
// so the gauges read its OriginStats at each collection:
//
//	m, err := plexotel.New(plexotel.WithMeterProvider(mp))
//	c, err := plex.New(plex.WithEventListener(m.Listener()))
//	err = m.Observe(c)
//	defer m.Close()
//
// The event-driven instruments cost one Record per event; the gauges cost
// one OriginStats call per collection, never anything per request.
type Metrics struct {
	connDuration metric.Float64Histogram
	reqDuration  metric.Float64Histogram
	dialDuration metric.Float64Histogram
	queueWait    metric.Float64Histogram
	retries      metric.Int64Counter
	goaways      metric.Int64Counter
	resets       metric.Int64Counter
	closes       metric.Int64Counter

	meter     metric.Meter
	openConns metric.Int64ObservableUpDownCounter
	active    metric.Int64ObservableUpDownCounter
	waiting   metric.Int64ObservableUpDownCounter

	mu  sync.Mutex // guards reg
	reg metric.Registration
}

// New creates the instruments.
func New(opts ...Option) (*Metrics, error) {
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	if o.mp == nil {
		o.mp = otel.GetMeterProvider()
	}
	m := &Metrics{meter: o.mp.Meter(ScopeName)}
	var errs []error
	hist := func(name, desc string, buckets []float64) metric.Float64Histogram {
		h, err := m.meter.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc),
			metric.WithExplicitBucketBoundaries(buckets...))
		errs = append(errs, err)
		return h
	}
	counter := func(name, unit, desc string) metric.Int64Counter {
		c, err := m.meter.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	gauge := func(name, unit, desc string) metric.Int64ObservableUpDownCounter {
		g, err := m.meter.Int64ObservableUpDownCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return g
	}
	m.connDuration = hist(ConnectionDuration, "The duration of the successfully established outbound HTTP connections.", connDurationBuckets)
	m.reqDuration = hist(RequestDuration, "Duration of HTTP client requests.", durationBuckets)
	m.dialDuration = hist(DialDuration, "Time to open a connection: TCP, TLS and protocol negotiation.", durationBuckets)
	m.queueWait = hist(QueueWait, "Time a request waited for a connection or a stream slot.", durationBuckets)
	m.retries = counter(Retries, "{retry}", "Requests sent again after a failure that proved it safe.")
	m.goaways = counter(GoAways, "{goaway}", "HTTP/2 GOAWAY frames received.")
	m.resets = counter(StreamResets, "{reset}", "HTTP/2 streams reset, sent or received.")
	m.closes = counter(ConnectionCloses, "{connection}", "Connections closed, by reason.")
	m.openConns = gauge(OpenConnections, "{connection}", "Number of outbound HTTP connections that are currently active or idle on the client.")
	m.active = gauge(ActiveRequests, "{request}", "Number of active HTTP requests.")
	m.waiting = gauge(WaitingRequests, "{request}", "Requests waiting for a connection or a stream slot.")
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("plexotel: creating instruments: %w", err)
	}
	return m, nil
}

// Listener returns the event listener that feeds the event-driven
// instruments; give it to plex.WithEventListener.
func (m *Metrics) Listener() *plex.EventListener {
	return &plex.EventListener{
		ConnClosed: func(e plex.ConnClosed) {
			ctx := context.Background()
			attrs := connAttrs(e.Origin, e.Protocol)
			m.connDuration.Record(ctx, e.Age.Seconds(), metric.WithAttributes(attrs...))
			m.closes.Add(ctx, 1, metric.WithAttributes(append(attrs, CloseReasonKey.String(e.Reason.String()))...))
		},
		RequestDone: func(e plex.RequestDone) {
			attrs := append(originAttrs(e.Origin), methodKey.String(e.Method))
			if e.Protocol != "" {
				attrs = append(attrs, protoVersionKey.String(protoVersion(e.Protocol)))
			}
			if e.Err != nil {
				attrs = append(attrs, errorTypeKey.String(errorType(e.Err)))
			} else {
				attrs = append(attrs, statusKey.Int(e.StatusCode))
				if e.StatusCode >= 500 {
					attrs = append(attrs, errorTypeKey.String(strconv.Itoa(e.StatusCode)))
				}
			}
			m.reqDuration.Record(context.Background(), e.Duration.Seconds(), metric.WithAttributes(attrs...))
		},
		DialDone: func(e plex.DialDone) {
			attrs := originAttrs(e.Origin)
			if e.Err != nil {
				attrs = append(attrs, errorTypeKey.String(errorType(e.Err)))
			}
			m.dialDuration.Record(context.Background(), e.Duration.Seconds(), metric.WithAttributes(attrs...))
		},
		RequestDequeued: func(e plex.RequestDequeued) {
			m.queueWait.Record(context.Background(), e.Wait.Seconds(), metric.WithAttributes(originAttrs(e.Origin)...))
		},
		RetryDecided: func(e plex.RetryDecided) {
			m.retries.Add(context.Background(), 1, metric.WithAttributes(append(originAttrs(e.Origin), methodKey.String(e.Method))...))
		},
		GoAwayReceived: func(e plex.GoAwayReceived) {
			m.goaways.Add(context.Background(), 1, metric.WithAttributes(append(originAttrs(e.Origin), H2ErrorCodeKey.Int64(int64(e.Code)))...))
		},
		StreamReset: func(e plex.StreamReset) {
			m.resets.Add(context.Background(), 1, metric.WithAttributes(append(originAttrs(e.Origin),
				H2ErrorCodeKey.Int64(int64(e.Code)), ResetSentKey.Bool(e.Sent))...))
		},
	}
}

// Observe makes the gauges (open connections, active and waiting requests)
// read c's OriginStats at each collection. Call it once, with the Client
// built with Listener; Close undoes it.
func (m *Metrics) Observe(c *plex.Client) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.reg != nil {
		return errors.New("plexotel: Observe called twice")
	}
	reg, err := m.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		for _, s := range c.OriginStats() {
			observeOrigin(o, m, s)
		}
		return nil
	}, m.openConns, m.active, m.waiting)
	if err != nil {
		return fmt.Errorf("plexotel: registering callback: %w", err)
	}
	m.reg = reg
	return nil
}

func observeOrigin(o metric.Observer, m *Metrics, s plex.OriginStats) {
	for _, g := range []struct {
		proto       string
		conns, idle int
	}{{"1.1", s.HTTP1Conns, s.HTTP1IdleConns}, {"2", s.HTTP2Conns, s.HTTP2IdleConns}} {
		base := append(originAttrs(s.Origin), protoVersionKey.String(g.proto))
		o.ObserveInt64(m.openConns, int64(g.idle), metric.WithAttributes(append(base, connStateKey.String("idle"))...))
		o.ObserveInt64(m.openConns, int64(g.conns-g.idle), metric.WithAttributes(append(base, connStateKey.String("active"))...))
	}
	attrs := metric.WithAttributes(originAttrs(s.Origin)...)
	o.ObserveInt64(m.active, int64(s.InFlight+s.Waiting), attrs)
	o.ObserveInt64(m.waiting, int64(s.Waiting), attrs)
}

// Close stops the gauges' callback. The event-driven instruments keep
// recording while the Client they listen to lives.
func (m *Metrics) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.reg == nil {
		return nil
	}
	err := m.reg.Unregister()
	m.reg = nil
	return err
}

func originAttrs(o plex.Origin) []attribute.KeyValue {
	return []attribute.KeyValue{serverAddrKey.String(o.Host()), serverPortKey.Int(o.Port()), schemeKey.String(o.Scheme)}
}

func connAttrs(o plex.Origin, proto string) []attribute.KeyValue {
	return append(originAttrs(o), protoVersionKey.String(protoVersion(proto)))
}

// protoVersion maps "HTTP/1.1" to the convention's "1.1", "HTTP/2" to "2".
func protoVersion(p string) string {
	if p == "HTTP/2" {
		return "2"
	}
	return "1.1"
}

// errorType gives error.type a low-cardinality value, as the conventions
// ask: a few classes a dashboard can group by, "_OTHER" for the rest.
func errorType(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, plex.ErrClientClosed):
		return "client_closed"
	case errors.Is(err, plex.ErrMaybeProcessed):
		return "maybe_processed"
	}
	return "_OTHER"
}
