/* bantin_messages.h -- every message an editor reads, in English and
 * Vietnamese, in one table.
 *
 * The problems found in an article file and the checker's own lines are
 * written for newsroom staff: each says what to write instead.  The error
 * log keeps the English text (after its BTnnnn id); bantin-check prints the
 * Vietnamese one unless asked for English.  A message's slots are "%s"
 * only ("%%" is a percent sign), filled in order from the arguments; both
 * languages have the same slots in the same order.
 *
 * Adding a message is one line: X(ID, "English", "Tiếng Việt").
 */
#ifndef BANTIN_MESSAGES_H
#define BANTIN_MESSAGES_H

#include <apr_pools.h>

#define BANTIN_MSG_MAX_ARGS 5

/* clang-format off */
#define BANTIN_MESSAGES(X) \
    /* a text that is not in the table (kept as it is, in both languages) */ \
    X(RAW, "%s", "%s") \
    X(OUT_OF_MEMORY, "out of memory", "hết bộ nhớ") \
    /* reading the file */ \
    X(NOT_REGULAR, "not a regular file: an article must be a plain .xml file", \
      "không phải tệp thường: bài viết phải là một tệp .xml bình thường") \
    X(SYMLINK, "symbolic link not followed: put the file itself here", \
      "liên kết tượng trưng (symbolic link) không được đọc: hãy đặt chính tệp bài viết vào đây") \
    X(CANNOT_READ, "cannot read: %s", "không đọc được tệp: %s") \
    X(TOO_LARGE, "file is larger than 4 MiB: split the article, or put big pictures in media files", \
      "tệp lớn hơn 4 MiB: hãy tách bài, hoặc để ảnh lớn thành tệp riêng") \
    X(EMPTY_FILE, "the file is empty", "tệp rỗng, chưa có nội dung") \
    X(UTF16, "the file must be saved as UTF-8 (this one is UTF-16)", \
      "tệp phải lưu dạng UTF-8 (tệp này là UTF-16)") \
    X(NOT_UTF8, "the file must be saved as UTF-8 (this one has bytes that are not UTF-8: saved as Windows-1258 or TCVN3?)", \
      "tệp phải lưu dạng UTF-8 (tệp này có byte không phải UTF-8: lưu nhầm dạng Windows-1258 hay TCVN3?)") \
    X(CROWDED, "more than 32 attributes in a tag, or more than 16 namespace declarations: an article needs at most one attribute per tag", \
      "một thẻ có hơn 32 thuộc tính, hoặc hơn 16 khai báo namespace: thẻ trong bài chỉ cần tối đa một thuộc tính") \
    X(DOCTYPE, "DOCTYPE declarations are not allowed in articles: remove the <!DOCTYPE ...> line", \
      "bài viết không được có khai báo DOCTYPE: xoá dòng <!DOCTYPE ...>") \
    /* well-formedness */ \
    X(AMP, "write & as &amp;", "dấu & phải viết là &amp;") \
    X(LT, "write < as &lt; in text", "dấu < trong chữ phải viết là &lt;") \
    X(NBSP, "&nbsp; cannot be used: type a space or &#160;", \
      "&nbsp; không dùng được: dùng dấu cách hoặc &#160;") \
    X(ENTITY_CODE, "&%s; cannot be used: type the character itself, or &#%s;", \
      "&%s; không dùng được: gõ thẳng ký tự đó, hoặc viết &#%s;") \
    X(ENTITY, "&%s; cannot be used: type the character itself, or write its number as &#NUMBER;", \
      "&%s; không dùng được: gõ thẳng ký tự đó, hoặc viết mã số của nó dạng &#số;") \
    X(CONTROL_CHAR, "invisible control character (code %s) in the text: delete it", \
      "có ký tự điều khiển vô hình (mã %s) trong bài: hãy xoá nó") \
    X(NO_START, "the file must start with <?xml version=\"1.0\" encoding=\"UTF-8\"?> or <article>", \
      "tệp phải bắt đầu bằng <?xml version=\"1.0\" encoding=\"UTF-8\"?> hoặc <article>") \
    X(AFTER_END, "something follows </article>: everything goes inside <article>...</article>", \
      "có nội dung sau </article>: mọi thứ phải nằm trong <article>...</article>") \
    X(TAG_MISMATCH, "</%s> does not match <%s> opened on line %s: close <%s> first, or remove the extra </%s>", \
      "</%s> không khớp với <%s> mở ở dòng %s: đóng <%s> trước, hoặc xoá </%s> thừa") \
    X(TAG_UNCLOSED, "the file ends before <%s> (line %s) is closed: add </%s>", \
      "tệp kết thúc mà <%s> (dòng %s) chưa đóng: thêm </%s>") \
    X(ATTR_QUOTES, "attribute values go in double quotes: name=\"value\"", \
      "giá trị thuộc tính phải nằm trong ngoặc kép: tên=\"giá trị\"") \
    X(ATTR_TWICE, "attribute %s is written twice in one tag: keep one", \
      "thuộc tính %s viết hai lần trong một thẻ: chỉ giữ một") \
    X(COMMENT_DASHES, "-- cannot stand inside a comment <!-- ... -->", \
      "không được viết -- bên trong ghi chú <!-- ... -->") \
    X(NOT_XML, "not well-formed XML: %s", "XML sai cú pháp: %s") \
    /* the article schema */ \
    X(DATE_DMY, "write the date as %s (year-month-day), not %s", \
      "ngày phải viết dạng %s (năm-tháng-ngày), không phải %s") \
    X(DATE_FORM, "write the date as year-month-day, like 2024-01-04 (with a time: 2024-01-04T08:30+07:00), not %s", \
      "ngày phải viết dạng năm-tháng-ngày, như 2024-01-04 (có giờ: 2024-01-04T08:30+07:00), không phải %s") \
    X(DATE_NOT_REAL, "%s is not a day of the calendar", "ngày %s không có trên lịch") \
    X(TIME_RANGE, "the time in %s is out of range: hours 00-23, minutes and seconds 00-59", \
      "giờ trong %s không hợp lệ: giờ từ 00 đến 23, phút và giây từ 00 đến 59") \
    X(EMPTY_ELEM, "<%s> must not be empty", "<%s> không được để trống") \
    X(PLAIN_TEXT, "<%s> holds plain text only: remove <%s>", "<%s> chỉ chứa chữ thường: bỏ thẻ <%s>") \
    X(NOT_ARTICLE, "the file must hold one <article>, not <%s>", \
      "tệp phải chứa một <article>, không phải <%s>") \
    X(MISSING, "<%s> is missing: add it to the article", "thiếu <%s>: hãy thêm vào bài") \
    X(MISSING_BEFORE, "<%s> is missing: write it before <%s>", "thiếu <%s>: hãy viết trước <%s>") \
    X(TWICE, "<%s> is written twice: keep one", "<%s> có hai lần: chỉ giữ một") \
    X(ORDER, "<%s> must come before <%s> (the order is title, date, expires, category, summary, body, author)", \
      "<%s> phải đứng trước <%s> (thứ tự là title, date, expires, category, summary, body, author)") \
    X(UNKNOWN_IN_ARTICLE, "<%s> is not part of an article: use title, date, expires, category, summary, body or author", \
      "bài viết không có thẻ <%s>: chỉ dùng title, date, expires, category, summary, body, author") \
    X(UNKNOWN_IN_BODY, "<%s> cannot be used in <body>: only <p> and <figure>", \
      "không dùng được <%s> trong <body>: chỉ có <p> và <figure>") \
    X(UNKNOWN_IN_TEXT, "<%s> cannot be used in text: only <b>, <i> and <a href=\"...\">", \
      "không dùng được <%s> trong đoạn chữ: chỉ có <b>, <i> và <a href=\"...\">") \
    X(UNKNOWN_IN_FIGURE, "<%s> cannot be used in <figure>: it holds one <caption>", \
      "không dùng được <%s> trong <figure>: chỉ có một <caption>") \
    X(EMPTY_BODY, "<body> needs at least one <p> or <figure>", "<body> cần ít nhất một <p> hoặc <figure>") \
    X(NO_CAPTION, "<figure> needs a caption: write <caption>...</caption> inside it", \
      "ảnh (<figure>) thiếu chú thích: viết <caption>...</caption> bên trong") \
    X(TEXT_IN_BODY, "text in <body> goes inside <p>...</p>", "chữ trong <body> phải nằm trong <p>...</p>") \
    X(TEXT_IN, "text cannot stand directly in <%s>: put it in the right tag, or delete it", \
      "không được viết chữ trực tiếp trong <%s>: đặt vào đúng thẻ, hoặc xoá đi") \
    X(STATUS_VALUE, "status=\"%s\" is not known: write status=\"draft\" or status=\"published\"", \
      "status=\"%s\" không hợp lệ: viết status=\"draft\" hoặc status=\"published\"") \
    X(UNKNOWN_ATTR, "<%s> has no attribute %s: remove it", "<%s> không có thuộc tính %s: hãy bỏ đi") \
    X(LINK_NO_HREF, "<a> needs the link's address: <a href=\"https://...\">", \
      "<a> cần địa chỉ liên kết: <a href=\"https://...\">") \
    X(SCHEMA, "does not match the article schema: %s", "bài không đúng mẫu bài viết: %s") \
    /* what a schema cannot say */ \
    X(CATEGORY_LETTERS, "<category> needs letters or digits", "<category> phải có chữ hoặc số") \
    X(SRC_CONTROL, "figure src holds control characters: retype the address", \
      "src của <figure> có ký tự điều khiển: hãy gõ lại địa chỉ") \
    X(SRC_BAD, "figure src must be an http(s) URL or a path below the content dir made of letters, digits, '.', '_', '-' and '/', not %s", \
      "src của <figure> phải là địa chỉ http(s) hoặc đường dẫn trong thư mục nội dung gồm chữ, số, '.', '_', '-' và '/', không phải %s") \
    X(EXPIRES_BEFORE, "expires must come after date", "<expires> phải sau <date>") \
    /* broken references: warnings, the article is served (BT0150, BT0151) */ \
    X(REF_MEDIA_MISSING, "figure src %s names no file in the content dir: readers see a broken picture; add the file or correct the name", \
      "ảnh %s không có trong thư mục nội dung: bạn đọc sẽ thấy ảnh hỏng; hãy thêm tệp ảnh hoặc sửa tên") \
    X(REF_NO_SCHEME, "link %s has no https:// and leads to a page of this site that does not exist: write %s", \
      "liên kết %s thiếu https:// nên dẫn tới một trang không có của cổng tin: hãy viết %s") \
    /* the checker's own lines */ \
    X(BAD_NAME, "the file name must be made of a-z, 0-9 and '-' and end in .xml, or the portal skips it: name it %s", \
      "tên tệp chỉ được gồm a-z, 0-9 và '-', đuôi .xml, nếu không cổng tin bỏ qua: hãy đặt tên %s") \
    X(BAD_NAME_EMPTY, "the file name must be made of a-z, 0-9 and '-' and end in .xml, or the portal skips it", \
      "tên tệp chỉ được gồm a-z, 0-9 và '-', đuôi .xml, nếu không cổng tin bỏ qua") \
    X(OK, "ok: slug %s, dated %s, %s", "tốt: địa chỉ %s, ngày %s, %s") \
    X(VISIBLE, "visible now", "đang hiện") \
    X(DRAFT, "hidden: draft", "đang ẩn: bản nháp") \
    X(SCHEDULED, "hidden, shown at %s on %s (%s)", "đang ẩn, hiện lúc %s ngày %s (%s)") \
    X(EXPIRED, "hidden: expired at %s on %s (%s)", "đang ẩn: hết hạn lúc %s ngày %s (%s)") \
    X(ZONE_VN, "Vietnam time", "giờ Việt Nam") \
    X(ZONE_UTC, "UTC%s", "giờ UTC%s") \
    X(NO_SUCH_PATH, "no such file or folder", "không có tệp hay thư mục này") \
    X(NO_FOLDER, "cannot open folder", "không mở được thư mục") \
    X(TOO_DEEP, "deeper than %s folders, not read (the portal skips it too)", \
      "sâu hơn %s tầng thư mục, không đọc (cổng tin cũng bỏ qua)") \
    X(WARNING, "warning: %s", "cảnh báo: %s") \
    /* categories (bantin_names.h) */ \
    X(CAT_SPELLING, "warning: category \"%s\" is spelled differently from \"%s\", the name the portal uses", \
      "cảnh báo: chuyên mục \"%s\" viết khác với \"%s\" mà cổng dùng") \
    X(CAT_NAMES_OK, "ok: category names file, %s names", "ok: tệp tên chuyên mục, %s tên") \
    /* what the server's User could not read (--user) */ \
    X(USER_CANNOT_READ_FILE, "the server's User (%s) cannot read this file", \
      "máy chủ (%s) không đọc được tệp này") \
    X(USER_CANNOT_READ_FOLDER, "the server's User (%s) cannot read this folder", \
      "máy chủ (%s) không đọc được thư mục này") \
    X(WARNINGS_ONE, "; %s warning", "; %s cảnh báo") \
    X(WARNINGS, "; %s warnings", "; %s cảnh báo") \
    X(SUMMARY_ONE, "%s file checked: %s ok, %s with problems", "đã kiểm tra %s tệp: %s tốt, %s có lỗi") \
    X(SUMMARY, "%s files checked: %s ok, %s with problems", "đã kiểm tra %s tệp: %s tốt, %s có lỗi") \
    X(DEEP_ONE, "; %s folder too deep, not read", "; %s thư mục quá sâu, không đọc") \
    X(DEEP, "; %s folders too deep, not read", "; %s thư mục quá sâu, không đọc") \
    X(UNKNOWN_OPTION, "unknown option %s", "không có tùy chọn %s") \
    X(BAD_LANG, "--lang takes vi or en, not %s", "--lang nhận vi hoặc en, không phải %s") \
    X(BAD_TZ, "--tz takes an offset like +07:00, not %s", "--tz nhận độ lệch giờ như +07:00, không phải %s")
