package status

import "time"

// Session is the state of a session at "now" (SPEC §2).
type Session string

const (
	SessionNotStarted Session = "not_started"
	SessionOngoing    Session = "ongoing"
	SessionEnded      Session = "ended"
	SessionArchived   Session = "archived"
)

// SessionState tells where a session stands at now; archiving wins over dates.
func SessionState(startsAt time.Time, endsAt *time.Time, archived bool, now time.Time) Session {
	switch {
	case archived:
		return SessionArchived
	case now.Before(startsAt):
		return SessionNotStarted
	case endsAt != nil && !now.Before(*endsAt):
		return SessionEnded
	default:
		return SessionOngoing
	}
}
