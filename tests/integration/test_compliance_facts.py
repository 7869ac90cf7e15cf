"""tripod.maintenance.compliance_facts against real Debian 12 and 13 containers, over SSH with become.

Each test container is a fleet container (systemd as PID 1, SSH on 127.0.0.1) started with one
extra podman option: a 10 MiB tmpfs at /mnt/full. Known ground truth is then planted as root
(podman exec) and every value is asserted:

- security updates pending: the image was bootstrapped from the release only, `apt-get update`
  brings in the security suite;
- a held package (`apt-mark hold tzdata`);
- an installed kernel newer than the running one. A container runs the host's kernel and cannot
  install one of its own, so the test fakes what a kernel package leaves behind: an empty
  /boot/vmlinuz-<newer> and /lib/modules/<newer>/modules.dep, where <newer> is the running
  release with its minor version bumped (same flavour);
- a nearly full filesystem: the tmpfs at /mnt/full filled to 96 %;
- an expired certificate, made on the controller with `openssl ca -startdate/-enddate`
  (2020-01-01 to 2020-02-01) and copied in;
- a stale backup marker (`touch -d '3 days ago'`), a fresh one and a missing one;
- a second uid-0 account, a world-writable file in /etc, a failed systemd unit.

The module must also leave the host's files as they were (it is read-only).

Set TRIPOD_RECORD_FACTS=1 to (re)write the recorded samples tests/data/linux/debian<N>-container.json
from these runs.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import jsonschema
import pytest

from tests.certificates import make_certificate
from tests.fleet import fleet as lib
from tests.fleet.harness import Fleet

pytestmark = pytest.mark.containers

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA = REPO_ROOT / "src" / "tripod" / "schemas" / "compliance_facts.schema.json"
SAMPLES = REPO_ROOT / "tests" / "data" / "linux"
FULL_MOUNT = "/mnt/full"
FULL_SIZE = 10 * 1024 * 1024
CODENAMES = {"12": "bookworm", "13": "trixie"}
EOL = {"12": "2028-06-30", "13": "2030-06-30"}

def expired_certificate(directory: Path) -> Path:
    """A certificate valid 2020-01-01..2020-02-01."""
    directory.mkdir(parents=True, exist_ok=True)
    return make_certificate(directory, "/O=Tripod Test/CN=expired.example", "20200101000000Z", "20200201000000Z",
                            "expired.pem")


def newer_kernel(running: str) -> str:
    """The running release with its minor version bumped: 6.1.0-27-amd64 -> 6.2.0-27-amd64."""
    match = re.match(r"^(\d+)\.(\d+)(.*)$", running)
    assert match, f"unexpected kernel release {running!r}"
    return f"{match.group(1)}.{int(match.group(2)) + 1}{match.group(3)}"


def start_node(name: str, release: str) -> lib.Node:
    """A fleet container like `fleet.up` starts, plus a 10 MiB tmpfs at /mnt/full.

    (tests/fleet has no way to pass extra podman options yet, so the start is done here with
    the fleet's image, labels and key; lib.down removes it like any fleet container.)
    """
    key = lib.ssh_key()
    lib.podman(
        "run", "--detach", "--replace", "--name", name, "--hostname", name,
        "--label", f"{lib.FLEET_LABEL}.release={release}",
        "--systemd=always", "--publish", "127.0.0.1::22",
        "--tmpfs", f"{FULL_MOUNT}:rw,size={FULL_SIZE}",
        lib.image_name(release), "/lib/systemd/systemd",
    )  # fmt: skip
    lib.wait_for_systemd(name)
    script = (
        f"set -e; home=$(getent passwd {lib.USER} | cut -d: -f6); umask 077; mkdir -p \"$home/.ssh\"; "
        f"cat > \"$home/.ssh/authorized_keys\"; chown -R {lib.USER}:{lib.USER} \"$home/.ssh\""
    )
    lib.podman("exec", "--interactive", name, "sh", "-c", script, input_text=key.with_suffix(".pub").read_text())
    target = lib.node(name)
    lib.wait_for_ssh(target, key)
    return target


def root(name: str, script: str) -> str:
    return lib.podman("exec", name, "bash", "-c", script).stdout


def plant_ground_truth(name: str, certificate: Path) -> dict[str, str]:
    running = root(name, "uname -r").strip()
    newer = newer_kernel(running)
    root(name, "apt-get update -qq")  # the security suite: real security updates become pending
    root(name, f"""set -e
apt-mark hold tzdata >/dev/null
useradd --non-unique --uid 0 --no-create-home --shell /usr/sbin/nologin toor
install -m 666 /dev/null /etc/tripod-world-writable.conf
head -c {FULL_SIZE * 96 // 100} /dev/zero > {FULL_MOUNT}/fill
mkdir -p /var/backups /etc/ssl/tripod
touch -d '3 days ago' /var/backups/nightly.done
touch /var/backups/fresh.done
mkdir -p /boot /lib/modules/{newer}
touch -d '2 hours ago' /boot/vmlinuz-{newer} /lib/modules/{newer}/modules.dep
printf '[Unit]\\nDescription=Tripod test: always fails\\n[Service]\\nType=oneshot\\nExecStart=/bin/false\\n' \\
    > /etc/systemd/system/tripod-broken.service
systemctl daemon-reload
systemctl start tripod-broken.service || true
""")
    lib.podman("cp", str(certificate), f"{name}:/etc/ssl/tripod/expired.pem")
    return {
        "running": running,
        "newer": newer,
        "kernel_mtime": root(name, f"stat -c %Y /boot/vmlinuz-{newer}").strip(),
        "stale_mtime": root(name, "stat -c %Y /var/backups/nightly.done").strip(),
        # apt's view: each suite's InRelease and the mark every `apt-get update` leaves on partial/
        "lists_mtimes": root(name, "stat -c '%Y %n' /var/lib/apt/lists/*InRelease /var/lib/apt/lists/partial"),
        "version_changes": root(name, "awk '$3 == \"upgrade\" && $5 != $6' /var/log/dpkg.log"),
    }


def snapshot(name: str) -> str:
    """Path, size and mtime of every file the module could conceivably touch, but Tripod's own apt cache
    (and the mtime of /var/cache, which moves when that directory is first made)."""
    return root(name, "find /etc /var/lib /var/cache /usr /boot /root /home -xdev -printf '%p %s %T@\\n' 2>/dev/null | "
                      "grep -v -e '^/home/tripod/.ansible' -e '^/var/cache/tripod' -e '^/var/cache [0-9]' | sort")


def gather(fleet: Fleet, inventory: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> dict:
    monkeypatch.setenv("ANSIBLE_LOAD_CALLBACK_PLUGINS", "1")
    monkeypatch.setenv("ANSIBLE_STDOUT_CALLBACK", "ansible.posix.json")
    args = {
        "services": ["ssh", "cron", "tripod-no-such.service"],
        "certificate_paths": ["/etc/ssl/tripod"],
        "backup_markers": ["/var/backups/nightly.done", "/var/backups/fresh.done", "/var/backups/missing.done"],
        "probe_timeout": 30,
    }
    result = fleet.ansible("fleet", "-m", "tripod.maintenance.compliance_facts", "-a", json.dumps(args), *extra,
                           inventory=inventory)
    assert result.returncode == 0, result.stdout[-4000:]
    output = json.loads(result.stdout[result.stdout.index("{"):])
    (host_result,) = output["plays"][0]["tasks"][0]["hosts"].values()
    assert host_result["changed"] is False
    return host_result["ansible_facts"]["tripod_compliance"]


@pytest.mark.parametrize("release", ["12", "13"])
def test_compliance_facts_report_the_planted_ground_truth(
    release: str, fleet: Fleet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"tripod-facts{release}"
    try:
        node = start_node(name, release)
        truth = plant_ground_truth(name, expired_certificate(tmp_path / "ca"))
        inventory = lib.write_inventory(tmp_path / "inventory.yml", [node])
        # a first become run creates what SSH, sudo and Ansible keep (~/.ansible, sudo's state)
        warm_up = fleet.ansible("fleet", "-m", "ansible.builtin.ping", inventory=inventory)
        assert warm_up.returncode == 0, warm_up.stdout[-4000:]
        before = snapshot(name)
        facts = gather(fleet, inventory, monkeypatch)
        checked = gather(fleet, inventory, monkeypatch, "--check")
        after = snapshot(name)
        tripod_cache = root(name, "stat -c '%a %U %n' /var/cache/tripod /var/cache/tripod/apt /var/cache/tripod/apt/*")
    finally:
        lib.down([name])

    assert before == after, "compliance_facts changed files on the host"
    assert tripod_cache.splitlines() == ["700 root /var/cache/tripod", "700 root /var/cache/tripod/apt",
                                         "644 root /var/cache/tripod/apt/pkgcache.bin"], "apt's binary cache is Tripod's own"
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    assert [e.message for e in validator.iter_errors(facts)] == []
    assert facts["errors"] == [], facts["errors"]
    assert facts["duration_seconds"] < 10, facts["probe_seconds"]  # no probe ran into its time bound

    identity = facts["identity"]
    assert identity["hostname"] == name
    assert (identity["distribution"], identity["distribution_version"]) == ("Debian", release)
    assert identity["distribution_codename"] == CODENAMES[release]
    assert (identity["virtualization"], identity["container"]) == ("podman", True)
    assert identity["kernel"] == truth["running"]
    assert facts["lifecycle"]["eol_date"] == EOL[release]
    assert facts["lifecycle"]["product"] == "debian" and facts["lifecycle"]["days_left"] > 0

    patches = facts["patches"]
    assert patches["manager"] == "apt"
    assert patches["held"] == ["tzdata"]
    assert patches["security_count"] >= 1, patches["pending"]
    assert patches["security_count"] + patches["other_count"] == len(patches["pending"])
    for update in patches["pending"]:
        assert update["security"] == ("-security/" in (update["origin"] or "")), update
        assert update["held"] == (update["name"] == "tzdata"), update
        assert update["installed"] and update["candidate"] and update["installed"] != update["candidate"]
    assert patches["reboot_required"] is True
    assert patches["reboot_reasons"] == [f"kernel: running {truth['running']}, newest installed {truth['newer']}"]
    assert patches["reboot_required_since"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(truth["kernel_mtime"])))
    # never patched: dpkg.log has only installs and same-version re-unpacks, apt no history
    assert truth["version_changes"] == "" and patches["last_upgrade"] is None
    mtimes = {path: int(stamp) for stamp, path in (line.split() for line in truth["lists_mtimes"].splitlines())}
    apt_checked = mtimes.pop("/var/lib/apt/lists/partial")
    codename = CODENAMES[release]
    lists = {entry["suite"]: entry for entry in patches["lists"]}
    assert sorted(lists) == [codename, f"{codename}-security"]
    for suite, entry in lists.items():
        assert entry["path"] in mtimes and entry["path"].endswith(f"_dists_{suite}_InRelease"), entry
        newest = max(mtimes[entry["path"]], apt_checked)
        assert entry["updated"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(newest)), entry
        assert 0 <= entry["age_hours"] < 1, entry

    (full,) = [fs for fs in facts["capacity"]["filesystems"] if fs["mount"] == FULL_MOUNT]
    assert full["fstype"] == "tmpfs"
    assert full["size_bytes"] == FULL_SIZE
    assert full["used_percent"] >= 95
    assert facts["capacity"]["filesystems"][0]["mount"] == "/"
    assert facts["capacity"]["memory"]["total_bytes"] > 0
    assert facts["capacity"]["load"]["cores"] >= 1

    (cert,) = facts["certificates"]
    assert cert == {"path": "/etc/ssl/tripod/expired.pem", "subject": "O=Tripod Test, CN=expired.example",
                    "not_after": "2020-02-01T00:00:00Z", "days_left": cert["days_left"]}
    assert cert["days_left"] < -300

    backups = {b["path"]: b for b in facts["backups"]}
    stale = backups["/var/backups/nightly.done"]
    assert stale["exists"] is True
    assert stale["modified"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(truth["stale_mtime"])))
    assert 71.5 < stale["age_hours"] < 73
    assert backups["/var/backups/fresh.done"]["age_hours"] < 1
    assert backups["/var/backups/missing.done"] == {"path": "/var/backups/missing.done", "exists": False,
                                                   "modified": None, "age_hours": None}

    services = facts["services"]
    assert "tripod-broken.service" in services["failed"]
    assert services["watched"]["ssh"]["active"] is True and services["watched"]["ssh"]["enabled"] is True
    assert services["watched"]["tripod-no-such.service"]["found"] is False
    assert services["watched"]["tripod-no-such.service"]["active"] is False

    security = facts["security"]
    assert security["accounts"]["uid0"] == ["toor"]
    assert security["accounts"]["empty_password"] == []
    assert {"file": "/etc/sudoers.d/tripod", "line": "tripod ALL=(ALL:ALL) NOPASSWD: ALL"} in security["sudo"]["nopasswd"]
    assert security["world_writable"]["files"] == ["/etc/tripod-world-writable.conf"]
    assert security["world_writable"]["truncated"] is False
    assert security["ssh"]["installed"] is True
    assert security["ssh"]["settings"]["port"] == "22"
    assert security["ssh"]["settings"]["permitrootlogin"] in ("without-password", "prohibit-password")
    assert security["firewall"] == {"active": False, "backend": "none"}  # minbase: no nft, iptables or ufw
    assert security["auto_updates"] == {"configured": False, "mechanism": None}
    assert security["auditd"] == {"installed": False, "running": False}

    # check mode gathers the same facts
    assert checked["patches"]["held"] == ["tzdata"]
    assert checked["patches"]["reboot_reasons"] == patches["reboot_reasons"]
    assert checked["certificates"] == facts["certificates"]

    if os.environ.get("TRIPOD_RECORD_FACTS"):
        SAMPLES.mkdir(parents=True, exist_ok=True)
        (SAMPLES / f"debian{release}-container.json").write_text(json.dumps(facts, indent=2, sort_keys=True) + "\n")
