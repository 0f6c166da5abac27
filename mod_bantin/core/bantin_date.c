/* bantin_date.c -- see bantin_date.h. */
#include <stdio.h>
#include <string.h>

#include "bantin_date.h"

/* Howard Hinnant's days_from_civil: exact for every Gregorian date. */
long bantin_days_from_civil(int y, int m, int d)
{
    long era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void bantin_civil_from_days(long z, int *y, int *m, int *d)
{
    long era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int days_in_month(int y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dim[m - 1];
}

/* Reads exactly n digits. */
static int digits(const char **s, int n, int *out)
{
    int v = 0;
    while (n--) {
        if (**s < '0' || **s > '9') {
            return -1;
        }
        v = v * 10 + (**s - '0');
        (*s)++;
    }
    *out = v;
    return 0;
}

static int parse_offset(const char **s, int *min)
{
    int sign, hh, mm;

    if (**s == 'Z') {
        (*s)++;
        *min = 0;
        return 0;
    }
    if (**s != '+' && **s != '-') {
        return -1;
    }
    sign = **s == '-' ? -1 : 1;
    (*s)++;
    if (digits(s, 2, &hh) || **s != ':') {
        return -1;
    }
    (*s)++;
    if (digits(s, 2, &mm) || hh > 14 || mm > 59) {
        return -1;
    }
    *min = sign * (hh * 60 + mm);
    return 0;
}

/* One or two digits, for the day and month of "D/M/YYYY". */
static int one_or_two(const char **s, int *out)
{
    if ((*s)[0] < '0' || (*s)[0] > '9') {
        return -1;
    }
    *out = (*s)[0] - '0';
    (*s)++;
    if ((*s)[0] >= '0' && (*s)[0] <= '9') {
        *out = *out * 10 + (*s)[0] - '0';
        (*s)++;
    }
    return 0;
}

int bantin_date_parse_day(bantin_date *d, const char *s, int tz_min)
{
    char iso[11];
    const char *end;
    int day, month, year;

    while (*s == ' ') {
        s++;
    }
    for (end = s + strlen(s); end > s && end[-1] == ' '; end--) {
    }
    if (end - s == 10 && s[4] == '-') {
        memcpy(iso, s, 10);
    }
    else {
        /* DD/MM/YYYY: turned into the ISO form the checks below know */
        if (one_or_two(&s, &day) || *s++ != '/' || one_or_two(&s, &month)
            || *s++ != '/' || digits(&s, 4, &year) || s != end
            || snprintf(iso, sizeof(iso), "%04d-%02d-%02d", year, month,
                            day) != 10) {
            return -1;
        }
    }
    iso[10] = '\0';
    return bantin_date_parse(d, iso, tz_min) || d->has_time ? -1 : 0;
}

const char *bantin_date_parse(bantin_date *d, const char *s, int tz_min)
{
    int hh = 0, mi = 0, ss = 0;
    long days;

    memset(d, 0, sizeof(*d));
    if (digits(&s, 4, &d->year) || *s++ != '-' || digits(&s, 2, &d->month)
        || *s++ != '-' || digits(&s, 2, &d->day)) {
        return "date must be YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]+HH:MM";
    }
    if (d->year < 1900 || d->month < 1 || d->month > 12 || d->day < 1
        || d->day > days_in_month(d->year, d->month)) {
        return "date is not a real calendar day";
    }
    d->offset_min = tz_min;
    if (*s == 'T') {
        s++;
        if (digits(&s, 2, &hh) || *s++ != ':' || digits(&s, 2, &mi)) {
            return "time must be HH:MM or HH:MM:SS";
        }
        if (*s == ':') {
            s++;
            if (digits(&s, 2, &ss)) {
                return "time must be HH:MM or HH:MM:SS";
            }
        }
        if (hh > 23 || mi > 59 || ss > 59) {
            return "time of day out of range";
        }
        if (parse_offset(&s, &d->offset_min)) {
            return "a date-time needs a UTC offset: Z or +HH:MM";
        }
        d->has_time = 1;
    }
    if (*s) {
        return "unexpected characters after the date";
    }
    days = bantin_days_from_civil(d->year, d->month, d->day);
    d->when = apr_time_from_sec((apr_time_t)days * 86400 + hh * 3600
                                + mi * 60 + ss - d->offset_min * 60);
    return NULL;
}

int bantin_tz_parse(const char *s, int *tz_min)
{
    if (!strcmp(s, "Asia/Ho_Chi_Minh") || !strcmp(s, "Asia/Saigon")) {
        *tz_min = BANTIN_TZ_DEFAULT_MIN;
        return 0;
    }
    if (!strcmp(s, "UTC")) {
        *tz_min = 0;
        return 0;
    }
    if (parse_offset(&s, tz_min) || *s) {
        return -1;
    }
    return 0;
}

void bantin_date_local(const bantin_date *d, int tz_min, int *y, int *m,
                       int *dd)
{
    apr_time_t secs;
    long days;

    if (!d->has_time) {
        *y = d->year;
        *m = d->month;
        *dd = d->day;
        return;
    }
    secs = apr_time_sec(d->when) + tz_min * 60;
    days = (long)(secs >= 0 ? secs / 86400 : (secs - 86399) / 86400);
    bantin_civil_from_days(days, y, m, dd);
}

void bantin_date_format_dmy(const bantin_date *d, int tz_min, char out[11])
{
    int y, m, dd;
    bantin_date_local(d, tz_min, &y, &m, &dd);
    snprintf(out, 11, "%02u/%02u/%04u", (unsigned)dd % 100u,
             (unsigned)m % 100u, (unsigned)y % 10000u);
}

void bantin_date_format_iso(const bantin_date *d, int tz_min, char out[11])
{
    int y, m, dd;
    bantin_date_local(d, tz_min, &y, &m, &dd);
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u,
             (unsigned)m % 100u, (unsigned)dd % 100u);
}

int bantin_date_weekday(const bantin_date *d, int tz_min)
{
    int y, m, dd;
    long days;

    bantin_date_local(d, tz_min, &y, &m, &dd);
    days = bantin_days_from_civil(y, m, dd);
    return (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
}

const char *bantin_weekday_vi(int wday)
{
    static const char *const names[] = {"Chủ Nhật", "Thứ Hai", "Thứ Ba",
                                        "Thứ Tư",   "Thứ Năm", "Thứ Sáu",
                                        "Thứ Bảy"};
    return names[wday % 7];
}
