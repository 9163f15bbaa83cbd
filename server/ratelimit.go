package server

import (
	"sync"
	"time"
)

// RateLimit allows each client address Burst requests at once, refilled
// at one request per Every (a token bucket per address).
type RateLimit struct {
	Burst int
	Every time.Duration
}

// DefaultVerifyLimit is the limit of the verification page and its JSON
// (SPEC §8): a gate checking a crew in a row passes, a crawler trying
// codes is slowed to one a second.
var DefaultVerifyLimit = RateLimit{Burst: 60, Every: time.Second}

// maxTrackedAddresses bounds the limiter's memory: past it, addresses
// whose bucket has refilled are forgotten, and if that is not enough, all.
const maxTrackedAddresses = 100_000

// addressLimiter applies a RateLimit per client address. Its buckets live
// in this process: several serve processes each allow the full rate, which
// slows enumeration as much as it needs (a code has 128 random bits) and
// keeps no shared state (docs/DECISIONS.md).
type addressLimiter struct {
	limit   RateLimit
	now     func() time.Time // real time: a frozen business clock must not freeze the refill
	mu      sync.Mutex
	buckets map[string]bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newAddressLimiter(l RateLimit) *addressLimiter {
	return &addressLimiter{limit: l, now: time.Now, buckets: map[string]bucket{}}
}

// allow takes one request from the address's bucket; when it is empty it
// answers false and how long until the next request is allowed.
func (l *addressLimiter) allow(addr string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[addr]
	if !ok {
		if len(l.buckets) >= maxTrackedAddresses {
			l.forget(now)
		}
		b = bucket{tokens: float64(l.limit.Burst), at: now}
	}
	b = l.refill(b, now)
	if b.tokens < 1 {
		l.buckets[addr] = b
		return false, time.Duration((1 - b.tokens) * float64(l.limit.Every))
	}
	b.tokens--
	l.buckets[addr] = b
	return true, 0
}

func (l *addressLimiter) refill(b bucket, now time.Time) bucket {
	if l.limit.Every > 0 {
		b.tokens = min(float64(l.limit.Burst), b.tokens+float64(now.Sub(b.at))/float64(l.limit.Every))
	}
	b.at = now
	return b
}

// forget drops the buckets that are full again, or all when none is.
func (l *addressLimiter) forget(now time.Time) {
	for addr, b := range l.buckets {
		if l.refill(b, now).tokens >= float64(l.limit.Burst) {
			delete(l.buckets, addr)
		}
	}
	if len(l.buckets) >= maxTrackedAddresses {
		clear(l.buckets)
	}
}
