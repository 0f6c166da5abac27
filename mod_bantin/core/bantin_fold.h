/* bantin_fold.h -- Vietnamese text folded to plain ASCII letters.
 *
 * "Nông thôn mới" -> "nong thon moi", "Đề án" -> "de an": tones and
 * diacritics removed, case folded, and đ/Đ mapped to d (which Unicode
 * decomposition alone does not do).  Precomposed (NFC) and decomposed
 * (NFD) input fold alike.  Used for category slugs, and for matching what
 * readers type without diacritics.
 */
#ifndef BANTIN_FOLD_H
#define BANTIN_FOLD_H

#include <apr_pools.h>

/* The folded form of one code point: an ASCII byte, 0 for a combining mark
 * (dropped), or -1 when it has no ASCII form (kept as it is). */
int bantin_fold_char(long cp);

/* Folds UTF-8 text; bytes that are not valid UTF-8 are copied. */
char *bantin_fold(apr_pool_t *p, const char *s, apr_size_t len);

/* The words of a text with their diacritics spelled out in ASCII letters
 * the way Vietnamese Telex typing does: "Đề án" -> "ddeef ans", and "hoà"
 * and "hòa" (old and new tone placement) both -> "hoaf".  Precomposed
 * (NFC) and decomposed (NFD) input give the same words, so they compare
 * equal exactly when the text's diacritics are the same.  Words are
 * separated by single spaces; letters with no ASCII form are kept. */
char *bantin_fold_marks(apr_pool_t *p, const char *s, apr_size_t len);

/* A slug: the folded text's runs of [a-z0-9] joined by single '-'
 * ("Văn hóa - Xã hội" -> "van-hoa-xa-hoi"); "" when nothing is left. */
char *bantin_slugify(apr_pool_t *p, const char *s);

/* Text with its runs of spaces, tabs and line breaks made one space, and
 * none at either end: "Hội nghị\n    xúc tiến" -> "Hội nghị xúc tiến".
 * For what is shown on one line (titles, category names) however the
 * editor wrapped it in the file. */
char *bantin_fold_space(apr_pool_t *p, const char *s);

/* The words of a text: runs of letters and digits, folded, each with the
 * byte range it came from in the original (for highlighting). */
typedef struct bantin_word {
    const char *folded;
    apr_size_t start, end;    /* [start, end) in the original */
} bantin_word;

apr_size_t bantin_fold_words(apr_pool_t *p, const char *s, apr_size_t len,
                             bantin_word **out);

#endif
