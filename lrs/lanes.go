package lrs

import "sync"

// lanes are this process's deliveries in progress, one training each
// (SPEC §4: one slow or hanging LRS never delays another training). A
// delivery whose request goes unanswered for SlowAfter puts its endpoint in
// trouble: its lane stops counting against Concurrency, so another lane
// opens for the trainings behind it, and no other training of that
// endpoint is claimed while it stays in trouble. The lanes in use are thus
// Concurrency plus one per endpoint in trouble, up to MaxLanes.
type lanes struct {
	prompt, max int

	mu       sync.Mutex
	open     map[*lane]bool
	troubled int
	freed    chan struct{} // signalled when a lane closes or is put in trouble
}

// lane is one delivery in progress.
type lane struct {
	endpoint string
	troubled bool // guarded by lanes.mu
}

func newLanes(prompt, max int) *lanes {
	return &lanes{prompt: prompt, max: max, open: map[*lane]bool{}, freed: make(chan struct{}, 1)}
}

// free tells whether a training may be claimed now.
func (ls *lanes) free() bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return len(ls.open)-ls.troubled < ls.prompt && len(ls.open) < ls.max
}

// inTrouble lists the endpoints of the lanes in trouble, which claims pass
// over; nil when there are none.
func (ls *lanes) inTrouble() []string {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	var list []string
	for l := range ls.open {
		if l.troubled {
			list = append(list, l.endpoint)
		}
	}
	return list
}

func (ls *lanes) start(endpoint string) *lane {
	l := &lane{endpoint: endpoint}
	ls.mu.Lock()
	ls.open[l] = true
	ls.mu.Unlock()
	return l
}

// trouble puts a lane's endpoint in trouble (once, and only while the lane
// is open: its timer may fire as the lane ends).
func (ls *lanes) trouble(l *lane) {
	ls.mu.Lock()
	if !l.troubled && ls.open[l] {
		l.troubled = true
		ls.troubled++
	}
	ls.mu.Unlock()
	ls.signal()
}

func (ls *lanes) end(l *lane) {
	ls.mu.Lock()
	delete(ls.open, l)
	if l.troubled {
		ls.troubled--
	}
	ls.mu.Unlock()
	ls.signal()
}

func (ls *lanes) signal() {
	select {
	case ls.freed <- struct{}{}:
	default: // a signal is already waiting
	}
}
