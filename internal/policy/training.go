package policy

import "time"

// TrainingKey is the key of service_areas[].retention that sets how long a
// call chosen for training (a clip in a training playlist) is kept: its own
// encrypted copy lives that long from when it was chosen, even after the
// recording's own period ends. It is not a data kind: most areas never set
// it, and an area that does not keeps clips only as long as the recording.
const TrainingKey = "training"

// MaxTrainingMonths caps retention.training. Training material ages with
// the processes and systems it shows: two years covers a yearly induction
// cycle and the refresher after it, which is the training purpose the
// notice names, while a longer period would turn "training" into an archive
// of residents' calls that no training need justifies. It matches the two
// years staff score aggregates are kept (quality.StatsRetention).
const MaxTrainingMonths = 24

// TrainingRetention returns the training retention an area sets, if any.
func (s *System) TrainingRetention(area string) (Retention, bool) {
	a, ok := s.ServiceArea(area)
	if !ok {
		return Retention{}, false
	}
	r, ok := a.Retention[TrainingKey]
	return r, ok && !r.IsZero()
}

// TrainingRetention returns the training retention of a system's area, if set.
func (p *Policy) TrainingRetention(system, area string) (Retention, bool) {
	s, ok := p.System(system)
	if !ok {
		return Retention{}, false
	}
	return s.TrainingRetention(area)
}

// trainingRetention validates service_areas[].retention.training: a period
// (an event cannot end a training copy) of at most MaxTrainingMonths.
func (v *validator) trainingRetention(path string, r Retention) {
	if v.d.has(path + ".until_event") {
		v.errf(path+".until_event", "training retention must be a period (months, days), not an event")
		return
	}
	v.retention(path, r)
	// The cap is on the whole period: 24 months, or its length in days from any start.
	start := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	if r.Months > 0 || r.Days > 0 {
		if r.ExpiresAt(start).After(Retention{Months: MaxTrainingMonths}.ExpiresAt(start)) {
			v.errf(path, "%s is longer than the %d-month limit for training copies", r, MaxTrainingMonths)
		}
	}
}
