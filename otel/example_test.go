package plexotel_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"

	"github.com/plexhttp/plex"
	plexotel "github.com/plexhttp/plex/otel"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// A service calling an upstream through plex serves the client's metrics
// on /metrics for Prometheus to scrape.
func Example_prometheus() {
	reg := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		log.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	defer mp.Shutdown(context.Background())

	metrics, err := plexotel.New(plexotel.WithMeterProvider(mp))
	if err != nil {
		log.Fatal(err)
	}
	client, err := plex.New(plex.WithEventListener(metrics.Listener()))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	if err := metrics.Observe(client); err != nil {
		log.Fatal(err)
	}
	defer metrics.Close()

	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	service := httptest.NewServer(mux) // in production: http.ListenAndServe
	defer service.Close()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	}))
	defer upstream.Close()

	req, _ := http.NewRequest(http.MethodGet, upstream.URL, nil)
	resp, err := client.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	// What a scrape sees (the metric families only; their labels name the
	// upstream's address and port).
	scrape, err := http.Get(service.URL + "/metrics")
	if err != nil {
		log.Fatal(err)
	}
	defer scrape.Body.Close()
	var names []string
	sc := bufio.NewScanner(scrape.Body)
	for sc.Scan() {
		if name, ok := strings.CutPrefix(sc.Text(), "# TYPE "); ok && strings.Contains(name, "client") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Println(n)
	}
	// Output:
	// http_client_active_requests gauge
	// http_client_open_connections gauge
	// http_client_request_duration_seconds histogram
	// plex_client_connection_wait_time_seconds histogram
	// plex_client_dial_duration_seconds histogram
	// plex_client_waiting_requests gauge
}
