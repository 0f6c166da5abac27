"""bantin-check's messages, word for word, in Vietnamese (the default) and in
English (--lang en): every message of the table (mod_bantin/core/bantin_messages.h)
is produced here from a bad input and compared as a whole line, file:line:col
included.  The line and column come from the input: "¦" marks the place the
message points at and is taken out of the file before it is written.
"""

import ast
import datetime
import os
import re
import subprocess

import pytest

from bantin_httpd import REPO
from test_check_tool import CHECK, _checker  # noqa: F401 (the fixture: the checker is built)

MARK = "¦"
LINE_MARK = "¶"  # the same for a message that gives a line only
TABLE = REPO / "mod_bantin" / "core" / "bantin_messages.h"


def run(*args, lang=None):
    cmd = [str(CHECK)] + (["--lang", lang] if lang else []) + [str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout.splitlines(), p.stderr


def article(title="Tin", date="2024-01-04", body="<p>Nội dung.</p>", attrs="", head="",
            after_title="", summary="Tóm tắt."):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f"{head}<article{attrs}>\n"
            f"  <title>{title}</title>{after_title}\n"
            f"  <date>{date}</date>\n"
            f"  <summary>{summary}</summary>\n"
            f"  <body>{body}</body>\n"
            "</article>\n")


def place(text):
    """The text without its mark, and the mark's (line, column), 1-based, the
    column in characters; (None, None) without a mark."""
    if LINE_MARK in text:
        at = text.find(LINE_MARK)
        return text.replace(LINE_MARK, "", 1), text[:at].count("\n") + 1, None
    at = text.find(MARK)
    if at < 0:
        return text, None, None
    before = text[:at]
    line = before.count("\n") + 1
    col = at - (before.rfind("\n") + 1) + 1
    return text.replace(MARK, "", 1), line, col


