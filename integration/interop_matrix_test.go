package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/plexhttp/plex/integration/realserver"
)

// The matrix of outcomes (server x protocol x behaviour) is collected from
// the interop subtests and written to docs/interop.md by TestMain when
// PLEX_WRITE_MATRIX=1.

type interopKey struct{ server, proto, behaviour string }

type interopCell struct {
	result string // "pass", "FAIL", "skip" or "n/a"
	note   string
}

// behaviourOrder is the matrix's column order; behaviours not listed follow
// in the order first seen.
var behaviourOrder = []string{
	"GET small/1M/16M", "HEAD", "404", "POST/PUT 1M/16M", "early answer to upload",
	"large response headers", "request headers near limit",
	"streams past limit (strict)", "streams past limit (default)",
	"server closes idle conns", "graceful reload", "observed reload", "2500 requests",
}

// addrPattern matches loopback addresses, which change from run to run.
var addrPattern = regexp.MustCompile(`127\.0\.0\.1:\d+`)

// interopMatrix is the collected outcomes; mu guards every other field.
var interopMatrix = struct {
	mu      sync.Mutex
	cells   map[interopKey]*interopCell
	reasons map[*testing.T]interopCell // the reason a test skipped, set before t.SkipNow
	order   []string                   // behaviours in column order
	version map[string]string          // server kind -> version it reported
}{cells: map[interopKey]*interopCell{}, reasons: map[*testing.T]interopCell{}, version: map[string]string{}}

// recordVersion notes the version a started server reported, for the
// matrix's heading.
func recordVersion(server, version string) {
	interopMatrix.mu.Lock()
	defer interopMatrix.mu.Unlock()
	interopMatrix.version[server] = version
}

// trackInterop records t's outcome under (server, proto, behaviour) when it ends.
func trackInterop(t *testing.T, server, proto, behaviour string) {
	key := interopKey{server, proto, behaviour}
	interopMatrix.mu.Lock()
	if !containsString(interopMatrix.order, behaviour) {
		interopMatrix.order = append(interopMatrix.order, behaviour)
	}
	c := &interopCell{}
	interopMatrix.cells[key] = c
	sort.SliceStable(interopMatrix.order, func(i, j int) bool {
		return rankOf(behaviourOrder, interopMatrix.order[i]) < rankOf(behaviourOrder, interopMatrix.order[j])
	})
	interopMatrix.mu.Unlock()
	t.Cleanup(func() {
		interopMatrix.mu.Lock()
		defer interopMatrix.mu.Unlock()
		switch {
		case t.Failed():
			c.result = "FAIL"
		case t.Skipped():
			r := interopMatrix.reasons[t]
			c.result, c.note = r.result, r.note
			if c.result == "" {
				c.result = "skip"
			}
		default:
			c.result = "pass"
		}
		delete(interopMatrix.reasons, t)
	})
}

// noteInterop attaches a measured fact (e.g. the server's stream limit) to t's
// interopCell in the interopMatrix.
func noteInterop(t *testing.T, server, proto, behaviour, format string, args ...any) {
	t.Logf(format, args...)
	interopMatrix.mu.Lock()
	defer interopMatrix.mu.Unlock()
	if c, ok := interopMatrix.cells[interopKey{server, proto, behaviour}]; ok {
		c.note = addrPattern.ReplaceAllString(fmt.Sprintf(format, args...), "127.0.0.1:PORT")
	}
}

func skipInterop(t *testing.T, reason string) {
	t.Helper()
	interopMatrix.mu.Lock()
	interopMatrix.reasons[t] = interopCell{result: "skip", note: addrPattern.ReplaceAllString(reason, "127.0.0.1:PORT")}
	interopMatrix.mu.Unlock()
	t.Skip(reason)
}

func notApplicable(t *testing.T, reason string) {
	t.Helper()
	interopMatrix.mu.Lock()
	interopMatrix.reasons[t] = interopCell{result: "n/a", note: reason}
	interopMatrix.mu.Unlock()
	t.Skip("not applicable: " + reason)
}

func rankOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return len(list)
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// writeInteropMatrix renders the collected outcomes as Markdown into path.
func writeInteropMatrix(path string) error {
	interopMatrix.mu.Lock()
	defer interopMatrix.mu.Unlock()
	if len(interopMatrix.cells) == 0 {
		return nil
	}
	rowsSeen := map[[2]string]bool{}
	for k := range interopMatrix.cells {
		rowsSeen[[2]string{k.server, k.proto}] = true
	}
	rank := func(list []string, s string) int {
		for i, x := range list {
			if x == s {
				return i
			}
		}
		return len(list)
	}
	var kinds, protos []string
	for _, k := range realserver.Kinds {
		kinds = append(kinds, string(k))
	}
	for _, p := range realserver.Protos {
		protos = append(protos, string(p))
	}
	var rows [][2]string
	for r := range rowsSeen {
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a[0] != b[0] {
			return rank(kinds, a[0]) < rank(kinds, b[0])
		}
		if rank(protos, a[1]) != rank(protos, b[1]) {
			return rank(protos, a[1]) < rank(protos, b[1])
		}
		return a[1] < b[1]
	})
	var b strings.Builder
	b.WriteString("# Interoperability matrix\n\n")
	b.WriteString("Generated by `PLEX_WRITE_MATRIX=1 scripts/test ./integration` from the outcomes of the\n")
	b.WriteString("`TestInterop*` tests in `integration/`; do not edit by hand. Each server runs on loopback,\n")
	b.WriteString("configured by `integration/realserver`. Protocols: `h2` (TLS, ALPN h2), `h1-tls` (TLS,\n")
	b.WriteString("ALPN http/1.1), `h2c` (cleartext, prior knowledge), `h1` (cleartext HTTP/1.1).\n")
	b.WriteString("Cells: pass, FAIL, skip (not run here, with the reason), n/a (the server cannot do it)\n")
	b.WriteString("or – (the behaviour is HTTP/2 only);\n")
	b.WriteString("a number in brackets refers to the notes below the table.\n\n")
	b.WriteString("Versions:")
	for _, k := range kinds {
		if v, ok := interopMatrix.version[k]; ok {
			fmt.Fprintf(&b, " %s (%s);", k, v)
		}
	}
	b.WriteString("\n\n")
	var notes []string
	noteIndex := map[string]int{}
	table := func(rows [][2]string, behaviours []string, rowHead string) {
		b.WriteString("| server | " + rowHead + " |")
		for _, beh := range behaviours {
			b.WriteString(" " + beh + " |")
		}
		b.WriteString("\n|---|---|" + strings.Repeat("---|", len(behaviours)) + "\n")
		for _, r := range rows {
			fmt.Fprintf(&b, "| %s | %s |", r[0], r[1])
			for _, beh := range behaviours {
				c, ok := interopMatrix.cells[interopKey{r[0], r[1], beh}]
				switch {
				case !ok:
					b.WriteString(" – |")
				case c.note == "":
					fmt.Fprintf(&b, " %s |", c.result)
				default:
					n, seen := noteIndex[c.note]
					if !seen {
						notes = append(notes, c.note)
						n = len(notes)
						noteIndex[c.note] = n
					}
					fmt.Fprintf(&b, " %s [%d] |", c.result, n)
				}
			}
			b.WriteString("\n")
		}
	}
	var protoRows, listenerRows [][2]string
	for _, r := range rows {
		if rank(protos, r[1]) < len(protos) {
			protoRows = append(protoRows, r)
		} else {
			listenerRows = append(listenerRows, r)
		}
	}
	var protoBehaviours, listenerBehaviours []string
	for _, beh := range interopMatrix.order {
		inProto, inListener := false, false
		for k := range interopMatrix.cells {
			if k.behaviour != beh {
				continue
			}
			if rank(protos, k.proto) < len(protos) {
				inProto = true
			} else {
				inListener = true
			}
		}
		if inProto {
			protoBehaviours = append(protoBehaviours, beh)
		}
		if inListener {
			listenerBehaviours = append(listenerBehaviours, beh)
		}
	}
	table(protoRows, protoBehaviours, "protocol")
	if len(listenerRows) > 0 {
		b.WriteString("\nTLS listeners without h2 (the client offers h2 and http/1.1; an HTTP/2-only client must fail with alpn.ErrALPN):\n\n")
		table(listenerRows, listenerBehaviours, "listener")
	}
	if len(notes) > 0 {
		b.WriteString("\nNotes:\n\n")
		for i, n := range notes {
			fmt.Fprintf(&b, "%d. %s\n", i+1, strings.ReplaceAll(n, "\n", " "))
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
