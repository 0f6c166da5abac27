/* bantin_date.h -- article dates: ISO 8601 in, "dd/mm/yyyy" out.
 *
 * Pure arithmetic on the proleptic Gregorian calendar with fixed UTC
 * offsets: no TZ environment variable, no localtime(), nothing that is
 * unsafe in a threaded server.  Vietnam has kept UTC+07:00 without
 * daylight saving since 1975, so a fixed offset is an exact model of the
 * portal's default zone.
 */
#ifndef BANTIN_DATE_H
#define BANTIN_DATE_H

#include <apr_time.h>

#define BANTIN_TZ_DEFAULT_MIN (7 * 60) /* Asia/Ho_Chi_Minh */

typedef struct bantin_date {
    apr_time_t when;  /* the instant, microseconds since the epoch (UTC) */
    int has_time;     /* 0 for a plain date: it is shown as written */
    int year, month, day;    /* the date as written */
    int offset_min;          /* the offset as written (date-time only) */
} bantin_date;

/* Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS](Z|+HH:MM|-HH:MM)".
 * A plain date is placed at midnight in the zone given by tz_min.
 * Returns NULL on success or a static message saying what is wrong. */
const char *bantin_date_parse(bantin_date *d, const char *s, int tz_min);

/* Parses a day as a reader types it in a search form: "YYYY-MM-DD" (what
 * date inputs send) or "DD/MM/YYYY" (the Vietnamese order, also with one
 * digit for the day or month: "1/2/2024"), spaces around it ignored.
 * Writes the plain date's midnight in zone tz_min into d (has_time 0);
 * returns 0, or -1 when s is not a real calendar day in either form. */
int bantin_date_parse_day(bantin_date *d, const char *s, int tz_min);

/* Parses a zone: "+07:00", "-03:30", "UTC", "Z" or "Asia/Ho_Chi_Minh".
 * Returns 0 and sets *tz_min on success, -1 otherwise. */
int bantin_tz_parse(const char *s, int *tz_min);

/* The calendar date of the article in zone tz_min (a plain date is shown
 * as written, whatever the zone). */
void bantin_date_local(const bantin_date *d, int tz_min, int *y, int *m,
                       int *dd);

/* Writes "dd/mm/yyyy" (11 bytes with the NUL) and "yyyy-mm-dd". */
void bantin_date_format_dmy(const bantin_date *d, int tz_min, char out[11]);
void bantin_date_format_iso(const bantin_date *d, int tz_min, char out[11]);

/* The day of the week in zone tz_min, 0 = Sunday, and its Vietnamese
 * name ("Chủ Nhật", "Thứ Hai" … "Thứ Bảy"). */
int bantin_date_weekday(const bantin_date *d, int tz_min);
const char *bantin_weekday_vi(int wday);

/* Days since 1970-01-01 of a civil date, and back. */
long bantin_days_from_civil(int y, int m, int d);
void bantin_civil_from_days(long z, int *y, int *m, int *d);

#endif