# (message id, file name, content, Vietnamese, English)
ARTICLE_CASES = [
    ("DATE_DMY", "ngay-sai.xml", article(date="04/01/2024").replace("  <date>", f"  {MARK}<date>"),
     "ngày phải viết dạng 2024-01-04 (năm-tháng-ngày), không phải 04/01/2024",
     "write the date as 2024-01-04 (year-month-day), not 04/01/2024"),
    ("DATE_DMY", "ngay-gach.xml", article(date="4-1-2024").replace("  <date>", f"  {MARK}<date>"),
     "ngày phải viết dạng 2024-01-04 (năm-tháng-ngày), không phải 4-1-2024",
     "write the date as 2024-01-04 (year-month-day), not 4-1-2024"),
    ("DATE_FORM", "ngay-chu.xml",
     article(date="4 tháng 1 2024").replace("  <date>", f"  {MARK}<date>"),
     "ngày phải viết dạng năm-tháng-ngày, như 2024-01-04 (có giờ: 2024-01-04T08:30+07:00), "
     "không phải 4 tháng 1 2024",
     "write the date as year-month-day, like 2024-01-04 (with a time: 2024-01-04T08:30+07:00), "
     "not 4 tháng 1 2024"),
    ("DATE_NOT_REAL", "ngay-30-2.xml", article(date="2024-02-30").replace("  <date>", f"  {MARK}<date>"),
     "ngày 2024-02-30 không có trên lịch", "2024-02-30 is not a day of the calendar"),
    ("TIME_RANGE", "gio-25.xml",
     article(date="2024-01-04T25:00+07:00").replace("  <date>", f"  {MARK}<date>"),
     "giờ trong 2024-01-04T25:00+07:00 không hợp lệ: giờ từ 00 đến 23, phút và giây từ 00 đến 59",
     "the time in 2024-01-04T25:00+07:00 is out of range: hours 00-23, minutes and seconds 00-59"),
    ("AMP", "dau-va.xml", article(title=f"NN &{MARK} PTNT"),
     "dấu & phải viết là &amp;", "write & as &amp;"),
    ("AMP", "r-va-d.xml", article(title=f"R&D{MARK} mới"),
     "dấu & phải viết là &amp;", "write & as &amp;"),
    ("LT", "nho-hon.xml", article(title=f"a <{MARK} b"),
     "dấu < trong chữ phải viết là &lt;", "write < as &lt; in text"),
    ("NBSP", "nbsp.xml", article(title=f"Hà&nbsp;{MARK}Nội"),
     "&nbsp; không dùng được: dùng dấu cách hoặc &#160;",
     "&nbsp; cannot be used: type a space or &#160;"),
    ("ENTITY_CODE", "mdash.xml", article(title=f"Tin&mdash;{MARK}mới"),
     "&mdash; không dùng được: gõ thẳng ký tự đó, hoặc viết &#8212;",
     "&mdash; cannot be used: type the character itself, or &#8212;"),
    ("ENTITY", "thuc-the.xml", article(title=f"Tin&abc;{MARK}mới"),
     "&abc; không dùng được: gõ thẳng ký tự đó, hoặc viết mã số của nó dạng &#số;",
     "&abc; cannot be used: type the character itself, or write its number as &#NUMBER;"),
    ("CONTROL_CHAR", "dieu-khien.xml", article(title=f"Tin{MARK}\x01"),
     "có ký tự điều khiển vô hình (mã 1) trong bài: hãy xoá nó",
     "invisible control character (code 1) in the text: delete it"),
    ("NO_START", "chu-thuong.xml", f"{MARK}Đây không phải XML\n",
     "tệp phải bắt đầu bằng <?xml version=\"1.0\" encoding=\"UTF-8\"?> hoặc <article>",
     "the file must start with <?xml version=\"1.0\" encoding=\"UTF-8\"?> or <article>"),
    ("EMPTY_FILE", "rong.xml", MARK,
     "tệp rỗng, chưa có nội dung", "the file is empty"),
    ("AFTER_END", "hai-bai.xml", article() + f"{MARK}<article/>\n",
     "có nội dung sau </article>: mọi thứ phải nằm trong <article>...</article>",
     "something follows </article>: everything goes inside <article>...</article>"),
    ("TAG_MISMATCH", "the-thua.xml", article(body=f"<p>y</p></p>{MARK}"),
     "</p> không khớp với <body> mở ở dòng 6: đóng <body> trước, hoặc xoá </p> thừa",
     "</p> does not match <body> opened on line 6: close <body> first, or remove the extra </p>"),
    ("TAG_UNCLOSED", "cat-cut.xml", "\n".join(article().split("\n")[:6]) + f"\n{MARK}",
     "tệp kết thúc mà <article> (dòng 2) chưa đóng: thêm </article>",
     "the file ends before <article> (line 2) is closed: add </article>"),
    ("ATTR_QUOTES", "ngoac-kep.xml",
     article(body=f'<figure src={MARK}a.jpg><caption>Ảnh</caption></figure>'),
     "giá trị thuộc tính phải nằm trong ngoặc kép: tên=\"giá trị\"",
     "attribute values go in double quotes: name=\"value\""),
    ("ATTR_TWICE", "hai-src.xml",
     article(body=f'<figure src="a.jpg" src="b.jpg"{MARK}><caption>Ảnh</caption></figure>'),
     "thuộc tính src viết hai lần trong một thẻ: chỉ giữ một",
     "attribute src is written twice in one tag: keep one"),
    ("COMMENT_DASHES", "ghi-chu.xml", article(body=f"<p>y <!-- a {MARK}-- b --></p>"),
     "không được viết -- bên trong ghi chú <!-- ... -->",
     "-- cannot stand inside a comment <!-- ... -->"),
    ("NOT_XML", "cdata-end.xml", article(body=f"<p>y {MARK}]]></p>"),
     "XML sai cú pháp: Sequence ']]>' not allowed in content",
     "not well-formed XML: Sequence ']]>' not allowed in content"),
    ("DOCTYPE", "doctype.xml", article(head=f"<!DOCTYPE article{MARK}>\n"),
     "bài viết không được có khai báo DOCTYPE: xoá dòng <!DOCTYPE ...>",
     "DOCTYPE declarations are not allowed in articles: remove the <!DOCTYPE ...> line"),
    ("CROWDED", "nhieu-thuoc-tinh.xml",
     article(body="<p " + " ".join(f'a{i}="{i}"' for i in range(33)) + ">y</p>")
     .replace("  <body>", LINE_MARK + "  <body>"),
     "một thẻ có hơn 32 thuộc tính, hoặc hơn 16 khai báo namespace: thẻ trong bài chỉ cần tối đa "
     "một thuộc tính",
     "more than 32 attributes in a tag, or more than 16 namespace declarations: an article needs "
     "at most one attribute per tag"),
    ("EMPTY_ELEM", "tieu-de-rong.xml", article(title="").replace("  <title>", f"  {MARK}<title>"),
     "<title> không được để trống", "<title> must not be empty"),
    ("EMPTY_ELEM", "tieu-de-trang.xml", article(title="   ").replace("  <title>", f"  {MARK}<title>"),
     "<title> không được để trống", "<title> must not be empty"),
    ("PLAIN_TEXT", "tieu-de-dam.xml", article(title="Tin <b>mới</b>").replace("  <title>", f"  {MARK}<title>"),
     "<title> chỉ chứa chữ thường: bỏ thẻ <b>", "<title> holds plain text only: remove <b>"),
    ("NOT_ARTICLE", "goc-sai.xml",
     article().replace("<article>", f"{MARK}<bai>").replace("</article>", "</bai>"),
     "tệp phải chứa một <article>, không phải <bai>",
     "the file must hold one <article>, not <bai>"),
    ("MISSING", "thieu-body.xml", re.sub(r"  <body>.*\n", "", article())
     .replace("<article>", f"{MARK}<article>"),
     "thiếu <body>: hãy thêm vào bài", "<body> is missing: add it to the article"),
    ("MISSING_BEFORE", "thieu-ngay.xml", re.sub(r"  <date>.*\n", "", article())
     .replace("  <summary>", f"  {MARK}<summary>"),
     "thiếu <date>: hãy viết trước <summary>", "<date> is missing: write it before <summary>"),
    ("TWICE", "hai-tieu-de.xml", article(after_title=f"\n  {MARK}<title>Tin nữa</title>"),
     "<title> có hai lần: chỉ giữ một", "<title> is written twice: keep one"),
    ("ORDER", "sai-thu-tu.xml",
     article().replace("<article>\n", f"<article>{MARK}<author>Lan</author>\n"),
     "<title> phải đứng trước <author> (thứ tự là title, date, expires, category, summary, body, "
     "author)",
     "<title> must come before <author> (the order is title, date, expires, category, summary, "
     "body, author)"),
    ("UNKNOWN_IN_ARTICLE", "the-la.xml", article(after_title=f"{MARK}<subtitle>x</subtitle>"),
     "bài viết không có thẻ <subtitle>: chỉ dùng title, date, expires, category, summary, body, "
     "author",
     "<subtitle> is not part of an article: use title, date, expires, category, summary, body or "
     "author"),
    ("UNKNOWN_IN_BODY", "the-la-body.xml", article(body=f"{MARK}<h2>x</h2><p>y</p>"),
     "không dùng được <h2> trong <body>: chỉ có <p> và <figure>",
     "<h2> cannot be used in <body>: only <p> and <figure>"),
    ("UNKNOWN_IN_TEXT", "gach-chan.xml", article(body=f"<p>y {MARK}<u>z</u></p>"),
     "không dùng được <u> trong đoạn chữ: chỉ có <b>, <i> và <a href=\"...\">",
     "<u> cannot be used in text: only <b>, <i> and <a href=\"...\">"),
    ("UNKNOWN_IN_FIGURE", "hai-chu-thich.xml",
     article(body=f"<figure><caption>a</caption>\n    {MARK}<caption>b</caption></figure>"),
     "không dùng được <caption> trong <figure>: chỉ có một <caption>",
     "<caption> cannot be used in <figure>: it holds one <caption>"),
    ("EMPTY_BODY", "body-rong.xml", article(body="").replace("  <body>", f"  {MARK}<body>"),
     "<body> cần ít nhất một <p> hoặc <figure>", "<body> needs at least one <p> or <figure>"),
    ("NO_CAPTION", "anh-khong-chu-thich.xml", article(body=f'{MARK}<figure src="a.jpg"/>'),
     "ảnh (<figure>) thiếu chú thích: viết <caption>...</caption> bên trong",
     "<figure> needs a caption: write <caption>...</caption> inside it"),
    ("TEXT_IN_BODY", "chu-ngoai-p.xml", article(body="Chữ <p>y</p>")
     .replace("  <body>", f"  {MARK}<body>"),
     "chữ trong <body> phải nằm trong <p>...</p>", "text in <body> goes inside <p>...</p>"),
    ("TEXT_IN", "chu-trong-figure.xml",
     article(body=f"{MARK}<figure>Chữ<caption>a</caption></figure>"),
     "không được viết chữ trực tiếp trong <figure>: đặt vào đúng thẻ, hoặc xoá đi",
     "text cannot stand directly in <figure>: put it in the right tag, or delete it"),
    ("STATUS_VALUE", "trang-thai.xml", article(attrs=' status="nhap"')
     .replace("<article", f"{MARK}<article"),
     "status=\"nhap\" không hợp lệ: viết status=\"draft\" hoặc status=\"published\"",
     "status=\"nhap\" is not known: write status=\"draft\" or status=\"published\""),
    ("UNKNOWN_ATTR", "thuoc-tinh-la.xml", article(body=f'{MARK}<p class="x">y</p>'),
     "<p> không có thuộc tính class: hãy bỏ đi", "<p> has no attribute class: remove it"),
    ("LINK_NO_HREF", "lien-ket-thieu.xml", article(body=f"<p>y {MARK}<a>z</a></p>"),
     "<a> cần địa chỉ liên kết: <a href=\"https://...\">",
     "<a> needs the link's address: <a href=\"https://...\">"),
    ("CATEGORY_LETTERS", "chuyen-muc-rong.xml",
     article().replace("  <summary>", f"  {MARK}<category>---</category>\n  <summary>"),
     "<category> phải có chữ hoặc số", "<category> needs letters or digits"),
    ("SRC_CONTROL", "src-tab.xml",
     article(body=f'{MARK}<figure src="https://x.vn/a&#9;b.jpg"><caption>a</caption></figure>'),
     "src của <figure> có ký tự điều khiển: hãy gõ lại địa chỉ",
     "figure src holds control characters: retype the address"),
    ("SRC_BAD", "src-ngoai.xml",
     article(body=f'{MARK}<figure src="../bi-mat.jpg"><caption>a</caption></figure>'),
     "src của <figure> phải là địa chỉ http(s) hoặc đường dẫn trong thư mục nội dung gồm chữ, số, "
     "'.', '_', '-' và '/', không phải ../bi-mat.jpg",
     "figure src must be an http(s) URL or a path below the content dir made of letters, digits, "
     "'.', '_', '-' and '/', not ../bi-mat.jpg"),
    ("EXPIRES_BEFORE", "het-han-som.xml",
     article(date="2024-01-04", after_title="")
     .replace("</date>\n", f"</date>\n  {MARK}<expires>2024-01-03</expires>\n"),
     "<expires> phải sau <date>", "expires must come after date"),
]


