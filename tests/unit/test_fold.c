/* test_fold.c -- Vietnamese folded to ASCII (bantin_fold.h), category
 * slugs, the Vietnamese weekday (bantin_date.h) and the feed date formats
 * (bantin_feed.h). */
#include <stdio.h>
#include <string.h>

#include <apr_strings.h>
#include <apr_time.h>

#include "bantin_date.h"
#include "bantin_feed.h"
#include "bantin_fold.h"
#include "unit.h"

/* ---- helpers ---- */

/* Appends the UTF-8 form of cp at o; returns the byte after it. */
static char *put_utf8(char *o, long cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    }
    else if (cp < 0x800) {
        *o++ = (char)(0xC0 | (cp >> 6));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | (cp >> 12));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    else {
        *o++ = (char)(0xF0 | (cp >> 18));
        *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    *o = '\0';
    return o;
}

/* A string of up to 8 code points (0 ends the list early). */
static const char *utf8(long c0, long c1, long c2, long c3)
{
    char *s = apr_palloc(unit_pool, 32), *o = s;
    long cps[4] = {c0, c1, c2, c3};
    int i;

    *o = '\0';
    for (i = 0; i < 4 && cps[i]; i++) {
        o = put_utf8(o, cps[i]);
    }
    return s;
}

static const char *fold(const char *s)
{
    return bantin_fold(unit_pool, s, strlen(s));
}

/* ---- every Vietnamese vowel, 6 tones, both cases, NFC and NFD ---- */

/* The five tone marks, and none: ngang, huyền, sắc, ngã, hỏi, nặng. */
static const long tones[6] = {0, 0x0300, 0x0301, 0x0303, 0x0309, 0x0323};

