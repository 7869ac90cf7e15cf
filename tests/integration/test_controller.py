"""The controller role in a container with systemd: converge, timers, triage service, a cycle by hand.

Two containers: `tripod-ctl-target`, a managed host (SSH), and `tripod-ctl-main`, the controller,
which shares the target's network namespace so that its cycles reach the target's sshd on
127.0.0.1:22 (test traffic stays on loopback). Ansible reaches the controller as root over SSH, as
an engineer does: its own sshd listens on port 2222, which the target publishes (the namespace is
the target's). SSH with pipelining costs a task a third of what `podman exec` does: the two
converges and the check run are most of this module's time.

Installing Tripod is the slow part on a small machine: the test builds a wheelhouse from this
checkout (`pip wheel .`: Tripod and its dependencies, about 30 MB) and the collection tarball,
copies the wheelhouse into the controller, and the role installs offline from it
(controller_pip_extra_args: --no-index --find-links). It installs `tripod` without the
`[collections]` extra (the `ansible` package, ~50 MB, 30 000 files): the collections the content
names (requirements.yml, minus containers.podman) are given as tarballs instead
(controller_collection_tarballs), packed from the copies this interpreter has, since Galaxy is not
reachable here.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import tarfile
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.fleet import fleet as fleet_lib
from tests.fleet.harness import Fleet, executable, tool_env

pytestmark = pytest.mark.containers

REPO = Path(__file__).resolve().parents[2]
TARGET = "tripod-ctl-target"
CONTROLLER = "tripod-ctl-main"
CLIENT = "ctl-test"
TRIAGE_PORT = 9195
INVENTORY_DIR = f"/srv/clients/{CLIENT}"
TIMERS = [f"tripod-{CLIENT}-{job}.timer" for job in ("daily", "weekly", "monthly", "reports", "review")]
TIMERS.append("tripod-prune.timer")
VAULT_PASSWORD = "controller-test-vault"


CONTROLLER_SSH_PORT = 2222


def controller_ssh_port() -> int:
    """The host port of the controller's sshd (published by the target, whose namespace it shares)."""
    mapping = fleet_lib.podman("port", TARGET, f"{CONTROLLER_SSH_PORT}/tcp").stdout.strip()
    return int(mapping.splitlines()[0].rpartition(":")[2])