def expected_line(path, line, col, message):
    where = f"{path}:{line}:{col}" if col else f"{path}:{line}" if line else f"{path}"
    return f"{where}: {message}"


@pytest.mark.parametrize("msg_id,name,content,vi,en", ARTICLE_CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in ARTICLE_CASES])
def test_article_message(tmp_path, msg_id, name, content, vi, en):
    text, line, col = place(content)
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    for lang, message in ((None, vi), ("vi", vi), ("en", en)):
        rc, lines, err = run(path, lang=lang)
        assert rc == 1 and err == "", (lang, rc, lines, err)
        assert lines[:-1] == [expected_line(path, line, col, message)], (lang, lines)


def test_utf16_file(tmp_path):
    text = article(title="Tin tức")
    for name, data in (("utf16-le.xml", text.encode("utf-16")),  # with its mark
                       ("utf16-be.xml", text.encode("utf-16-be"))):  # none
        path = tmp_path / name
        path.write_bytes(data)
        for lang, message in ((None, "tệp phải lưu dạng UTF-8 (tệp này là UTF-16)"),
                              ("en", "the file must be saved as UTF-8 (this one is UTF-16)")):
            rc, lines, _ = run(path, lang=lang)
            assert rc == 1
            assert lines[:-1] == [f"{path}:1:1: {message}"], lines


