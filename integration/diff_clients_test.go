package integration

import (
	"crypto/tls"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
)

// diffProto is how a scenario speaks to its server.
type diffProto string

const (
	dH1  diffProto = "h1"  // https, HTTP/1.1 only
	dH2  diffProto = "h2"  // https, HTTP/2 and HTTP/1.1 offered by ALPN (the default of both)
	dH1C diffProto = "h1c" // http, HTTP/1.1 (the default of both)
	dH2C diffProto = "h2c" // http, HTTP/2 with prior knowledge only
)

func (p diffProto) tls() bool { return p == dH1 || p == dH2 }

// diffConfig is one configuration given to both clients, each in its own
// terms.
type diffConfig struct {
	// protocols, when set, replaces the protocols diffProto implies.
	protocols             []plex.Protocol
	responseHeaderTimeout time.Duration
	tlsHandshakeTimeout   time.Duration
	expectContinueTimeout time.Duration
	// writeByteTimeout bounds a write that makes no progress: net/http has
	// it for HTTP/2 only (HTTP2Config.WriteByteTimeout).
	writeByteTimeout time.Duration
	// bodyReadTimeout is plex's alone: net/http has no such bound.
	bodyReadTimeout time.Duration
	// Do-level settings, given to http.Client and to plex's options.
	jar           func() http.CookieJar
	checkRedirect func(*http.Request, []*http.Request) error
	timeout       time.Duration
	// httpClient: plex's side goes through the *http.Client its
	// HTTPClient method returns instead of Client.Do.
	httpClient bool
}

// diffSide is one client under test.
type diffSide struct {
	name string
	rt   http.RoundTripper
	do   func(*http.Request) (*http.Response, error)
	// close ends the client as its users do: CloseIdleConnections for
	// net/http's Transport (it has no Close), Close for plex.
	close func()
}

// protocolsFor gives the protocols each diffProto stands for.
func protocolsFor(p diffProto, cfg diffConfig) []plex.Protocol {
	if cfg.protocols != nil {
		return cfg.protocols
	}
	switch p {
	case dH1:
		return []plex.Protocol{plex.HTTP1}
	case dH2:
		return []plex.Protocol{plex.HTTP1, plex.HTTP2}
	case dH2C:
		return []plex.Protocol{plex.UnencryptedHTTP2}
	}
	return []plex.Protocol{plex.HTTP1}
}

// netSide is net/http's Transport with HTTP/2 enabled as its users enable
// it (ForceAttemptHTTP2 and Protocols), under an http.Client for Do.
func netSide(t *testing.T, p diffProto, tlsCfg *tls.Config, cfg diffConfig) *diffSide {
	t.Helper()
	tr := &http.Transport{
		ForceAttemptHTTP2:     true,
		TLSClientConfig:       tlsCfg.Clone(),
		ResponseHeaderTimeout: cfg.responseHeaderTimeout,
		TLSHandshakeTimeout:   cfg.tlsHandshakeTimeout,
		ExpectContinueTimeout: cfg.expectContinueTimeout,
		Protocols:             new(http.Protocols),
		HTTP2:                 &http.HTTP2Config{WriteByteTimeout: cfg.writeByteTimeout},
	}
	for _, pr := range protocolsFor(p, cfg) {
		switch pr {
		case plex.HTTP1:
			tr.Protocols.SetHTTP1(true)
		case plex.HTTP2:
			tr.Protocols.SetHTTP2(true)
		case plex.UnencryptedHTTP2:
			tr.Protocols.SetUnencryptedHTTP2(true)
		}
	}
	hc := &http.Client{Transport: tr, CheckRedirect: cfg.checkRedirect, Timeout: cfg.timeout}
	if cfg.jar != nil {
		hc.Jar = cfg.jar()
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &diffSide{name: "net/http", rt: tr, do: hc.Do, close: tr.CloseIdleConnections}
}

func plexSide(t *testing.T, p diffProto, tlsCfg *tls.Config, cfg diffConfig) *diffSide {
	t.Helper()
	opts := []plex.Option{plex.WithProtocols(protocolsFor(p, cfg)...)}
	if tlsCfg != nil {
		opts = append(opts, plex.WithTLSConfig(tlsCfg))
	}
	if cfg.responseHeaderTimeout > 0 {
		opts = append(opts, plex.WithResponseHeaderTimeout(cfg.responseHeaderTimeout))
	}
	if cfg.tlsHandshakeTimeout > 0 {
		opts = append(opts, plex.WithTLSHandshakeTimeout(cfg.tlsHandshakeTimeout))
	}
	if cfg.expectContinueTimeout > 0 {
		opts = append(opts, plex.WithExpectContinueTimeout(cfg.expectContinueTimeout))
	}
	if cfg.writeByteTimeout > 0 {
		opts = append(opts, plex.WithWriteByteTimeout(cfg.writeByteTimeout))
	}
	if cfg.bodyReadTimeout > 0 {
		opts = append(opts, plex.WithBodyReadTimeout(cfg.bodyReadTimeout))
	}
	if cfg.jar != nil {
		opts = append(opts, plex.WithJar(cfg.jar()))
	}
	if cfg.checkRedirect != nil {
		opts = append(opts, plex.WithCheckRedirect(cfg.checkRedirect))
	}
	if cfg.timeout > 0 {
		opts = append(opts, plex.WithTimeout(cfg.timeout))
	}
	c, err := plex.New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	do := c.Do
	if cfg.httpClient {
		do = c.HTTPClient().Do
	}
	return &diffSide{name: "plex", rt: c, do: do, close: func() { require.NoError(t, c.Close()) }}
}