static const struct {
    char base;      /* the ASCII letter it folds to (before case folding) */
    long modifier;  /* breve, circumflex or horn of ă â ê ô ơ ư; 0 for none */
    long nfc[6];    /* the precomposed letter with each tone */
} vowels[] = {
    {'a', 0x0000, {0x0061, 0x00E0, 0x00E1, 0x00E3, 0x1EA3, 0x1EA1}}, /* aàáãảạ */
    {'a', 0x0306, {0x0103, 0x1EB1, 0x1EAF, 0x1EB5, 0x1EB3, 0x1EB7}}, /* ăằắẵẳặ */
    {'a', 0x0302, {0x00E2, 0x1EA7, 0x1EA5, 0x1EAB, 0x1EA9, 0x1EAD}}, /* âầấẫẩậ */
    {'e', 0x0000, {0x0065, 0x00E8, 0x00E9, 0x1EBD, 0x1EBB, 0x1EB9}}, /* eèéẽẻẹ */
    {'e', 0x0302, {0x00EA, 0x1EC1, 0x1EBF, 0x1EC5, 0x1EC3, 0x1EC7}}, /* êềếễểệ */
    {'i', 0x0000, {0x0069, 0x00EC, 0x00ED, 0x0129, 0x1EC9, 0x1ECB}}, /* iìíĩỉị */
    {'o', 0x0000, {0x006F, 0x00F2, 0x00F3, 0x00F5, 0x1ECF, 0x1ECD}}, /* oòóõỏọ */
    {'o', 0x0302, {0x00F4, 0x1ED3, 0x1ED1, 0x1ED7, 0x1ED5, 0x1ED9}}, /* ôồốỗổộ */
    {'o', 0x031B, {0x01A1, 0x1EDD, 0x1EDB, 0x1EE1, 0x1EDF, 0x1EE3}}, /* ơờớỡởợ */
    {'u', 0x0000, {0x0075, 0x00F9, 0x00FA, 0x0169, 0x1EE7, 0x1EE5}}, /* uùúũủụ */
    {'u', 0x031B, {0x01B0, 0x1EEB, 0x1EE9, 0x1EEF, 0x1EED, 0x1EF1}}, /* ưừứữửự */
    {'y', 0x0000, {0x0079, 0x1EF3, 0x00FD, 0x1EF9, 0x1EF7, 0x1EF5}}, /* yỳýỹỷỵ */
    {'A', 0x0000, {0x0041, 0x00C0, 0x00C1, 0x00C3, 0x1EA2, 0x1EA0}}, /* AÀÁÃẢẠ */
    {'A', 0x0306, {0x0102, 0x1EB0, 0x1EAE, 0x1EB4, 0x1EB2, 0x1EB6}}, /* ĂẰẮẴẲẶ */
    {'A', 0x0302, {0x00C2, 0x1EA6, 0x1EA4, 0x1EAA, 0x1EA8, 0x1EAC}}, /* ÂẦẤẪẨẬ */
    {'E', 0x0000, {0x0045, 0x00C8, 0x00C9, 0x1EBC, 0x1EBA, 0x1EB8}}, /* EÈÉẼẺẸ */
    {'E', 0x0302, {0x00CA, 0x1EC0, 0x1EBE, 0x1EC4, 0x1EC2, 0x1EC6}}, /* ÊỀẾỄỂỆ */
    {'I', 0x0000, {0x0049, 0x00CC, 0x00CD, 0x0128, 0x1EC8, 0x1ECA}}, /* IÌÍĨỈỊ */
    {'O', 0x0000, {0x004F, 0x00D2, 0x00D3, 0x00D5, 0x1ECE, 0x1ECC}}, /* OÒÓÕỎỌ */
    {'O', 0x0302, {0x00D4, 0x1ED2, 0x1ED0, 0x1ED6, 0x1ED4, 0x1ED8}}, /* ÔỒỐỖỔỘ */
    {'O', 0x031B, {0x01A0, 0x1EDC, 0x1EDA, 0x1EE0, 0x1EDE, 0x1EE2}}, /* ƠỜỚỠỞỢ */
    {'U', 0x0000, {0x0055, 0x00D9, 0x00DA, 0x0168, 0x1EE6, 0x1EE4}}, /* UÙÚŨỦỤ */
    {'U', 0x031B, {0x01AF, 0x1EEA, 0x1EE8, 0x1EEE, 0x1EEC, 0x1EF0}}, /* ƯỪỨỮỬỰ */
    {'Y', 0x0000, {0x0059, 0x1EF2, 0x00DD, 0x1EF8, 0x1EF6, 0x1EF4}}, /* YỲÝỸỶỴ */
};

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

START_TEST(vowel_nfc)
{
    char want[2] = {lower(vowels[_i].base), 0};
    int t;

    for (t = 0; t < 6; t++) {
        long cp = vowels[_i].nfc[t];
        const char *s = utf8(cp, 0, 0, 0);
        ck_assert_msg(bantin_fold_char(cp) == want[0],
                      "bantin_fold_char(U+%04lX) = %d, want '%c'", cp,
                      bantin_fold_char(cp), want[0]);
        ck_assert_msg(!strcmp(fold(s), want), "fold(%s) = \"%s\", want \"%s\"",
                      s, fold(s), want);
        /* inside a word too */
        ck_assert_str_eq(fold(apr_pstrcat(unit_pool, "x", s, "y", NULL)),
                         apr_pstrcat(unit_pool, "x", want, "y", NULL));
    }
}
END_TEST

START_TEST(vowel_nfd)
{
    char want[2] = {lower(vowels[_i].base), 0};
    long base = vowels[_i].base, mod = vowels[_i].modifier;
    int t;

    for (t = 0; t < 6; t++) {
        /* The base letter and its marks in either order: canonical order
         * puts the horn (ccc 216) and the dot below (ccc 220) before the
         * breve and circumflex (ccc 230), writers do not always. */
        const char *a = mod ? utf8(base, mod, tones[t], 0)
                            : utf8(base, tones[t], 0, 0);
        const char *b = mod ? utf8(base, tones[t] ? tones[t] : mod,
                                   tones[t] ? mod : 0, 0)
                            : a;
        ck_assert_msg(!strcmp(fold(a), want), "fold(NFD %s) = \"%s\", want \"%s\"",
                      a, fold(a), want);
        ck_assert_msg(!strcmp(fold(b), want), "fold(NFD %s) = \"%s\", want \"%s\"",
                      b, fold(b), want);
        ck_assert_str_eq(fold(apr_pstrcat(unit_pool, "x", a, "y", b, NULL)),
                         apr_pstrcat(unit_pool, "x", want, "y", want, NULL));
    }
}
END_TEST