def test_not_utf8_file(tmp_path):
    """Windows-1258 bytes where UTF-8 is expected; the column is the bad byte's."""
    text = article(title="Hà Nội")
    head, _, tail = text.partition("à")
    data = head.encode("utf-8") + "à".encode("cp1258") + tail.encode("utf-8")
    path = tmp_path / "cp1258.xml"
    path.write_bytes(data)
    line = head.count("\n") + 1
    col = len(head) - (head.rfind("\n") + 1) + 1  # the byte that is not UTF-8
    for lang, message in (
            (None, "tệp phải lưu dạng UTF-8 (tệp này có byte không phải UTF-8: lưu nhầm dạng "
                   "Windows-1258 hay TCVN3?)"),
            ("en", "the file must be saved as UTF-8 (this one has bytes that are not UTF-8: "
                   "saved as Windows-1258 or TCVN3?)")):
        rc, lines, _ = run(path, lang=lang)
        assert rc == 1
        assert lines[:-1] == [f"{path}:{line}:{col}: {message}"], lines


def test_file_level_problems(tmp_path):
    big = tmp_path / "qua-lon.xml"
    big.write_bytes(article(body="<p>" + "x" * (4 * 1024 * 1024) + "</p>").encode())
    target = tmp_path / "that.xml"
    target.write_text(article(), encoding="utf-8")
    link = tmp_path / "lien-ket.xml"
    link.symlink_to(target)
    fifo = tmp_path / "ong.xml"
    os.mkfifo(fifo)
    cases = [
        (big, "tệp lớn hơn 4 MiB: hãy tách bài, hoặc để ảnh lớn thành tệp riêng",
         "file is larger than 4 MiB: split the article, or put big pictures in media files"),
        (link, "liên kết tượng trưng (symbolic link) không được đọc: hãy đặt chính tệp bài viết "
               "vào đây",
         "symbolic link not followed: put the file itself here"),
        (fifo, "không phải tệp thường: bài viết phải là một tệp .xml bình thường",
         "not a regular file: an article must be a plain .xml file"),
        (tmp_path / "khong-co.xml", "không có tệp hay thư mục này", "no such file or folder"),
    ]
    for path, vi, en in cases:
        for lang, message in ((None, vi), ("en", en)):
            rc, lines, _ = run(path, lang=lang)
            assert rc == 1
            assert lines[:-1] == [f"{path}: {message}"], (path, lines)