/* clang-format on */

typedef enum {
#define BANTIN_MSG_ENUM_(id, en, vi) BANTIN_MSG_##id,
    BANTIN_MESSAGES(BANTIN_MSG_ENUM_)
#undef BANTIN_MSG_ENUM_
    BANTIN_MSG_COUNT
} bantin_msg_e;

typedef enum {
    BANTIN_LANG_VI = 0,       /* the default: the newsroom's language */
    BANTIN_LANG_EN = 1        /* the error log's */
} bantin_lang_e;

/* The table's format of a message, or NULL for an id out of range. */
const char *bantin_msg_format(int id, bantin_lang_e lang);

/* The table's name of an id ("DATE_DMY"), for tests and tools. */
const char *bantin_msg_name(int id);

/* Fills a message's slots in order from args (nargs of them; a missing
 * one is left empty), into p. */
const char *bantin_msg_args(apr_pool_t *p, bantin_lang_e lang, int id,
                            const char *const *args, int nargs);

/* The same with the arguments given inline, NULL-terminated. */
const char *bantin_msg(apr_pool_t *p, bantin_lang_e lang, int id, ...);

/* "vi" or "en" (also "vi_VN", "en_US.UTF-8"): 0, else -1. */
int bantin_lang_parse(const char *s, bantin_lang_e *lang);

#endif
