"""The harness's own checks, on a stock httpd without mod_bantin.

These run whatever BANTIN_MODULE says, so they also work before the module exists.
"""

import os
import signal
import time

import pytest

from bantin_httpd import MPMS, BantinHttpd, parse_html


@pytest.fixture(params=MPMS)
def stock(request, tmp_path):
    h = BantinHttpd(tmp_path / "root", mpm=request.param, module=None)
    yield h
    h.stop()


def children(pid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(d))
    return out


def test_start_answer_stop(stock):
    stock.log_mark()
    stock.start()
    assert stock.is_running()
    r = stock.get("/")
    assert r.status_code == 200 and "ok" in r.text
    pid = stock.pid()
    stock.stop()
    assert not stock.is_running()
    assert not os.path.exists(f"/proc/{pid}/status") or "zombie" in open(f"/proc/{pid}/status").read()
    assert stock.log_problems() == []
    # Started and stopped again on the same port.
    stock.restart()
    assert stock.get("/").status_code == 200


def test_config_test(stock):
    rc, out = stock.config_test()
    assert rc == 0, out
    assert "Syntax OK" in out
    rc, out = stock.config_test("NoSuchDirective here")
    assert rc != 0
    assert "NoSuchDirective" in out


def test_log_classification(stock):
    stock.log_mark()
    lines = [
        "[Wed Nov 26 11:48:00.000000 2025] [core:notice] [pid 1] AH00094: Command line: 'x'",
        "[Wed Nov 26 11:48:00.000000 2025] [bantin:debug] [pid 1] BT0001: loaded 3 articles",
        "[Wed Nov 26 11:48:00.000000 2025] [mpm_event:notice] [pid 1] AH00489: resuming",
        "[Wed Nov 26 11:48:00.000000 2025] [bantin:error] [pid 1] BT0102 a.xml:3:7: boom",
        "[Wed Nov 26 11:48:00.000000 2025] [core:warn] [pid 1] AH00098: pid file overwritten",
        "[Wed Nov 26 11:48:00 2025] [error] old style error",
        "[Wed Nov 26 11:48:00.000000 2025] [bantin:crit] [pid 1] BT0900: worse",
    ]
    with open(stock.error_log, "a") as f:
        f.write("\n".join(lines) + "\n")
    assert stock.log_problems() == lines[3:]
    stock.expect_log(r"BT01\d\d", r"AH00098")
    assert stock.log_problems() == lines[5:]
    assert stock.find_log(r"a\.xml:\d+:\d+") == [lines[3]]
    stock.log_mark()
    assert stock.log_lines() == [] and stock.log_problems() == []


def test_crash_is_caught(stock):
    stock.start()
    stock.log_mark()
    stock.expect_log(r".*")  # expected lines never hide a crash
    kids = children(stock.pid())
    assert kids
    os.kill(kids[0], signal.SIGSEGV)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not stock.log_problems():
        time.sleep(0.1)
    assert any("exit signal" in line for line in stock.log_problems())


def test_parse_html():
    doc = parse_html('<!DOCTYPE html><html lang="vi"><body class="a b"><p>x <b>y</b>z<br>w</p>'
                     '<section id="s"><button disabled>T</button><button>G</button></section>'
                     '<img src="/i.png" alt="&quot;q&quot;"></body></html>')
    assert doc.doctype.lower() == "doctype html"
    assert doc.find("html").get("lang") == "vi"
    assert doc.find("body").classes == ["a", "b"]
    assert doc.find("p").text() == "x yz w"
    s = doc.find(id="s")
    assert s.text() == "T G"
    assert [b.has("disabled") for b in s.find_all("button")] == [True, False]
    assert doc.find("img").get("alt") == '"q"'
    assert doc.find("img").is_inside(doc.find("body"))