def test_bad_file_name_gets_a_suggestion(tmp_path):
    d = tmp_path / "content"
    (d / "Tin Tức").mkdir(parents=True)
    cases = [
        (d / "Bài Viết 1.xml", "bai-viet-1.xml"),
        (d / "Tin Tức" / "Đường Phố.xml", "tin-tuc/duong-pho.xml"),
    ]
    for path, _ in cases:
        path.write_text(article(), encoding="utf-8")
    rc, lines, _ = run(d)
    assert rc == 1
    for path, better in cases:
        assert (f"{path}: tên tệp chỉ được gồm a-z, 0-9 và '-', đuôi .xml, nếu không cổng tin bỏ "
                f"qua: hãy đặt tên {better}") in lines, lines
    rc, lines, _ = run(d, lang="en")
    for path, better in cases:
        assert (f"{path}: the file name must be made of a-z, 0-9 and '-' and end in .xml, or the "
                f"portal skips it: name it {better}") in lines, lines
    # a single file: its base name
    rc, lines, _ = run(cases[0][0])
    assert lines[0].endswith("hãy đặt tên bai-viet-1.xml"), lines
    # nothing left to suggest
    odd = tmp_path / "!!!.xml"
    odd.write_text(article(), encoding="utf-8")
    for lang, message in ((None, "tên tệp chỉ được gồm a-z, 0-9 và '-', đuôi .xml, nếu không "
                                 "cổng tin bỏ qua"),
                          ("en", "the file name must be made of a-z, 0-9 and '-' and end in "
                                 ".xml, or the portal skips it")):
        rc, lines, _ = run(odd, lang=lang)
        assert rc == 1 and lines[:-1] == [f"{odd}: {message}"], lines


def zone_name(offset_min, lang):
    if offset_min == 7 * 60:
        return "giờ Việt Nam" if lang != "en" else "Vietnam time"
    sign = "-" if offset_min < 0 else "+"
    off = abs(offset_min)
    utc = f"UTC{sign}{off // 60:02d}:{off % 60:02d}"
    return f"giờ {utc}" if lang != "en" else utc


def local(instant, offset_min):
    t = instant.astimezone(datetime.timezone(datetime.timedelta(minutes=offset_min)))
    return t.strftime("%H:%M"), t.strftime("%d/%m/%Y")


@pytest.mark.parametrize("tz", [None, "+07:00", "+05:30", "-03:00"])
def test_ok_lines_and_times_in_the_portals_zone(tmp_path, tz):
    offset = 7 * 60 if tz in (None, "+07:00") else (
        (1 if tz[0] == "+" else -1) * (int(tz[1:3]) * 60 + int(tz[4:6])))
    zone = datetime.timezone(datetime.timedelta(minutes=offset))
    when = "2099-12-07T00:00:00Z"
    instant = datetime.datetime(2099, 12, 7, tzinfo=datetime.timezone.utc)
    files = {
        "hien": article(date="2024-01-04"),
        "nhap": article(date="2024-01-04", attrs=' status="draft"'),
        "tuong-lai": article(date=when),
        "het-han": article(date="2020-01-01").replace(
            "</date>\n", "</date>\n  <expires>2021-01-01</expires>\n"),
    }
    for name, text in files.items():
        (tmp_path / f"{name}.xml").write_text(text, encoding="utf-8")
    expired = datetime.datetime(2021, 1, 1, tzinfo=zone)  # a plain date: midnight there
    for lang in (None, "en"):
        args = (["--tz", tz] if tz else []) + [tmp_path]
        rc, lines, err = run(*args, lang=lang)
        assert rc == 0 and err == "", (lines, err)
        hm, dmy = local(instant, offset)
        ehm, edmy = local(expired, offset)
        z = zone_name(offset, lang)
        if lang == "en":
            want = {
                "hien": "ok: slug hien, dated 04/01/2024, visible now",
                "nhap": "ok: slug nhap, dated 04/01/2024, hidden: draft",
                "tuong-lai": f"ok: slug tuong-lai, dated {dmy}, hidden, shown at {hm} on {dmy} "
                             f"({z})",
                "het-han": f"ok: slug het-han, dated 01/01/2020, hidden: expired at {ehm} on "
                           f"{edmy} ({z})",
            }
            summary = "4 files checked: 4 ok, 0 with problems"
        else:
            want = {
                "hien": "tốt: địa chỉ hien, ngày 04/01/2024, đang hiện",
                "nhap": "tốt: địa chỉ nhap, ngày 04/01/2024, đang ẩn: bản nháp",
                "tuong-lai": f"tốt: địa chỉ tuong-lai, ngày {dmy}, đang ẩn, hiện lúc {hm} ngày "
                             f"{dmy} ({z})",
                "het-han": f"tốt: địa chỉ het-han, ngày 01/01/2020, đang ẩn: hết hạn lúc {ehm} "
                           f"ngày {edmy} ({z})",
            }
            summary = "đã kiểm tra 4 tệp: 4 tốt, 0 có lỗi"
        assert sorted(lines[:-1]) == sorted(f"{tmp_path / n}.xml: {w}" for n, w in want.items())
        assert lines[-1] == summary


