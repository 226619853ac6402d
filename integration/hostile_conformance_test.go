package integration

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
)

// requirement is one behaviour the conformance document lists: a rule a
// peer can break or a fault it can cause, and the test that checks it.
type requirement struct {
	Area    string // groups rows: "HTTP/2 connection errors", "Faults", ...
	Section string // where the rule is stated, e.g. "RFC 9113 §6.9"
	Rule    string // what plex must do, in words
	Test    string // full test name, as go test -run takes it
	Result  string // "pass", "fail", "skip: reason", filled by the run
}

// conformance collects the requirements checked by this run. mu guards
// rows; tests register from their own goroutines, possibly in parallel.
var conformance struct {
	mu   sync.Mutex
	rows []requirement
}

// checks records that t verifies r and, when t ends, its result. Call it at
// the top of the test (or subtest) that checks the rule.
func checks(t *testing.T, area, section, rule string) {
	t.Helper()
	r := requirement{Area: area, Section: section, Rule: rule, Test: t.Name()}
	t.Cleanup(func() {
		switch {
		case t.Failed():
			r.Result = "FAIL"
		case t.Skipped():
			r.Result = "skipped"
		default:
			r.Result = "pass"
		}
		conformance.mu.Lock()
		conformance.rows = append(conformance.rows, r)
		conformance.mu.Unlock()
	})
}

// TestConformanceDocument regenerates ../docs/conformance.md when
// PLEX_WRITE_CONFORMANCE=1: it runs every test registered with
// registerSuite as its own subtest and writes the results of that run.
//
//	PLEX_WRITE_CONFORMANCE=1 go test ./integration -run TestConformanceDocument
func TestConformanceDocument(t *testing.T) {
	if os.Getenv("PLEX_WRITE_CONFORMANCE") != "1" {
		t.Skip("set PLEX_WRITE_CONFORMANCE=1 to regenerate docs/conformance.md")
	}
	conformance.mu.Lock()
	conformance.rows = nil
	conformance.mu.Unlock()
	runConformanceSuite(t)
	conformance.mu.Lock()
	rows := append([]requirement(nil), conformance.rows...)
	conformance.mu.Unlock()
	for i := range rows {
		rows[i].Test = strings.TrimPrefix(rows[i].Test, t.Name()+"/")
	}
	if err := os.WriteFile("../docs/conformance.md", []byte(renderConformance(rows)), 0o644); err != nil {
		t.Fatalf("writing docs/conformance.md: %v", err)
	}
}

// conformanceSuite lists the top-level tests that register requirements,
// for runConformanceSuite.
var conformanceSuite = map[string]func(*testing.T){}

// registerSuite adds a top-level test to conformanceSuite; files call it
// from a package-level var so the list is complete before tests run.
func registerSuite(name string, f func(*testing.T)) bool {
	conformanceSuite[name] = f
	return true
}

func runConformanceSuite(t *testing.T) {
	names := make([]string, 0, len(conformanceSuite))
	for n := range conformanceSuite {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Run(n, conformanceSuite[n])
	}
}

func renderConformance(rows []requirement) string {
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Area != rows[j].Area {
			return rows[i].Area < rows[j].Area
		}
		return rows[i].Test < rows[j].Test
	})
	var b strings.Builder
	b.WriteString("# Conformance with hostile peers\n\n")
	b.WriteString("Generated from a test run; do not edit. Regenerate with:\n\n")
	b.WriteString("    PLEX_WRITE_CONFORMANCE=1 go test ./integration -run TestConformanceDocument\n\n")
	b.WriteString("Each row is one requirement, the test that checks it (run it with\n")
	b.WriteString("`go test ./integration -run '<test>'`) and the result of the run that\n")
	b.WriteString("wrote this file. HTTP/2 rows check the exact frame plex answers with\n")
	b.WriteString("(GOAWAY or RST_STREAM and its code) and the typed error the caller gets.\n")
	counts := map[string]int{}
	area := ""
	for _, r := range rows {
		counts[resultKind(r.Result)]++
		if r.Area != area {
			area = r.Area
			fmt.Fprintf(&b, "\n## %s\n\n| Requirement | Rule | Test | Result |\n|---|---|---|---|\n", area)
		}
		fmt.Fprintf(&b, "| %s | %s | `%s` | %s |\n", cell(r.Section), cell(r.Rule), cell(r.Test), r.Result)
	}
	fmt.Fprintf(&b, "\nTotal: %d requirements, %d pass, %d fail, %d skipped.\n", len(rows), counts["pass"], counts["FAIL"], counts["skipped"])
	b.WriteString("\nA skipped row is a known bug: its test states it in its skip message and\n")
	b.WriteString("passes once the bug is fixed and the skip removed.\n")
	b.WriteString("\nThe same peers are fuzzed: `FuzzServerFrames` and `FuzzResponseHeaderBlock`\n")
	b.WriteString("(h2), `FuzzH1ClientResponse` (integration, against net/http's parser), and\n")
	b.WriteString("`FuzzReadResponse` and `FuzzChunked` (h1).\n")
	return b.String()
}

func resultKind(r string) string {
	if strings.HasPrefix(r, "skip") {
		return "skipped"
	}
	return r
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
