package cronjob

import (
	"testing"
	"time"

	"github.com/robfig/cron/v3"
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// at is a time of 2 March 2026 (a Monday), UTC.
func at(hour, minute, second int) time.Time {
	return time.Date(2026, 3, 2, hour, minute, second, 0, time.UTC)
}

func mustParse(t *testing.T, cj *batchv1.CronJob) cron.Schedule {
	t.Helper()
	sched, err := parseSchedule(cj)
	if err != nil {
		t.Fatal(err)
	}
	return sched
}

// scheduled is a CronJob of schedule, in UTC, created at created.
func scheduled(schedule string, created time.Time) *batchv1.CronJob {
	return &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "tick", Namespace: "ns", UID: "cj-uid", CreationTimestamp: metav1.NewTime(created)},
		Spec: batchv1.CronJobSpec{Schedule: schedule, TimeZone: ptr.To("UTC")}}
}

func TestUnmetFindsTheMostRecentTimeAndCountsTheMissed(t *testing.T) {
	tests := []struct {
		name       string
		schedule   string
		after, now time.Time
		want       time.Time
		missed     int
	}{
		{"none yet", "*/1 * * * *", at(10, 0, 0), at(10, 0, 59), time.Time{}, 0},
		{"exactly on time", "*/1 * * * *", at(10, 0, 0), at(10, 1, 0), at(10, 1, 0), 1},
		{"three missed", "*/1 * * * *", at(10, 0, 0), at(10, 3, 30), at(10, 3, 0), 3},
		{"a descriptor", "@hourly", at(7, 59, 0), at(10, 30, 0), at(10, 0, 0), 3},
		{"weekdays only, over a weekend", "0 9 * * 1-5", time.Date(2026, 2, 27, 10, 0, 0, 0, time.UTC), at(8, 0, 0), time.Time{}, 0},
		{"weekdays only, Monday morning", "0 9 * * 1-5", time.Date(2026, 2, 27, 10, 0, 0, 0, time.UTC), at(9, 0, 1), at(9, 0, 0), 1},
		{"two days a week, years on: too many, the latest exact", "0 9 * * 1,2", time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC), time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC), tooManyMissed + 1},
		{"every minute for a week: too many, the latest exact", "*/1 * * * *", at(10, 0, 0).AddDate(0, 0, -7), at(10, 0, 42), at(10, 0, 0), tooManyMissed + 1},
		{"@every keeps its phase past too many", "@every 90s", at(10, 0, 15), at(10, 0, 15).Add(200*90*time.Second + 30*time.Second),
			at(10, 0, 15).Add(200 * 90 * time.Second), tooManyMissed + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sched := mustParse(t, scheduled(tt.schedule, tt.after))
			got, missed := unmet(sched, tt.after, tt.now)
			if !got.Equal(tt.want) || missed != tt.missed {
				t.Errorf("unmet = %v, %d missed; want %v, %d", got, missed, tt.want, tt.missed)
			}
		})
	}
}

func TestDueGivesUpOnTimesPastTheirStartingDeadline(t *testing.T) {
	cj := scheduled("*/5 * * * *", at(9, 0, 0))
	cj.Status.LastScheduleTime = &metav1.Time{Time: at(9, 50, 0)}
	sched := mustParse(t, cj)
	if got, _ := due(cj, sched, at(10, 7, 0)); !got.Equal(at(10, 5, 0)) {
		t.Errorf("no deadline: due %v, want the most recent 10:05", got)
	}
	cj.Spec.StartingDeadlineSeconds = ptr.To[int64](200)
	if got, _ := due(cj, sched, at(10, 7, 0)); !got.Equal(at(10, 5, 0)) {
		t.Errorf("10:05 is 120s old, within 200s: due %v", got)
	}
	if got, _ := due(cj, sched, at(10, 9, 0)); !got.IsZero() {
		t.Errorf("10:05 is 240s old, past 200s: due %v, want none", got)
	}
	cj.Status.LastScheduleTime = &metav1.Time{Time: at(10, 5, 0)}
	if got, _ := due(cj, sched, at(10, 7, 0)); !got.IsZero() {
		t.Errorf("10:05 ran already: due %v, want none", got)
	}
	minutely := scheduled("*/1 * * * *", at(0, 0, 0))
	if got, tooMany := due(minutely, mustParse(t, minutely), at(10, 0, 30)); !tooMany || !got.Equal(at(10, 0, 0)) {
		t.Errorf("600 missed minutes: due %v, too many %v; want 10:00, too many", got, tooMany)
	}
	minutely.Spec.StartingDeadlineSeconds = ptr.To[int64](3000)
	if got, tooMany := due(minutely, mustParse(t, minutely), at(10, 0, 30)); tooMany || !got.Equal(at(10, 0, 0)) {
		t.Errorf("a deadline of 50 minutes keeps the count under 100: due %v, too many %v", got, tooMany)
	}
}

func TestUntilNextWaitsForTheNextTimeAndALittleMore(t *testing.T) {
	tests := []struct {
		name     string
		schedule string
		tz       string
		created  time.Time
		now      time.Time
		want     time.Duration
	}{
		{"mid-minute", "*/1 * * * *", "UTC", at(9, 0, 0), at(10, 0, 20), 40*time.Second + nextScheduleDelta},
		{"on the minute", "*/1 * * * *", "UTC", at(9, 0, 0), at(10, 1, 0), time.Minute + nextScheduleDelta},
		{"hourly", "@hourly", "UTC", at(9, 0, 0), at(10, 15, 0), 45*time.Minute + nextScheduleDelta},
		{"02:00 in Berlin is 01:00 UTC in March", "0 2 * * *", "Europe/Berlin", at(0, 0, 0), at(0, 30, 0), 30*time.Minute + nextScheduleDelta},
		{"created ahead of this clock", "*/1 * * * *", "UTC", at(10, 5, 30), at(10, 0, 0), 6*time.Minute + nextScheduleDelta},
		{"never again: 30 February", "0 0 30 2 *", "UTC", at(9, 0, 0), at(10, 0, 0), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cj := scheduled(tt.schedule, tt.created)
			cj.Spec.TimeZone = ptr.To(tt.tz)
			if got := untilNext(cj, mustParse(t, cj), tt.now); got != tt.want {
				t.Errorf("untilNext = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestJobNamesAreTheMinuteOfTheirTime(t *testing.T) {
	cj := scheduled("*/1 * * * *", at(9, 0, 0))
	a, b := jobName(cj, at(10, 1, 0)), jobName(cj, at(10, 1, 0))
	if a != b || a != "tick-29540761" {
		t.Errorf("names %q, %q; want tick-29540761 twice", a, b)
	}
	if jobName(cj, at(10, 2, 0)) == a {
		t.Error("two minutes share a name")
	}
}