def in_controller(*command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return fleet_lib.podman("exec", CONTROLLER, *command, check=check)


def recap_changed(output: str) -> int:
    counts = re.findall(r"changed=(\d+)", output)
    assert counts, output[-3000:]
    return sum(int(n) for n in counts)


COLLECTIONS = ("ansible.posix", "ansible.windows", "community.windows")


def collection_tarball(name: str, out: Path) -> Path:
    """A Galaxy-style tarball of an installed collection (from the `ansible` package).

    The package leaves out some files its FILES.json lists (CI files): the manifest is cut to the
    files present, so that ansible-galaxy's checksum verification passes.
    """
    import ansible_collections

    namespace, collection = name.split(".")
    # ansible_collections is a namespace package: the checkout's collections/ may come first on the
    # path; the installed collection is wherever its FILES.json is.
    root = next(Path(base) / namespace / collection for base in ansible_collections.__path__
                if (Path(base) / namespace / collection / "FILES.json").is_file())
    files = json.loads((root / "FILES.json").read_text(encoding="utf-8"))
    files["files"] = [entry for entry in files["files"] if (root / entry["name"]).exists() or entry["name"] == "."]
    files_text = json.dumps(files).encode()
    manifest = json.loads((root / "MANIFEST.json").read_text(encoding="utf-8"))
    manifest["file_manifest_file"]["chksum_sha256"] = hashlib.sha256(files_text).hexdigest()
    tarball = out / f"{namespace}-{collection}-{manifest['collection_info']['version']}.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        for member_name, data in (("MANIFEST.json", json.dumps(manifest).encode()), ("FILES.json", files_text)):
            info = tarfile.TarInfo(member_name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
        for entry in files["files"]:
            if entry["name"] != ".":
                tar.add(root / entry["name"], arcname=entry["name"], recursive=False)
    return tarball


def client_inventory(work: Path, password_file: Path) -> Path:
    """The client's inventory as the controller sees it: the target on 127.0.0.1:22, and
    group_vars/all.yml (tripod_client) encrypted with the client's vault password."""
    host = {
        "ansible_host": "127.0.0.1",
        "ansible_port": 22,
        "ansible_user": fleet_lib.USER,
        "ansible_become": True,
        "ansible_python_interpreter": "/usr/bin/python3",
        "ansible_ssh_common_args": fleet_lib.SSH_OPTIONS,
    }
    inventory = work / CLIENT
    (inventory / "group_vars").mkdir(parents=True)
    (inventory / "hosts.yml").write_text(
        yaml.safe_dump({"all": {"children": {"tier_srp_server": {"hosts": {TARGET: host}}}}}), encoding="utf-8")
    secret = inventory / "group_vars" / "all.yml"
    secret.write_text(f"tripod_client: {CLIENT}\n", encoding="utf-8")
    subprocess.run([executable("ansible-vault"), "encrypt", "--vault-password-file", str(password_file), str(secret)],
                   capture_output=True, text=True, check=True, env=tool_env())
    return inventory


@pytest.fixture(scope="module")
def controller(fleet_images, tmp_path_factory):
    work = tmp_path_factory.mktemp("controller")
    fleet = Fleet(work)
    started = time.monotonic()
    try:
        fleet.up(TARGET, release="12", podman_args=("--publish", f"127.0.0.1::{CONTROLLER_SSH_PORT}"))
        fleet_lib.podman(
            "create", "--replace", "--name", CONTROLLER, "--hostname", CONTROLLER,
            "--label", f"{fleet_lib.FLEET_LABEL}.release=12", "--systemd=always",
            "--network", f"container:{TARGET}",
            fleet_lib.image_name("12"), "/lib/systemd/systemd",
        )  # fmt: skip
        # Before it boots: its sshd on another port than the target's, root's key (the role
        # reshapes the `tripod` user, which is the fleet's login user in the image).
        ssh_setup = work / "controller-ssh"
        (ssh_setup / "sshd_config.d").mkdir(parents=True)
        (ssh_setup / "sshd_config.d" / "10-test-port.conf").write_text(f"Port {CONTROLLER_SSH_PORT}\n")
        (ssh_setup / "authorized_keys").write_text(fleet_lib.ssh_key().with_suffix(".pub").read_text())
        fleet_lib.podman("cp", str(ssh_setup / "sshd_config.d" / "10-test-port.conf"),
                         f"{CONTROLLER}:/etc/ssh/sshd_config.d/10-test-port.conf")
        fleet_lib.podman("cp", str(ssh_setup / "authorized_keys"), f"{CONTROLLER}:/root/.ssh/authorized_keys")
        fleet_lib.podman("start", CONTROLLER)
        fleet_lib.wait_for_systemd(CONTROLLER)
        in_controller("chown", "root:root", "/root/.ssh/authorized_keys")
        in_controller("chmod", "600", "/root/.ssh/authorized_keys")
        ssh_port = controller_ssh_port()

        wheels = work / "wheels"
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(wheels), str(REPO)],
                       check=True, env=tool_env(), timeout=900)
        subprocess.run([executable("ansible-galaxy"), "collection", "build", "--force", "--output-path",
                        str(work), str(REPO)], check=True, env=tool_env(), capture_output=True, timeout=300)
        (tarball,) = work.glob("tripod-maintenance-*.tar.gz")
        others = [str(collection_tarball(name, work)) for name in COLLECTIONS]
        fleet_lib.podman("cp", str(wheels), f"{CONTROLLER}:/srv/wheels")

        password_file = work / "vault-password"
        password_file.write_text(VAULT_PASSWORD + "\n", encoding="utf-8")
        in_controller("mkdir", "-p", "/srv/clients")
        fleet_lib.podman("cp", str(client_inventory(work, password_file)), f"{CONTROLLER}:{INVENTORY_DIR}")
        in_controller("chmod", "-R", "a+rX", INVENTORY_DIR)

        inventory = work / "controller.yml"
        controller_vars = {
            "controller_tripod_package": "tripod",
            "controller_pip_extra_args": "--no-index --find-links /srv/wheels",
            "controller_collection_tarball": str(tarball),
            "controller_collection_tarballs": others,
            "controller_ssh_private_key_file": str(fleet_lib.ssh_key()),
            "controller_clients": [{
                "name": CLIENT,
                "inventory": INVENTORY_DIR,
                "vault_password_file": str(password_file),
                "triage_listen": f"127.0.0.1:{TRIAGE_PORT}",
            }],
        }
        host = {"ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": ssh_port,
                "ansible_user": "root", "ansible_ssh_private_key_file": str(fleet_lib.ssh_key()),
                "ansible_ssh_common_args": fleet_lib.SSH_OPTIONS, "ansible_python_interpreter": "/usr/bin/python3"}
        inventory.write_text(yaml.safe_dump({"all": {"hosts": {CONTROLLER: host}, "vars": controller_vars}}),
                             encoding="utf-8")
        print(f"controller and target ready in {time.monotonic() - started:.0f} s", file=sys.stderr)
        yield fleet, inventory, work
    finally:
        fleet_lib.down([CONTROLLER])
        fleet.down()