def test_summaries_and_deep_folders(tmp_path):
    d = tmp_path / "content"
    for i in (1, 2):
        d.joinpath(f"nhanh-{i}", *["d"] * 33).mkdir(parents=True)
    (d / "tot.xml").write_text(article(), encoding="utf-8")
    (d / "hong.xml").write_text(article(date="04/01/2024"), encoding="utf-8")
    rc, lines, _ = run(d)
    assert rc == 1
    for i in (1, 2):
        where = d.joinpath(f"nhanh-{i}", *["d"] * 32)  # the 33rd folder
        assert f"{where}: sâu hơn 32 tầng thư mục, không đọc (cổng tin cũng bỏ qua)" in lines
    assert lines[-1] == "đã kiểm tra 2 tệp: 1 tốt, 1 có lỗi; 2 thư mục quá sâu, không đọc"
    rc, lines, _ = run(d, lang="en")
    assert lines[-1] == "2 files checked: 1 ok, 1 with problems; 2 folders too deep, not read"
    assert (f"{d.joinpath('nhanh-1', *['d'] * 32)}: deeper than 32 folders, not read "
            "(the portal skips it too)") in lines
    (d / "nhanh-2").rename(tmp_path / "ra-ngoai")
    (d / "hong.xml").unlink()
    rc, lines, _ = run(d)
    assert lines[-1] == "đã kiểm tra 1 tệp: 1 tốt, 0 có lỗi; 1 thư mục quá sâu, không đọc"
    rc, lines, _ = run(d, lang="en")
    assert lines[-1] == "1 file checked: 1 ok, 0 with problems; 1 folder too deep, not read"


def test_option_errors(tmp_path):
    cases = [
        (["--lang", "fr"], "bantin-check: --lang nhận vi hoặc en, không phải fr",
         "bantin-check: --lang takes vi or en, not fr"),
        (["--tz", "bogus"], "bantin-check: --tz nhận độ lệch giờ như +07:00, không phải bogus",
         "bantin-check: --tz takes an offset like +07:00, not bogus"),
        (["-x"], "bantin-check: không có tùy chọn -x", "bantin-check: unknown option -x"),
    ]
    for args, vi, en in cases:
        rc, lines, err = run(*args, tmp_path)
        assert rc == 2 and lines == [] and err.splitlines()[0] == vi, (args, err)
        rc, lines, err = run("--lang=en", *args, tmp_path)
        assert rc == 2 and lines == [] and err.splitlines()[0] == en, (args, err)
    # the forms that are accepted
    (tmp_path / "tot.xml").write_text(article(), encoding="utf-8")
    for args in (["--lang", "en"], ["--lang=en"], ["--tz", "+07:00"], ["--tz=Asia/Ho_Chi_Minh"]):
        rc, lines, err = run(*args, tmp_path)
        assert rc == 0 and err == "", (args, lines, err)


