// Package hdr is a fixed-size latency histogram in the style of
// HdrHistogram: log-linear buckets with 64 sub-buckets per power of two, so
// any recorded value is reported within 1/64 (about 1.6%) of its true value,
// at a constant 18 KiB per histogram and no allocation per record.
package hdr

import (
	"math/bits"
	"sync/atomic"
	"time"
)

const (
	subBits  = 6
	subCount = 1 << subBits
	// maxShift bounds the range to 2^(maxShift+subBits+1) ns, about 39
	// hours; larger values are clamped into the last bucket.
	maxShift = 40
	nBuckets = (maxShift+1)*subCount + subCount
)

// Histogram counts durations. Record is safe for concurrent use (each
// bucket is an atomic counter, so workers share one histogram without a
// lock); the reading methods must not race with Record if the caller needs
// an exact snapshot.
type Histogram struct {
	counts [nBuckets]atomic.Uint64
	total  atomic.Uint64
	maxNS  atomic.Int64
}

func index(v uint64) int {
	if v < 2*subCount {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1
	if shift > maxShift {
		return nBuckets - 1
	}
	return shift*subCount + int(v>>shift)
}

// lowest is the smallest value that falls into bucket i.
func lowest(i int) uint64 {
	if i < 2*subCount {
		return uint64(i)
	}
	shift := i/subCount - 1
	return uint64(i-shift*subCount) << shift
}

// width is how many values bucket i covers.
func width(i int) uint64 {
	if i < 2*subCount {
		return 1
	}
	return 1 << (i/subCount - 1)
}

// Record adds one duration; negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	v := max(int64(d), 0)
	h.counts[index(uint64(v))].Add(1)
	h.total.Add(1)
	for {
		m := h.maxNS.Load()
		if v <= m || h.maxNS.CompareAndSwap(m, v) {
			break
		}
	}
}

// Count is the number of recorded durations.
func (h *Histogram) Count() uint64 { return h.total.Load() }

// Max is the largest recorded duration, exactly.
func (h *Histogram) Max() time.Duration { return time.Duration(h.maxNS.Load()) }

// Quantile returns the duration below which a fraction q (0 to 1) of the
// recorded durations fall, as the midpoint of its bucket, capped at Max. It
// is 0 for an empty histogram.
func (h *Histogram) Quantile(q float64) time.Duration {
	n := h.total.Load()
	if n == 0 {
		return 0
	}
	q = min(max(q, 0), 1)
	rank := uint64(q*float64(n) + 0.5)
	rank = min(max(rank, 1), n)
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			if i == nBuckets-1 {
				return h.Max() // clamped values: the bucket says nothing
			}
			mid := lowest(i) + width(i)/2
			return min(time.Duration(mid), h.Max())
		}
	}
	return h.Max()
}

// Bar is one line of a histogram's distribution: the count of durations
// in [From, To).
type Bar struct {
	From, To time.Duration
	Count    uint64
}

// Bars folds the buckets into about n ranges of equal width on a log scale
// between the smallest and largest recorded durations, for printing.
func (h *Histogram) Bars(n int) []Bar {
	first, last := -1, -1
	for i := range h.counts {
		if h.counts[i].Load() > 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 || n < 1 {
		return nil
	}
	per := max((last-first+1+n-1)/n, 1)
	var bars []Bar
	for i := first; i <= last; i += per {
		end := min(i+per, last+1)
		b := Bar{From: time.Duration(lowest(i)), To: time.Duration(lowest(end-1) + width(end-1))}
		for j := i; j < end; j++ {
			b.Count += h.counts[j].Load()
		}
		bars = append(bars, b)
	}
	return bars
}
