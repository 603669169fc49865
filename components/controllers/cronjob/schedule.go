package cronjob

import (
	"fmt"
	"time"
	// The controller runs FROM scratch, with no zoneinfo on disk.
	_ "time/tzdata"

	"github.com/robfig/cron/v3"
	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/utils/ptr"
)

// tooManyMissed is how many missed times make the controller warn, as kube's:
// more than a weekend of hourly runs, so likely a wrong clock or a long outage.
const tooManyMissed = 100

// nextScheduleDelta is added to every wait for the next time, as kube adds
// it, so that the sync it brings sees that time as passed.
const nextScheduleDelta = 100 * time.Millisecond

// parseSchedule parses cj's schedule in its zone: spec.timeZone, else the
// controller's own (UTC in the kit's images), as kube has it.
func parseSchedule(cj *batchv1.CronJob) (cron.Schedule, error) {
	sched, err := cron.ParseStandard(cj.Spec.Schedule)
	if err != nil {
		return nil, fmt.Errorf("unparseable schedule %q: %w", cj.Spec.Schedule, err)
	}
	loc, err := location(cj)
	if err != nil {
		return nil, err
	}
	if spec, ok := sched.(*cron.SpecSchedule); ok && cj.Spec.TimeZone != nil {
		spec.Location = loc
	}
	return sched, nil
}

// location is the zone of cj's scheduled-timestamp annotation: its
// timeZone, or UTC.
func location(cj *batchv1.CronJob) (*time.Location, error) {
	loc, err := time.LoadLocation(ptr.Deref(cj.Spec.TimeZone, ""))
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: %w", *cj.Spec.TimeZone, err)
	}
	return loc, nil
}

// earliest is the time after which cj's schedule is unmet: its last
// schedule, else its creation. With withDeadline, times older than
// startingDeadlineSeconds before now are given up on.
func earliest(cj *batchv1.CronJob, now time.Time, withDeadline bool) time.Time {
	t := cj.CreationTimestamp.Time
	if last := cj.Status.LastScheduleTime; last != nil {
		t = last.Time
	}
	if d := cj.Spec.StartingDeadlineSeconds; withDeadline && d != nil {
		if limit := now.Add(-time.Duration(*d) * time.Second); limit.After(t) {
			t = limit
		}
	}
	return t
}

// unmet returns the most recent time of sched in (after, now], zero if
// there is none, and how many times fell there, counted up to
// tooManyMissed+1. Only the most recent is ever run: kube's controller
// does not catch up on the others either.
func unmet(sched cron.Schedule, after, now time.Time) (latest time.Time, missed int) {
	for t := sched.Next(after); !t.IsZero() && !t.After(now); t = sched.Next(t) {
		latest, missed = t, missed+1
		if missed > tooManyMissed {
			// Walking every time of years of outage (or of a clock gone
			// wrong) could take for ever: look back from now instead.
			return latestBefore(sched, after, now), missed
		}
	}
	return latest, missed
}

// latestBefore finds the most recent time of sched in (after, now] by
// looking back from now through windows that double, so it costs a few
// dozen steps whatever the gap, and is exact for irregular schedules
// (weekdays, ranges of hours) where multiplying one interval is not.
func latestBefore(sched cron.Schedule, after, now time.Time) time.Time {
	if every, ok := sched.(cron.ConstantDelaySchedule); ok {
		// @every counts from after (to the second), not from the clock:
		// keep its phase.
		base := after.Truncate(time.Second)
		return base.Add(now.Sub(base) / every.Delay * every.Delay)
	}
	for window := time.Minute; ; window *= 2 {
		from := now.Add(-window)
		if !from.After(after) {
			from = after
		}
		var latest time.Time
		for t := sched.Next(from); !t.IsZero() && !t.After(now); t = sched.Next(t) {
			latest = t
		}
		if !latest.IsZero() || from.Equal(after) {
			return latest
		}
	}
}

// due is the time cj should have a Job for now, zero if none: the most
// recent unmet time of its schedule still within startingDeadlineSeconds.
// tooMany reports that more than tooManyMissed times went unmet.
func due(cj *batchv1.CronJob, sched cron.Schedule, now time.Time) (t time.Time, tooMany bool) {
	t, missed := unmet(sched, earliest(cj, now, true), now)
	return t, missed > tooManyMissed
}

// untilNext is how long until cj's next time after now, plus
// nextScheduleDelta; zero if its schedule never comes again.
func untilNext(cj *batchv1.CronJob, sched cron.Schedule, now time.Time) time.Duration {
	from := now
	if e := earliest(cj, now, false); e.After(now) {
		from = e // a creation time ahead of this clock: nothing runs before it
	}
	next := sched.Next(from)
	if next.IsZero() {
		return 0
	}
	return next.Sub(now) + nextScheduleDelta
}

// jobName is the name of cj's Job for scheduled time t: the same for the
// same time, so that a Job is never created twice for one time, in minutes
// since the epoch as kube's controller v2 names them.
func jobName(cj *batchv1.CronJob, t time.Time) string {
	return fmt.Sprintf("%s-%d", cj.Name, t.Unix()/60)
}
