"""Integration tests: mod_bantin inside a real Apache httpd 2.4.

Run from the repository root, after `make` has built build/mod_bantin.so:

    /usr/bin/python3 -m pytest tests/integration

(Debian's python3 has pytest and requests; a pyenv `python3` on PATH may not.)

How it works (modelled on httpd's test/pyhttpd), see bantin_httpd.py:
- A session-scoped `httpd` fixture, parametrised over the servers (httpd's
  event, worker and prefork MPMs and nginx by default; BANTIN_MPMS=event or
  BANTIN_MPMS=nginx picks fewer), writes an httpd.conf (nginx: bantin_nginx.py)
  into a temporary ServerRoot (Listen on a free 127.0.0.1 port, LoadModule lines
  from /usr/lib/apache2/modules, `User nobody` when run as root, the module from
  build/mod_bantin.so or $BANTIN_MODULE) and starts /usr/sbin/apache2 -k start.
  Every test therefore runs once per server kind.
- The default portals: /portal (copies of the repository's content/ and templates/),
  /tin and /tin2 (generated articles with known dates; /tin2 has BantinPageSize 2).
- A test that needs its own content copies content/ and templates/ into tmp_path,
  calls httpd.configure([Portal(...), ...]) and httpd.restart(); the default
  config is restored after the test.
- Error-log hygiene: after each test, new error-log lines at warn level or above
  ("[bantin:error]", "[core:warn]", "[error]", ...) or any "Segmentation fault" /
  "exit signal" fail the test, unless the test declared them with
  httpd.expect_log(r"regex").
- BANTIN_MODULE=none runs httpd without the module: the module's tests are skipped
  and only test_harness.py (the harness's own checks) runs.
"""

import os
import shutil

import pytest

from bantin_httpd import REPO, BantinHttpd, Portal, make_list_content, module_path
from bantin_nginx import BantinNginx, nginx_module_path


def mpm_params():
    """The servers every test runs on: httpd under each of its MPMs, and
    nginx (BANTIN_MPMS=event, BANTIN_MPMS=nginx... picks fewer)."""
    return [m.strip() for m in
            os.environ.get("BANTIN_MPMS", "event,worker,prefork,nginx").split(",") if m.strip()]


def pytest_runtest_setup(item):
    """A test marked httpd_only does not run on nginx, whichever fixture
    made its server."""
    only = item.get_closest_marker("httpd_only")
    callspec = getattr(item, "callspec", None)
    if only and callspec and "nginx" in callspec.params.values():
        pytest.skip(f"httpd only: {only.args[0] if only.args else ''}")


def pytest_configure(config):
    config.addinivalue_line("markers", "httpd_only(why): the test is about httpd itself "
                            "(apachectl, an MPM, httpd's modules or config); not run on nginx")


@pytest.fixture(scope="session")
def list_content(tmp_path_factory):
    return make_list_content(tmp_path_factory.mktemp("list-content"))


def default_portals(list_content):
    return [
        Portal("/portal"),
        Portal("/tin", content=list_content),
        Portal("/tin2", content=list_content, directives=["BantinPageSize 2"]),
    ]


@pytest.fixture(scope="session", params=mpm_params())
def httpd(request, tmp_path_factory, list_content):
    mod = module_path()
    if mod is None:
        pytest.skip("BANTIN_MODULE=none: running without mod_bantin")
    if not mod.exists() and request.param != "nginx":
        pytest.fail(f"{mod} does not exist: run `make` first (or set BANTIN_MODULE)")
    if request.param == "nginx":
        mod = nginx_module_path()
        if not mod.exists():
            pytest.fail(f"{mod} does not exist: run `make` first (or set BANTIN_NGINX_MODULE)")
        h = BantinNginx(tmp_path_factory.mktemp("nginx"), module=mod)
    else:
        h = BantinHttpd(tmp_path_factory.mktemp(f"httpd-{request.param}"), mpm=request.param,
                        module=mod)
    h.default_portals = default_portals(list_content)
    h.configure(h.default_portals)
    h.config_dirty = False
    h.log_mark()
    h.start()
    problems = h.log_problems()
    if problems:
        h.stop()
        pytest.fail("httpd logged problems at startup:\n" + "\n".join(problems), pytrace=False)
    yield h
    h.stop()


@pytest.fixture(autouse=True)
def _log_hygiene(request):
    """Fail a test on unexpected warn/error lines; restore the default config after it."""
    if "httpd" not in request.fixturenames:
        yield
        return
    h = request.getfixturevalue("httpd")
    only = request.node.get_closest_marker("httpd_only")
    if only and h.mpm == "nginx":
        pytest.skip(f"httpd only: {only.args[0] if only.args else ''}")
    if not h.is_running():
        h.start()
    h.log_mark()
    yield
    problems = h.log_problems()
    if h.config_dirty:
        h.configure(h.default_portals)
        h.config_dirty = False
        h.log_mark()
        h.restart()
        problems += [f"(after restoring the default config) {line}" for line in h.log_problems()]
    if problems:
        pytest.fail("unexpected lines in the error log:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def site_copy(tmp_path):
    """Fresh copies of the repository's content/ and templates/ for one test."""
    content = tmp_path / "content"
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "content", content)
    shutil.copytree(REPO / "templates", templates)
    return content, templates


def pytest_terminal_summary(terminalreporter):
    """Live pick-up latencies measured by test_live.py (median and max per MPM)."""
    from bantin_httpd import LATENCIES

    if not LATENCIES:
        return
    import statistics

    groups = {}
    for label, seconds in LATENCIES:
        groups.setdefault(label.split(":", 1)[0], []).append(seconds)
    terminalreporter.section("live pick-up latency")
    for group, values in sorted(groups.items()):
        terminalreporter.write_line(
            f"{group}: {len(values)} changes, median {statistics.median(values) * 1000:.0f} ms, "
            f"max {max(values) * 1000:.0f} ms")
