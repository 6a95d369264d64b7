package recording

import "time"

// TransferLimits bound how long moving a recording over the network may
// take: Base plus one second for every MinRate bytes. A client slower than
// that is cut off with a clear error instead of holding a connection (and,
// for a disclosure link, the link's single use) indefinitely.
type TransferLimits struct {
	Base    time.Duration
	MinRate int64 // bytes a second
}

// DefaultTransferLimits allow 30 s plus 64 KB/s: a 512 MB upload gets
// about two and a quarter hours.
var DefaultTransferLimits = TransferLimits{Base: 30 * time.Second, MinRate: 64 << 10}

// Effective is l with zero fields set to the defaults.
func (l TransferLimits) Effective() TransferLimits {
	if l.Base <= 0 {
		l.Base = DefaultTransferLimits.Base
	}
	if l.MinRate <= 0 {
		l.MinRate = DefaultTransferLimits.MinRate
	}
	return l
}

// For is the time allowed to move size bytes.
func (l TransferLimits) For(size int64) time.Duration {
	l = l.Effective()
	if size < 0 {
		size = 0
	}
	return l.Base + time.Duration(float64(size)/float64(l.MinRate)*float64(time.Second))
}