def test_broken_reference_warnings(tmp_path):
    """Served all the same (exit 0), but a picture or a link leads nowhere."""
    d = tmp_path / "content"
    (d / "images").mkdir(parents=True)
    (d / "images" / "co.png").write_bytes(b"x")
    text = article(body='<figure src="images/co.png"><caption>a</caption></figure>'
                        f'{MARK}<figure src="images/khong-co.png"><caption>b</caption></figure>'
                        '<p>Xem <a href="www.example.vn">đây</a></p>')
    text, line, _ = place(text)
    path = d / "anh.xml"
    path.write_text(text, encoding="utf-8")
    mcol = text.split("\n")[line - 1].index('images/khong-co.png') + 1
    lcol = text.split("\n")[line - 1].index('www.example.vn') + 1
    vi = [f"{path}:{line}:{mcol}: cảnh báo: ảnh images/khong-co.png không có trong thư mục nội "
          "dung: bạn đọc sẽ thấy ảnh hỏng; hãy thêm tệp ảnh hoặc sửa tên",
          f"{path}:{line}:{lcol}: cảnh báo: liên kết www.example.vn thiếu https:// nên dẫn tới "
          "một trang không có của cổng tin: hãy viết https://www.example.vn",
          "đã kiểm tra 1 tệp: 1 tốt, 0 có lỗi; 2 cảnh báo"]
    en = [f"{path}:{line}:{mcol}: warning: figure src images/khong-co.png names no file in the "
          "content dir: readers see a broken picture; add the file or correct the name",
          f"{path}:{line}:{lcol}: warning: link www.example.vn has no https:// and leads to a "
          "page of this site that does not exist: write https://www.example.vn",
          "1 file checked: 1 ok, 0 with problems; 2 warnings"]
    for lang, want in ((None, vi), ("en", en)):
        rc, lines, err = run("-q", d, lang=lang)
        assert (rc, lines, err) == (0, want, ""), (lang, lines)
    # one warning; a single file's media are not looked for (no content dir known)
    rc, lines, _ = run("-q", path)
    assert (rc, lines) == (0, [vi[1], "đã kiểm tra 1 tệp: 1 tốt, 0 có lỗi; 1 cảnh báo"])
    rc, lines, _ = run("-q", path, lang="en")
    assert (rc, lines) == (0, [en[1], "1 file checked: 1 ok, 0 with problems; 1 warning"])


def test_category_and_user_messages(tmp_path):
    """A category spelled otherwise than the portal names it (a warning,
    at <category>), the names file's ok line, and what the server's User
    could not read (a problem)."""
    d = tmp_path / "content"
    (d / "2024").mkdir(parents=True)
    for slug, date, cat in (("mot", "2024-03-01", "Nông thôn mới"),
                            ("hai", "2024-03-02", "Nông thôn mới"),
                            ("ba", "2024-03-03", "nong thon moi")):
        text = article(date=date).replace("  <summary>",
                                          f"  {MARK}<category>{cat}</category>\n  <summary>")
        text, line, col = place(text)
        (d / "2024" / f"{slug}.xml").write_text(text, encoding="utf-8")
    ba = d / "2024" / "ba.xml"
    vi = [f"{ba}:{line}:{col}: cảnh báo: chuyên mục \"nong thon moi\" viết khác với "
          "\"Nông thôn mới\" mà cổng dùng",
          "đã kiểm tra 3 tệp: 3 tốt, 0 có lỗi; 1 cảnh báo"]
    en = [f"{ba}:{line}:{col}: warning: category \"nong thon moi\" is spelled differently "
          "from \"Nông thôn mới\", the name the portal uses",
          "3 files checked: 3 ok, 0 with problems; 1 warning"]
    for lang, want in ((None, vi), ("en", en)):
        assert run("-q", d, lang=lang) == (0, want, ""), lang
    names = d / "chuyen-muc.xml"
    names.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<categories>\n'
                     '  <category>Nông thôn mới</category>\n</categories>\n', encoding="utf-8")
    for lang, want in ((None, "ok: tệp tên chuyên mục, 1 tên"),
                       ("en", "ok: category names file, 1 names")):
        rc, lines, _ = run(names, lang=lang)
        assert (rc, lines[0]) == (0, f"{names}: {want}"), (lang, lines)
    # what the server's User cannot read: the portal serves none of it
    names.unlink()
    os.chmod(tmp_path, 0o755)
    for p in [d, d / "2024"] + list((d / "2024").iterdir()):
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    os.chmod(d / "2024" / "mot.xml", 0o600)
    (d / "rieng").mkdir(mode=0o700)
    vi = [f"{d / '2024' / 'mot.xml'}: máy chủ (nobody) không đọc được tệp này",
          f"{d / 'rieng'}/: máy chủ (nobody) không đọc được thư mục này"]
    en = [f"{d / '2024' / 'mot.xml'}: the server's User (nobody) cannot read this file",
          f"{d / 'rieng'}/: the server's User (nobody) cannot read this folder"]
    for lang, want in ((None, vi), ("en", en)):
        rc, lines, _ = run("-q", "--user", "nobody", d, lang=lang)
        assert rc == 1 and sorted(want) == sorted(x for x in lines if "nobody" in x), (lang, lines)