def playbook(fleet: Fleet, inventory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return fleet.playbook(REPO / "playbooks" / "controller.yml", *args, inventory=inventory, timeout=1800)


@pytest.fixture(scope="module")
def converged(controller):
    """A dry run on the new controller, then `tripod run controller -i controller.yml`."""
    fleet, inventory, work = controller
    dry = playbook(fleet, inventory, "--check")
    assert dry.returncode == 0, dry.stdout[-4000:]
    for path in ("/etc/tripod", "/opt/tripod", "/var/lib/tripod"):
        assert in_controller("test", "-e", path, check=False).returncode == 1, f"the dry run created {path}"

    started = time.monotonic()
    env = tool_env({"TRIPOD_DATA_DIR": str(work / "engineer-data")})
    env.pop("ANSIBLE_CONFIG", None)
    result = subprocess.run([sys.executable, "-m", "tripod.cli", "run", "controller", "-i", str(inventory)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)
    print(f"first converge took {time.monotonic() - started:.0f} s", file=sys.stderr)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return controller


def test_every_timer_is_listed_persistent_and_randomized(converged):
    listed = in_controller("systemctl", "list-timers", "--all", "--no-legend", "--plain").stdout
    for timer in TIMERS:
        assert timer in listed, listed
    shown = in_controller("systemctl", "show", f"tripod-{CLIENT}-weekly.timer",
                          "-p", "Persistent", "-p", "RandomizedDelayUSec", "-p", "UnitFileState").stdout
    assert "Persistent=yes" in shown and "RandomizedDelayUSec=30min" in shown and "UnitFileState=enabled" in shown


def test_vault_password_is_readable_by_tripod_only(converged):
    path = f"/etc/tripod/clients/{CLIENT}/vault-password"
    assert in_controller("stat", "-c", "%U %G %a", path).stdout.split() == ["tripod", "tripod", "400"]
    assert in_controller("runuser", "-u", "tripod", "--", "cat", path).stdout.strip() == VAULT_PASSWORD
    assert in_controller("runuser", "-u", "nobody", "--", "cat", path, check=False).returncode != 0


def test_triage_service_answers_on_its_port(converged):
    probe = (f"import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:{TRIAGE_PORT}/healthz',"
             " timeout=5).status)")
    deadline = time.monotonic() + 60
    result = None
    while time.monotonic() < deadline:
        result = in_controller("python3", "-c", probe, check=False)
        if result.returncode == 0:
            break
        time.sleep(1)
    assert result is not None and result.stdout.strip() == "200", result.stderr if result else ""
    owner = in_controller("systemctl", "show", f"tripod-{CLIENT}-triage.service", "-p", "User", "-p", "ActiveState")
    assert "User=tripod" in owner.stdout and "ActiveState=active" in owner.stdout


def test_a_timer_service_started_by_hand_runs_the_cycle_and_records_evidence(converged, tmp_path):
    from tripod.store import EvidenceStore

    logins = "journalctl --no-pager -u ssh.service | grep -c 'Accepted publickey for tripod' || true"
    before = int(fleet_lib.podman("exec", TARGET, "sh", "-c", logins).stdout.strip())
    started = time.monotonic()
    run = fleet_lib.run(["podman", "exec", CONTROLLER, "systemctl", "start", f"tripod-{CLIENT}-daily.service"],
                        check=False, timeout=1200)
    print(f"daily cycle took {time.monotonic() - started:.0f} s", file=sys.stderr)
    journal = in_controller("journalctl", "--no-pager", "-u", f"tripod-{CLIENT}-daily.service").stdout
    assert run.returncode == 0, journal[-4000:]
    after = int(fleet_lib.podman("exec", TARGET, "sh", "-c", logins).stdout.strip())
    assert after > before, "the cycle never logged in to the target"

    store_file = "/var/lib/tripod/evidence.sqlite"
    assert in_controller("stat", "-c", "%U", store_file).stdout.strip() == "tripod"
    # The store is in WAL mode: its recent transactions are in the -wal file next to it.
    for suffix in ("", "-wal"):
        if in_controller("test", "-e", store_file + suffix, check=False).returncode == 0:
            fleet_lib.podman("cp", f"{CONTROLLER}:{store_file}{suffix}", str(tmp_path / f"evidence.sqlite{suffix}"))
    with EvidenceStore(tmp_path / "evidence.sqlite") as store:
        runs = store.list_runs()
        assert runs, "no run recorded"
        hosts = {h.host: h.status for h in store.run_hosts(runs[0].run_id)}
        assert hosts == {TARGET: "ok"}, hosts
        findings = list(store.run_findings(runs[0].run_id))
        assert findings and {f.client for f in findings} == {CLIENT}, "the client name came from the vaulted file"
        assert {f.area for f in findings} == {"health"}, "a daily SRP Server cycle runs the health checks"
    status = in_controller("systemctl", "show", f"tripod-{CLIENT}-daily.service", "-p", "Result").stdout
    assert "Result=success" in status, status


def test_second_converge_and_check_mode_change_nothing(converged):
    fleet, inventory, _ = converged
    again = playbook(fleet, inventory)
    assert again.returncode == 0, again.stdout[-4000:]
    assert recap_changed(again.stdout) == 0, again.stdout[-4000:]
    dry = playbook(fleet, inventory, "--check")
    assert dry.returncode == 0 and recap_changed(dry.stdout) == 0, dry.stdout[-4000:]
