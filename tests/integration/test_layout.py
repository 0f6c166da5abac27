"""The layout the README promises: one core of plain C that includes no
server's headers, and thin server modules (at most 800 lines of code
each, comments and blank lines not counted)."""

import re
import subprocess

import pytest

from bantin_httpd import REPO

CORE = REPO / "mod_bantin" / "core"
SERVERS = ("httpd", "nginx")
BUDGET = 800
# A server's headers or API, by name: httpd's (and APR-util's server-side
# parts are not used), nginx's.
SERVER_HEADER = re.compile(r'^\s*#\s*include\s*[<"](httpd|http_\w+|ap_\w+|mod_\w+|ngx_\w+)\.h[>"]',
                           re.M)


def code_lines(path):
    """Lines of code of a C file: gcc's preprocessor with -fpreprocessed
    drops the comments and expands nothing; blank lines are not counted."""
    out = subprocess.run(["gcc", "-fpreprocessed", "-dD", "-E", "-P", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return sum(1 for line in out.splitlines() if line.strip())


def test_code_lines_counts_code_only(tmp_path):
    f = tmp_path / "x.c"
    f.write_text("/* a comment\n   of two lines */\n\nint x; // why\n\nint y;\n")
    assert code_lines(f) == 2


@pytest.mark.parametrize("server", SERVERS)
def test_server_module_is_thin(server):
    files = sorted((REPO / "mod_bantin" / server).glob("*.[ch]"))
    assert files, f"no sources under mod_bantin/{server}"
    n = sum(code_lines(f) for f in files)
    assert n <= BUDGET, f"mod_bantin/{server}: {n} lines of code, over {BUDGET}"


def test_core_includes_no_server_header():
    found = [f"{f.name}: {m.group(0).strip()}"
             for f in sorted(CORE.glob("*.[ch]"))
             for m in SERVER_HEADER.finditer(f.read_text(encoding="utf-8"))]
    assert not found, found
