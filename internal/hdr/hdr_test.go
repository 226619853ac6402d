package hdr

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestQuantileWithinOneSixtyFourth(t *testing.T) {
	var h Histogram
	r := rand.New(rand.NewPCG(1, 2))
	vals := make([]time.Duration, 10000)
	for i := range vals {
		vals[i] = time.Duration(r.ExpFloat64() * float64(300*time.Microsecond))
		h.Record(vals[i])
	}
	sort.Slice(vals, func(a, b int) bool { return vals[a] < vals[b] })
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		exact := vals[int(q*float64(len(vals)))-1]
		got := h.Quantile(q)
		require.InEpsilon(t, float64(exact), float64(got), 1.0/32, "q=%v", q)
	}
	require.Equal(t, uint64(len(vals)), h.Count())
	require.Equal(t, vals[len(vals)-1], h.Max())
}

func TestBucketsCoverEveryValueOnce(t *testing.T) {
	prevEnd := uint64(0)
	for i := 0; i < nBuckets-1; i++ {
		require.Equal(t, prevEnd, lowest(i), "bucket %d starts where %d ended", i, i-1)
		require.Equal(t, i, index(lowest(i)))
		require.Equal(t, i, index(lowest(i)+width(i)-1))
		prevEnd = lowest(i) + width(i)
	}
}

func TestHugeValuesClampToLastBucket(t *testing.T) {
	var h Histogram
	h.Record(time.Duration(1 << 62))
	h.Record(-time.Second)
	require.Equal(t, uint64(2), h.Count())
	require.Equal(t, time.Duration(0), h.Quantile(0.5))
	require.Equal(t, time.Duration(1<<62), h.Quantile(1))
}

func TestEmptyHistogramReportsZero(t *testing.T) {
	var h Histogram
	require.Zero(t, h.Quantile(0.99))
	require.Nil(t, h.Bars(10))
}

func TestBarsSumToCount(t *testing.T) {
	var h Histogram
	for i := range 1000 {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	var sum uint64
	bars := h.Bars(10)
	require.LessOrEqual(t, len(bars), 10)
	for _, b := range bars {
		sum += b.Count
		require.Less(t, b.From, b.To)
	}
	require.Equal(t, h.Count(), sum)
}
