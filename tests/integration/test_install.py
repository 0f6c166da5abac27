"""`make install` and the automatic install of build packages.

- tools/need-debs (what every make target calls for its Debian packages):
  silent with nothing to do, lists instead of installing under
  BANTIN_NO_APT=1 or when not root, names the packages on a system without
  dpkg, and while it does install keeps services from starting
  (policy-rc.d), so apache2 and varnish do not end up listening on ports
  80 and 6081.  apt-get is replaced by a recording stand-in on PATH.
- `make install` honours DESTDIR and PREFIX, installs every shipped file,
  and never runs apt-get.
"""

import os
import pwd
import shutil
import subprocess
from pathlib import Path

from bantin_httpd import REPO

NEED = REPO / "tools" / "need-debs"
MISSING = "bantin-no-such-package"


def fake_apt(tmp_path):
    """A bin dir whose apt-get records its arguments, and whether a
    policy-rc.d forbidding services was in place, then succeeds."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "apt.log"
    (bin_dir / "apt-get").write_text(
        "#!/bin/sh\n"
        f'policy=none; [ -x /usr/sbin/policy-rc.d ] && {{ /usr/sbin/policy-rc.d; policy=$?; }}\n'
        f'echo "$* policy=$policy" >> "{log}"\n')
    (bin_dir / "apt-get").chmod(0o755)
    return bin_dir, log


def run_need(args, tmp_path, env_extra=None, path=None, user=None):
    bin_dir, log = fake_apt(tmp_path)
    env = {"PATH": path if path is not None else f"{bin_dir}:{os.environ['PATH']}",
           "LANG": "C.UTF-8"}
    env.update(env_extra or {})
    pre = None
    if user:
        pw = pwd.getpwnam(user)

        def pre():
            os.setgroups([])
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)
    p = subprocess.run(["/bin/sh", str(NEED), *args], capture_output=True, text=True,
                       env=env, preexec_fn=pre, timeout=60)
    calls = log.read_text().splitlines() if log.exists() else []
    return p, calls


def test_nothing_to_do_is_silent_and_runs_no_apt(tmp_path):
    p, calls = run_need(["dpkg", "coreutils"], tmp_path)
    assert (p.returncode, p.stdout, p.stderr, calls) == (0, "", "", [])


def test_missing_packages_are_installed_with_no_service_started(tmp_path):
    had_policy = Path("/usr/sbin/policy-rc.d").exists()
    p, calls = run_need(["dpkg", MISSING], tmp_path)
    assert p.returncode == 0, p.stderr
    assert f"installing Debian packages: {MISSING}" in p.stdout
    assert [c.split()[0] for c in calls] == ["update", "install"], calls
    assert calls[1].split()[-2] == MISSING and "dpkg" not in calls[1].split()
    # services refused while apt ran (101: "action forbidden by policy")
    assert all(c.endswith("policy=101") for c in calls), calls
    # ... and the machine's own policy (or none) is back afterwards
    assert Path("/usr/sbin/policy-rc.d").exists() == had_policy


def test_bantin_no_apt_lists_and_stops(tmp_path):
    p, calls = run_need(["dpkg", MISSING], tmp_path, {"BANTIN_NO_APT": "1"})
    assert p.returncode == 1
    assert calls == []
    assert f"missing Debian packages: {MISSING}" in p.stderr
    assert f"apt-get install {MISSING}" in p.stderr


def test_not_root_lists_and_stops(tmp_path):
    tmp_path.chmod(0o755)
    p, calls = run_need(["dpkg", MISSING], tmp_path, user="nobody")
    assert p.returncode == 1
    assert calls == []
    assert f"sudo apt-get install {MISSING}" in p.stderr


def test_without_dpkg_names_the_packages(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    p, calls = run_need(["apache2-dev", "libxml2-dev"], tmp_path, path=str(empty))
    assert p.returncode == 1
    assert "no dpkg" in p.stderr and "apache2-dev libxml2-dev" in p.stderr
    assert calls == []


def make(*args, env_extra=None, tmp_path=None):
    bin_dir, log = fake_apt(tmp_path)
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}")
    env.update(env_extra or {})
    p = subprocess.run(["make", "-C", str(REPO), *args], capture_output=True, text=True,
                       env=env, timeout=600)
    return p, (log.read_text().splitlines() if log.exists() else [])


def test_make_install_never_runs_apt_get(tmp_path):
    p, calls = make("install", f"DESTDIR={tmp_path / 'root'}", f"DEBS_BUILD={MISSING}",
                    tmp_path=tmp_path)
    assert p.returncode != 0
    assert calls == []
    assert f"missing Debian packages: {MISSING}" in p.stderr


def test_make_install_honours_destdir_and_prefix(tmp_path):
    dest = tmp_path / "root"
    moddir = "/usr/lib/apache2/modules"
    p, calls = make("install", f"DESTDIR={dest}", "PREFIX=/opt/bantin",
                    f"APACHE_MODDIR={moddir}", tmp_path=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert calls == []
    share = dest / "opt/bantin/share/bantin"
    expected = [dest / moddir.lstrip("/") / "mod_bantin.so",
                dest / "opt/bantin/bin/bantin-check",
                dest / "opt/bantin/share/man/man1/bantin-check.1",
                share / "conf/varnish/default.vcl",
                share / "conf/apache2/bantin.load",
                share / "conf/apache2/bantin.conf",
                dest / "usr/lib/nginx/modules/ngx_http_bantin_module.so",
                share / "conf/nginx/bantin.conf"]
    expected += [share / "templates" / f.name for f in (REPO / "templates").iterdir()]
    expected += [share / "schema" / f.name for f in (REPO / "schema").glob("*.rng")]
    expected += [share / "content" / f.relative_to(REPO / "content")
                 for f in (REPO / "content").rglob("*") if f.is_file()]
    missing = [str(f) for f in expected if not f.is_file()]
    assert not missing, missing
    assert os.access(dest / "opt/bantin/bin/bantin-check", os.X_OK)
    load = (share / "conf/apache2/bantin.load").read_text()
    assert f"LoadModule bantin_module {moddir}/mod_bantin.so" in load
    conf = (share / "conf/apache2/bantin.conf").read_text()
    assert "@" not in conf and "/opt/bantin/share/bantin/templates" in conf
    # nothing outside DESTDIR, nothing but these files
    installed = sorted(str(f) for f in dest.rglob("*") if f.is_file())
    assert installed == sorted(str(f) for f in expected)