START_TEST(every_combining_mark_dropped)
{
    long cp;

    for (cp = 0x300; cp <= 0x36F; cp++) {
        ck_assert_int_eq(bantin_fold_char(cp), 0);
    }
}
END_TEST

START_TEST(d_with_stroke)
{
    ck_assert_int_eq(bantin_fold_char(0x0111), 'd'); /* đ */
    ck_assert_int_eq(bantin_fold_char(0x0110), 'd'); /* Đ */
    ck_assert_str_eq(fold("đ"), "d");
    ck_assert_str_eq(fold("Đ"), "d");
    ck_assert_str_eq(fold("ĐĐđđ"), "dddd");
    ck_assert_str_eq(fold("Đồng Đăng"), "dong dang");
    /* đ has no decomposition: a d with a combining mark is still a d */
    ck_assert_str_eq(fold("d\xCC\x9B"), "d");
}
END_TEST

START_TEST(consonants_and_ascii)
{
    ck_assert_str_eq(fold("bcdfghjklmnpqrstvwxz BCDFGHJKLMNPQRSTVWXZ"),
                     "bcdfghjklmnpqrstvwxz bcdfghjklmnpqrstvwxz");
    ck_assert_str_eq(fold("0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
                     "0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");
    ck_assert_str_eq(fold(""), "");
    ck_assert_int_eq(bantin_fold_char('Q'), 'q');
    ck_assert_int_eq(bantin_fold_char('7'), '7');
}
END_TEST

static const struct {
    const char *in, *want;
} words[] = {
    {"Giúp đỡ xã khó khăn", "giup do xa kho khan"},
    {"Đề án", "de an"},
    {"hoà", "hoa"},                    /* old-style tone placement */
    {"hòa", "hoa"},                    /* new-style */
    {"thuý", "thuy"},
    {"thúy", "thuy"},
    {"Nông thôn mới", "nong thon moi"},
    {"Văn hóa - Xã hội", "van hoa - xa hoi"},
    {"TÍCH CỰC GIÚP ĐỠ", "tich cuc giup do"},
    {"Bắc Kạn, Ba Bể", "bac kan, ba be"},
    {"Nghị quyết 06-NQ/TU", "nghi quyet 06-nq/tu"},
    {"người Việt", "nguoi viet"},
    {"khuyến khích", "khuyen khich"},
    {"ưu đãi", "uu dai"},
    /* the same words decomposed (NFD) */
    {"Giu\xCC\x81p \xC4\x91o\xCC\x9B\xCC\x83 xa\xCC\x83 kho\xCC\x81 kha\xCC\x86n",
     "giup do xa kho khan"},
    {"\xC4\x90" "e\xCC\x82\xCC\x80 a\xCC\x81n", "de an"},
    {"ho\xCC\x80" "a", "hoa"},
    {"thu\xCC\x81y", "thuy"},
};

START_TEST(word_table)
{
    ck_assert_msg(!strcmp(fold(words[_i].in), words[_i].want),
                  "fold(\"%s\") = \"%s\", want \"%s\"", words[_i].in,
                  fold(words[_i].in), words[_i].want);
}
END_TEST

START_TEST(nfc_and_nfd_fold_alike)
{
    /* "Nông thôn mới" written both ways */
    const char *nfc = "N\xC3\xB4ng th\xC3\xB4n m\xE1\xBB\x9Bi";
    const char *nfd = "No\xCC\x82ng tho\xCC\x82n mo\xCC\x9B\xCC\x81i";

    ck_assert_str_eq(fold(nfc), fold(nfd));
    ck_assert_str_eq(bantin_slugify(unit_pool, nfc),
                     bantin_slugify(unit_pool, nfd));
}
END_TEST

START_TEST(no_ascii_form_is_kept)
{
    /* letters of other scripts, punctuation outside ASCII, emoji */
    ck_assert_str_eq(fold("中文"), "中文");
    ck_assert_str_eq(fold("Hà Nội – 2024"), "ha noi – 2024");
    ck_assert_str_eq(fold("«tin» “mới”"), "«tin» “moi”");
    ck_assert_str_eq(fold("a😀b"), "a😀b");
    ck_assert_str_eq(fold("5 × 3 ÷ 2"), "5 × 3 ÷ 2");
    ck_assert_int_eq(bantin_fold_char(0x2013), -1);
    ck_assert_int_eq(bantin_fold_char(0x00D7), -1); /* × */
    ck_assert_int_eq(bantin_fold_char(0x00A0), -1); /* no-break space */
    ck_assert_int_eq(bantin_fold_char(0x4E2D), -1);
}
END_TEST

START_TEST(fold_reads_len_bytes)
{
    const char *s = "Đà Nẵng";
    char *out;

    ck_assert_str_eq(bantin_fold(unit_pool, s, 2), "d");          /* Đ */
    ck_assert_str_eq(bantin_fold(unit_pool, s, 0), "");
    /* a character cut by len: its bytes are copied, nothing read past */
    out = bantin_fold(unit_pool, s, 3);
    ck_assert_str_eq(out, "d\xC3");
    ck_assert_str_eq(bantin_fold(unit_pool, "ab\0cd", 5), "ab");   /* NUL copied */
    ck_assert_int_eq(memcmp(bantin_fold(unit_pool, "ab\0cd", 5), "ab\0cd", 6), 0);
}
END_TEST

/* Bytes that are not UTF-8 are copied as they are, never read past. */
static const struct {
    const char *in;
    apr_size_t len;
    const char *want;
    apr_size_t wlen;
} invalid[] = {
    {"a\xFF" "b", 3, "a\xFF" "b", 3},
    {"\x80", 1, "\x80", 1},                          /* lone continuation */
    {"\xC3", 1, "\xC3", 1},                          /* cut at the end */
    {"\xE1\xBB", 2, "\xE1\xBB", 2},
    {"\xF0\x9F\x98", 3, "\xF0\x9F\x98", 3},
    {"\xC3(", 2, "\xC3(", 2},                        /* bad continuation */
    {"\xC0\xAF", 2, "\xC0\xAF", 2},                  /* overlong '/' */
    {"\xE0\x80\xAF", 3, "\xE0\x80\xAF", 3},
    {"\xF0\x80\x80\xAF", 4, "\xF0\x80\x80\xAF", 4},
    {"\xC1\xA1", 2, "\xC1\xA1", 2},                  /* overlong 'a': not an a */
    {"\xF8\x88\x80\x80\x80", 5, "\xF8\x88\x80\x80\x80", 5},
    {"\xFE\xFF", 2, "\xFE\xFF", 2},
    {"\xC3\xA0\xFF\xC3\xA0", 5, "a\xFF" "a", 3},     /* à, junk, à */
    {"\xC3\x80\xCC", 3, "a\xCC", 2},                 /* À, then half a mark */
};

START_TEST(invalid_utf8_copied)
{
    char *out = bantin_fold(unit_pool, invalid[_i].in, invalid[_i].len);

    ck_assert_msg(memcmp(out, invalid[_i].want, invalid[_i].wlen) == 0
                      && out[invalid[_i].wlen] == '\0',
                  "case %d: got %zu bytes", _i, strlen(out));
    /* a slug never holds them */
    out = bantin_slugify(unit_pool, apr_pstrmemdup(unit_pool, invalid[_i].in,
                                                  invalid[_i].len));
    ck_assert_msg(strspn(out, "abcdefghijklmnopqrstuvwxyz0123456789-")
                      == strlen(out),
                  "case %d: slug \"%s\"", _i, out);
}
END_TEST

static const struct {
    const char *in, *want;
} slugs[] = {
    {"Nông thôn mới", "nong-thon-moi"},
    {"Văn hóa - Xã hội", "van-hoa-xa-hoi"},
    {"Đời sống", "doi-song"},
    {"ĐẦU TƯ", "dau-tu"},
    {"Chuyển đổi số", "chuyen-doi-so"},
    {"Giáo dục", "giao-duc"},
    {"Kinh tế", "kinh-te"},
    {"Kinh tế & Đầu tư", "kinh-te-dau-tu"},
    {"An ninh – Quốc phòng", "an-ninh-quoc-phong"},
    {"Tin 24/7", "tin-24-7"},
    {"2024", "2024"},
    {"  Kinh tế  ", "kinh-te"},                      /* leading/trailing */
    {"--Kinh tế--", "kinh-te"},
    {"-", ""},
    {"Kinh   tế", "kinh-te"},                        /* runs collapse */
    {"Kinh - - tế", "kinh-te"},
    {"a\tb\nc", "a-b-c"},
    {"Ô", "o"},
    {"", ""},                                        /* empty result */
    {"   ", ""},
    {"!!!", ""},
    {"– … —", ""},
    {"中文", ""},
    {"Tin 中文 mới", "tin-moi"},
    {"C++ & C#", "c-c"},
    {"No\xCC\x82ng tho\xCC\x82n mo\xCC\x9B\xCC\x81i", "nong-thon-moi"}, /* NFD */
};

START_TEST(slug_table)
{
    const char *got = bantin_slugify(unit_pool, slugs[_i].in);
    ck_assert_msg(!strcmp(got, slugs[_i].want),
                  "bantin_slugify(\"%s\") = \"%s\", want \"%s\"", slugs[_i].in,
                  got, slugs[_i].want);
}
END_TEST

START_TEST(slug_is_idempotent)
{
    apr_size_t i;

    for (i = 0; i < UNIT_N(slugs); i++) {
        const char *s = bantin_slugify(unit_pool, slugs[i].in);
        ck_assert_str_eq(bantin_slugify(unit_pool, s), s);
        ck_assert(s[0] != '-' && (!*s || s[strlen(s) - 1] != '-'));
        ck_assert(!strstr(s, "--"));
    }
}
END_TEST

/* ---- weekdays ---- */

static const struct {
    const char *date;
    int tz_min;
    int wday;
    const char *name;
} weekdays[] = {
    {"1970-01-01", 420, 4, "Thứ Năm"},
    {"1970-01-01", 0, 4, "Thứ Năm"},
    {"1969-12-31", 420, 3, "Thứ Tư"},
    {"1969-12-31", -600, 3, "Thứ Tư"},
    {"2024-01-04", 420, 4, "Thứ Năm"},
    {"2000-02-29", 420, 2, "Thứ Ba"},
    {"2000-03-01", 420, 3, "Thứ Tư"},
    {"1900-01-01", 420, 1, "Thứ Hai"},
    {"2024-03-03", 420, 0, "Chủ Nhật"},
    {"2024-03-09", 420, 6, "Thứ Bảy"},
    {"2024-01-05", 420, 5, "Thứ Sáu"},
    {"2100-03-01", 420, 1, "Thứ Hai"},
    /* a plain date is the date as written, whatever the zone */
    {"2024-01-04", -720, 4, "Thứ Năm"},
    {"2024-01-04", 840, 4, "Thứ Năm"},
    /* a date-time is the day in the zone: Saturday in UTC, Sunday in Vietnam */
    {"2024-01-20T18:30:00Z", 420, 0, "Chủ Nhật"},
    {"2024-01-20T18:30:00Z", 0, 6, "Thứ Bảy"},
    {"2024-01-01T03:00:00+07:00", 0, 0, "Chủ Nhật"},
    {"2024-01-01T03:00:00+07:00", 420, 1, "Thứ Hai"},
    {"1970-01-01T02:00:00+07:00", 0, 3, "Thứ Tư"},
};

START_TEST(weekday_table)
{
    bantin_date d;
    int w;

    ck_assert_ptr_null(bantin_date_parse(&d, weekdays[_i].date, weekdays[_i].tz_min));
    w = bantin_date_weekday(&d, weekdays[_i].tz_min);
    ck_assert_msg(w == weekdays[_i].wday, "%s in %+d min: weekday %d, want %d",
                  weekdays[_i].date, weekdays[_i].tz_min, w, weekdays[_i].wday);
    ck_assert_str_eq(bantin_weekday_vi(w), weekdays[_i].name);
}
END_TEST

START_TEST(weekday_names)
{
    static const char *const names[] = {"Chủ Nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư",
                                        "Thứ Năm",  "Thứ Sáu", "Thứ Bảy"};
    int i;

    for (i = 0; i < 7; i++) {
        ck_assert_str_eq(bantin_weekday_vi(i), names[i]);
    }
}
END_TEST

START_TEST(weekday_every_day_of_a_cycle)
{
    /* 400 years repeat the calendar: walk a whole cycle day by day. */
    long days;
    int expect = 4; /* 1970-01-01 */

    for (days = 0; days < 146097; days++) {
        int y, m, d;
        bantin_date bd;
        char s[11];
        bantin_civil_from_days(days, &y, &m, &d);
        snprintf(s, sizeof(s), "%04d-%02d-%02d", y, m, d);
        ck_assert_ptr_null(bantin_date_parse(&bd, s, 420));
        if (bantin_date_weekday(&bd, 420) != expect) {
            ck_abort_msg("%s: weekday %d, want %d", s,
                         bantin_date_weekday(&bd, 420), expect);
        }
        expect = (expect + 1) % 7;
    }
}
END_TEST

/* ---- RFC 822 (RSS) and W3C datetime (sitemaps) ---- */

static const struct {
    long long sec;
    int tz_min;
    const char *rfc822, *w3c;
} stamps[] = {
    {0, 420, "Thu, 01 Jan 1970 07:00:00 +0700", "1970-01-01T07:00:00+07:00"},
    {0, 0, "Thu, 01 Jan 1970 00:00:00 +0000", "1970-01-01T00:00:00+00:00"},
    {0, -210, "Wed, 31 Dec 1969 20:30:00 -0330", "1969-12-31T20:30:00-03:30"},
    {-1, 0, "Wed, 31 Dec 1969 23:59:59 +0000", "1969-12-31T23:59:59+00:00"},
    {-86400, 420, "Wed, 31 Dec 1969 07:00:00 +0700", "1969-12-31T07:00:00+07:00"},
    /* 2024-01-04 00:00 in Vietnam, the seed article */
    {1704301200LL, 420, "Thu, 04 Jan 2024 00:00:00 +0700", "2024-01-04T00:00:00+07:00"},
    {1704301200LL, 0, "Wed, 03 Jan 2024 17:00:00 +0000", "2024-01-03T17:00:00+00:00"},
    {1704301200LL, -300, "Wed, 03 Jan 2024 12:00:00 -0500", "2024-01-03T12:00:00-05:00"},
    /* 2024-02-20T15:45:00Z */
    {1708443900LL, 420, "Tue, 20 Feb 2024 22:45:00 +0700", "2024-02-20T22:45:00+07:00"},
    /* 2000-02-29T12:00:00Z across the day line both ways */
    {951825600LL, 840, "Wed, 01 Mar 2000 02:00:00 +1400", "2000-03-01T02:00:00+14:00"},
    {951825600LL, -720, "Tue, 29 Feb 2000 00:00:00 -1200", "2000-02-29T00:00:00-12:00"},
    {951825600LL, -45, "Tue, 29 Feb 2000 11:15:00 -0045", "2000-02-29T11:15:00-00:45"},
    /* 2023-12-31T20:00:00Z: new year in Vietnam */
    {1704052800LL, 420, "Mon, 01 Jan 2024 03:00:00 +0700", "2024-01-01T03:00:00+07:00"},
    /* 1900-01-01 00:00 in Vietnam */
    {-2208988800LL - 25200LL, 420, "Mon, 01 Jan 1900 00:00:00 +0700",
     "1900-01-01T00:00:00+07:00"},
    {4102444799LL, 0, "Thu, 31 Dec 2099 23:59:59 +0000", "2099-12-31T23:59:59+00:00"},
};

START_TEST(rfc822_and_w3c_table)
{
    apr_time_t t = apr_time_from_sec(stamps[_i].sec);
    const char *r = bantin_rfc822(unit_pool, t, stamps[_i].tz_min);
    const char *w = bantin_w3c_datetime(unit_pool, t, stamps[_i].tz_min);

    ck_assert_msg(!strcmp(r, stamps[_i].rfc822), "%lld %+d: rfc822 \"%s\", want \"%s\"",
                  stamps[_i].sec, stamps[_i].tz_min, r, stamps[_i].rfc822);
    ck_assert_msg(!strcmp(w, stamps[_i].w3c), "%lld %+d: w3c \"%s\", want \"%s\"",
                  stamps[_i].sec, stamps[_i].tz_min, w, stamps[_i].w3c);
}
END_TEST

START_TEST(rfc822_of_parsed_dates)
{
    /* What the feed does: an article's date, shown in the portal's zone. */
    bantin_date d;

    ck_assert_ptr_null(bantin_date_parse(&d, "2024-01-05T07:00:00-05:00", 420));
    ck_assert_str_eq(bantin_rfc822(unit_pool, d.when, 420),
                     "Fri, 05 Jan 2024 19:00:00 +0700");
    ck_assert_str_eq(bantin_w3c_datetime(unit_pool, d.when, 420),
                     "2024-01-05T19:00:00+07:00");
    ck_assert_ptr_null(bantin_date_parse(&d, "2024-01-04", 420));
    ck_assert_str_eq(bantin_rfc822(unit_pool, d.when, 420),
                     "Thu, 04 Jan 2024 00:00:00 +0700");
    ck_assert_ptr_null(bantin_date_parse(&d, "2024-01-04", 0));
    ck_assert_str_eq(bantin_rfc822(unit_pool, d.when, 0),
                     "Thu, 04 Jan 2024 00:00:00 +0000");
}
END_TEST

Suite *fold_suite(void)
{
    Suite *s = suite_create("fold");
    TCase *tc = unit_tcase("fold");

    tcase_add_loop_test(tc, vowel_nfc, 0, (int)UNIT_N(vowels));
    tcase_add_loop_test(tc, vowel_nfd, 0, (int)UNIT_N(vowels));
    tcase_add_test(tc, every_combining_mark_dropped);
    tcase_add_test(tc, d_with_stroke);
    tcase_add_test(tc, consonants_and_ascii);
    tcase_add_loop_test(tc, word_table, 0, (int)UNIT_N(words));
    tcase_add_test(tc, nfc_and_nfd_fold_alike);
    tcase_add_test(tc, no_ascii_form_is_kept);
    tcase_add_test(tc, fold_reads_len_bytes);
    tcase_add_loop_test(tc, invalid_utf8_copied, 0, (int)UNIT_N(invalid));
    suite_add_tcase(s, tc);

    tc = unit_tcase("slug");
    tcase_add_loop_test(tc, slug_table, 0, (int)UNIT_N(slugs));
    tcase_add_test(tc, slug_is_idempotent);
    suite_add_tcase(s, tc);

    tc = unit_tcase("weekday");
    tcase_add_loop_test(tc, weekday_table, 0, (int)UNIT_N(weekdays));
    tcase_add_test(tc, weekday_names);
    tcase_add_test(tc, weekday_every_day_of_a_cycle);
    suite_add_tcase(s, tc);

    tc = unit_tcase("feed-dates");
    tcase_add_loop_test(tc, rfc822_and_w3c_table, 0, (int)UNIT_N(stamps));
    tcase_add_test(tc, rfc822_of_parsed_dates);
    suite_add_tcase(s, tc);
    return s;
}
