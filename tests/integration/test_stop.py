"""Admins can always stop the server; a content dir is published in one zone.

httpd reads the whole config for `-k stop` and `-k graceful-stop` too, so a
check made while directives are read (a template that no longer compiles, a
content dir removed under the running server) used to fail the stop: the
admin had to kill httpd by pid.  Those checks must still fail `-t`,
`-k graceful` and `-k restart` (a broken config is never loaded), with the
same one line, while the running server goes on serving.

Each test runs its own server, since it stops it.
"""

import shutil
import subprocess
import time

import pytest

from bantin_httpd import APACHE_BIN, REPO, BantinHttpd, Portal, module_path
from conftest import mpm_params


def breaks_template(site):
    (site / "templates" / "layout.html").write_text(
        (REPO / "templates" / "layout.html").read_text() + "{{#no-such-block}}\n")


def removes_content_dir(site):
    shutil.rmtree(site / "content")


BREAKAGES = {"broken template": breaks_template, "content dir removed": removes_content_dir}


@pytest.fixture(params=mpm_params())
def own_httpd(request, tmp_path):
    mod = module_path()
    if mod is None:
        pytest.skip("BANTIN_MODULE=none: running without mod_bantin")
    site = tmp_path / "site"
    shutil.copytree(REPO / "content", site / "content")
    shutil.copytree(REPO / "templates", site / "templates")
    h = BantinHttpd(tmp_path / "server", mpm=request.param, module=mod)
    h.configure([Portal("/portal", site / "content", site / "templates")])
    h.log_mark()
    h.start()
    yield h, site
    if h.is_running():
        h.stop()


def apache(h, *args):
    p = subprocess.run([APACHE_BIN, "-f", str(h.conf_file), *args],
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def the_error_line(out):
    lines = [line for line in out.splitlines() if line.strip()]
    errors = [line for line in lines if "Bantin" in line or "bantin_" in line]  # httpd, nginx
    assert len(errors) == 1, out
    return errors[0]


def processes_of(h):
    """Every process of this server: its parent and the parent's children."""
    out = subprocess.run(["ps", "-eo", "pid=,ppid=,args="], capture_output=True,
                         text=True).stdout
    pids = set()
    for line in out.splitlines():
        pid, ppid, args = line.split(None, 2)
        if str(h.conf_file) in args:
            pids.add(int(pid))
    return pids


def poll_gone(h, deadline_s=10):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if not processes_of(h):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.httpd_only("apachectl -k stop (nginx: test_nginx.py)")
@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
@pytest.mark.parametrize("stop", ["stop", "graceful-stop"])
def test_stop_succeeds_with_a_broken_config(own_httpd, breakage, stop):
    h, site = own_httpd
    assert h.get("/portal/").status_code == 200
    BREAKAGES[breakage](site)

    rc_t, out_t = apache(h, "-t")
    assert rc_t != 0, out_t
    line = the_error_line(out_t)
    rc_g, out_g = apache(h, "-k", "graceful")
    assert rc_g != 0, out_g
    assert the_error_line(out_g) == line
    # the broken config was never loaded: the server still serves
    assert h.is_running()
    assert h.get("/portal/").status_code == 200

    rc, out = apache(h, "-k", stop)
    assert rc == 0, out
    assert "Bantin" not in out, out
    assert poll_gone(h), f"httpd still running after -k {stop}"


@pytest.mark.httpd_only("apachectl -k restart (nginx: test_nginx.py)")
def test_restart_refuses_a_broken_config(own_httpd):
    h, site = own_httpd
    breaks_template(site)
    rc, out = apache(h, "-k", "restart")
    assert rc != 0, out
    assert "BantinTemplateDir" in the_error_line(out)
    assert h.get("/portal/").status_code == 200


def zone_conf(h, content, templates, server_zone, zones):
    lines = [f"BantinTimeZone {server_zone}"] if server_zone else []
    for i, zone in enumerate(zones):
        directives = [f"BantinTimeZone {zone}"] if zone else []
        lines.append(Portal(f"/z{i}", content, templates, directives).conf())
    return "\n".join(lines)


# (zone at server level, zone of each <Location> over one content dir):
# None means not set there.
CONFLICTS = [
    (None, ["UTC", None]),          # one set, the other left at the default
    (None, [None, "UTC"]),          # the same, in the other order
    (None, ["+07:00", "-05:30"]),   # both set, differently
    ("UTC", [None, "+07:00"]),      # one inherits the server's zone
]
AGREEMENTS = [
    (None, [None, None]),
    (None, ["+07:00", None]),       # the default, said or not
    ("UTC", [None, "UTC"]),
    ("-05:30", [None, None]),
]


@pytest.mark.parametrize("server_zone,zones", CONFLICTS)
def test_one_content_dir_in_two_zones_fails_config_test(own_httpd, server_zone, zones):
    h, site = own_httpd
    rc, out = h.config_test(zone_conf(h, site / "content", site / "templates",
                                      server_zone, zones))
    assert rc != 0, out
    line = the_error_line(out)
    assert "BT0003" in line and h.directive("BantinTimeZone") in line, out
    assert str(site / "content") in line, out


@pytest.mark.parametrize("server_zone,zones", AGREEMENTS)
def test_one_content_dir_in_one_zone_passes(own_httpd, server_zone, zones):
    h, site = own_httpd
    rc, out = h.config_test(zone_conf(h, site / "content", site / "templates",
                                      server_zone, zones))
    assert rc == 0, out