# ---- every message of the table is tested above -------------------------------------------

# Messages the checker cannot be made to print from outside (tested in
# tests/unit/test_messages.c, word for word): a failed allocation, a folder that
# stat() finds but open() refuses (root opens everything), a read that fails
# after the open, a text that is not in the table, and the schema's fallback for
# an error no input is known to produce.
NOT_FROM_OUTSIDE = {"OUT_OF_MEMORY", "NO_FOLDER", "CANNOT_READ", "RAW", "SCHEMA"}

COVERED_ELSEWHERE = {
    "UTF16": test_utf16_file, "NOT_UTF8": test_not_utf8_file,
    "TOO_LARGE": test_file_level_problems, "SYMLINK": test_file_level_problems,
    "NOT_REGULAR": test_file_level_problems, "NO_SUCH_PATH": test_file_level_problems,
    "BAD_NAME": test_bad_file_name_gets_a_suggestion,
    "BAD_NAME_EMPTY": test_bad_file_name_gets_a_suggestion,
    "OK": test_ok_lines_and_times_in_the_portals_zone,
    "VISIBLE": test_ok_lines_and_times_in_the_portals_zone,
    "DRAFT": test_ok_lines_and_times_in_the_portals_zone,
    "SCHEDULED": test_ok_lines_and_times_in_the_portals_zone,
    "EXPIRED": test_ok_lines_and_times_in_the_portals_zone,
    "ZONE_VN": test_ok_lines_and_times_in_the_portals_zone,
    "ZONE_UTC": test_ok_lines_and_times_in_the_portals_zone,
    "TOO_DEEP": test_summaries_and_deep_folders, "SUMMARY": test_summaries_and_deep_folders,
    "SUMMARY_ONE": test_summaries_and_deep_folders, "DEEP": test_summaries_and_deep_folders,
    "DEEP_ONE": test_summaries_and_deep_folders,
    "UNKNOWN_OPTION": test_option_errors, "BAD_LANG": test_option_errors,
    "BAD_TZ": test_option_errors,
    "REF_MEDIA_MISSING": test_broken_reference_warnings,
    "REF_NO_SCHEME": test_broken_reference_warnings,
    "WARNING": test_broken_reference_warnings, "WARNINGS": test_broken_reference_warnings,
    "WARNINGS_ONE": test_broken_reference_warnings,
    "CAT_SPELLING": test_category_and_user_messages,
    "CAT_NAMES_OK": test_category_and_user_messages,
    "USER_CANNOT_READ_FILE": test_category_and_user_messages,
    "USER_CANNOT_READ_FOLDER": test_category_and_user_messages,
}


def table():
    """{id: (english, vietnamese)} read from the X(...) lines of the header."""
    text = TABLE.read_text(encoding="utf-8")
    text = text[text.index("#define BANTIN_MESSAGES(X)"):]
    out = {}
    for m in re.finditer(r'X\((\w+),((?:\s*\\?\s*"(?:[^"\\]|\\.)*")+)\s*,'
                         r'((?:\s*\\?\s*"(?:[^"\\]|\\.)*")+)\s*\)', text):
        def c_string(parts):
            return "".join(ast.literal_eval(s) for s in re.findall(r'"(?:[^"\\]|\\.)*"', parts))
        out[m.group(1)] = (c_string(m.group(2)), c_string(m.group(3)))
    return out


def as_regex(fmt):
    return "".join(".+" if part == "%s" else re.escape(part.replace("%%", "%"))
                   for part in re.split(r"(%s)", fmt))


def test_every_message_of_the_table_is_tested():
    msgs = table()
    assert len(msgs) > 50, "the table was not read"
    cased = {c[0] for c in ARTICLE_CASES}
    untested = set(msgs) - cased - set(COVERED_ELSEWHERE) - NOT_FROM_OUTSIDE
    assert not untested, f"messages without a test: {sorted(untested)}"
    assert not (cased | set(COVERED_ELSEWHERE) | NOT_FROM_OUTSIDE) - set(msgs), "stale names"
    # each case's texts are the table's message it is filed under, in both languages
    for msg_id, name, _, vi, en in ARTICLE_CASES:
        en_fmt, vi_fmt = msgs[msg_id]
        assert re.fullmatch(as_regex(en_fmt), en), (msg_id, name, en_fmt, en)
        assert re.fullmatch(as_regex(vi_fmt), vi), (msg_id, name, vi_fmt, vi)
    # the same slots in both languages
    for msg_id, (en_fmt, vi_fmt) in msgs.items():
        assert en_fmt.count("%s") == vi_fmt.count("%s"), msg_id
