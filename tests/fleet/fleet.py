"""Tripod's container test fleet: Debian 12/13 hosts with systemd as PID 1, reached over SSH.

Images are built locally with debootstrap (no container registry is needed) and cached:

    python -m tests.fleet.fleet images [--rebuild] [--release 12|13]
    python -m tests.fleet.fleet up --release 12 web1 web2 [--inventory fleet.yml --group web1=tier_srp_server]
    python -m tests.fleet.fleet inventory [--connection ssh|podman] [--group HOST=G1,G2] [--var G:KEY=VALUE] [NAME...]
    python -m tests.fleet.fleet down web1 web2 | --all

Run it from the repository root, as root, after scripts/setup-host.sh. Every podman call
uses tests/fleet/containers.conf (exported as CONTAINERS_CONF).

Environment:
    TRIPOD_TEST_CACHE              cache dir (default <repo>/.cache/fleet): SSH key, debootstrap
                                   package cache, build logs, inventories
    TRIPOD_DEBIAN_MIRROR           Debian archive URL, as in apt's sources (…/debian). Default:
                                   the first Debian archive in /etc/apt/sources.list{,.d/*}
    TRIPOD_DEBIAN_SECURITY_MIRROR  security archive URL (…/debian-security). Default: the one
                                   apt uses, else the sibling `debian-security` of the archive URL

The image gets apt sources for the release AND its security suite, but it is bootstrapped
from the release only and apt-get update is never run in it: once a test runs
`apt-get update`, real security updates are pending.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTAINERS_CONF = Path(__file__).resolve().with_name("containers.conf")

RELEASES: dict[str, str] = {"12": "bookworm", "13": "trixie"}
IMAGE_REPO = "localhost/tripod-debian"
FLEET_LABEL = "tripod.fleet"
USER = "tripod"
KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")

# minbase has neither an init, a bus, `shutdown`, nor sshd. The rest makes the image behave
# like a small real server for Ansible: python3-apt (the apt module, even in check mode),
# procps/iproute2 (facts, health checks), ca-certificates (https mirrors).
PACKAGES: tuple[str, ...] = (
    "python3",
    "python3-apt",
    "systemd",
    "systemd-sysv",
    "dbus",
    "openssh-server",
    "sudo",
    "procps",
    "iproute2",
    "ca-certificates",
)

# Bump when the image recipe (_configure_rootfs, _import_rootfs) changes: cached images with
# another recipe (or another package list) are rebuilt automatically.
RECIPE_VERSION = 2

BOOT_TIMEOUT = 120.0
BOOT_BATCH = 10  # containers started together by up()
INOTIFY_PER_CONTAINER = 5  # measured: the 26th container failed at the default limit of 128
SSH_TIMEOUT = 60.0

Connection = Literal["ssh", "podman"]


class FleetError(RuntimeError):
    """A problem the user can fix; the message says how."""


def log(message: str) -> None:
    print(f"fleet: {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- environment


def cache_dir() -> Path:
    path = Path(os.environ.get("TRIPOD_TEST_CACHE") or REPO_ROOT / ".cache" / "fleet").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def podman_env() -> dict[str, str]:
    """The environment for podman (and ansible/testinfra that call it): our containers.conf."""
    env = dict(os.environ)
    env["CONTAINERS_CONF"] = str(CONTAINERS_CONF)
    return env


def export_containers_conf() -> None:
    """Point this process and its children at tests/fleet/containers.conf."""
    os.environ["CONTAINERS_CONF"] = str(CONTAINERS_CONF)


def require_root() -> None:
    if os.geteuid() != 0:
        raise FleetError("the test fleet needs root (debootstrap, rootful podman with systemd); run as root")


def require_tools(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        raise FleetError(f"{', '.join(missing)} not found in PATH; run scripts/setup-host.sh as root to install them")


def fleet_available() -> str | None:
    """None when containers can run here, else the reason why not."""
    if os.geteuid() != 0:
        return "not root: the container fleet needs root"
    missing = [tool for tool in ("podman", "runc", "debootstrap", "ssh", "ssh-keygen") if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} missing: run scripts/setup-host.sh as root"
    return None


# --------------------------------------------------------------------------- processes


def run(
    args: Sequence[str],
    *,
    check: bool = True,
    input_text: str | None = None,
    timeout: float | None = 600,
) -> subprocess.CompletedProcess[str]:
    """Run a command with the podman environment; on failure raise FleetError with its output."""
    try:
        result = subprocess.run(
            list(args),
            input=input_text,
            capture_output=True,
            text=True,
            env=podman_env(),
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise FleetError(f"{args[0]} not found; run scripts/setup-host.sh as root") from exc
    except subprocess.TimeoutExpired as exc:
        raise FleetError(f"timed out after {timeout:.0f} s: {' '.join(args)}") from exc
    if check and result.returncode != 0:
        output = (result.stderr or result.stdout).strip()
        raise FleetError(f"`{' '.join(args)}` failed with exit code {result.returncode}:\n{output}")
    return result


def podman(*args: str, check: bool = True, input_text: str | None = None) -> subprocess.CompletedProcess[str]:
    return run(["podman", *args], check=check, input_text=input_text)


# --------------------------------------------------------------------------- Debian mirror


@dataclass(frozen=True)
class AptSource:
    uri: str
    suites: tuple[str, ...]


def _one_line_sources(text: str) -> Iterator[AptSource]:
    for line in text.splitlines():
        # "deb [options] URI SUITE COMPONENT..."; drop comments and the options.
        words = re.sub(r"\[[^\]]*\]", " ", line.split("#", 1)[0]).split()
        if len(words) >= 3 and words[0] == "deb":
            yield AptSource(uri=words[1], suites=(words[2],))


def _deb822_sources(text: str) -> Iterator[AptSource]:
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[:1].isspace():
                continue
            key, value = line.split(":", 1)
            fields[key.strip().lower()] = value.strip()
        if "deb" not in fields.get("types", "").split() or fields.get("enabled", "yes").lower() == "no":
            continue
        for uri in fields.get("uris", "").split():
            yield AptSource(uri=uri, suites=tuple(fields.get("suites", "").split()))


def apt_sources(root: Path = Path("/etc/apt")) -> list[AptSource]:
    sources: list[AptSource] = []
    files = [root / "sources.list", *sorted((root / "sources.list.d").glob("*.list"))]
    for path in files:
        if path.is_file():
            sources.extend(_one_line_sources(path.read_text(encoding="utf-8", errors="replace")))
    for path in sorted((root / "sources.list.d").glob("*.sources")):
        sources.extend(_deb822_sources(path.read_text(encoding="utf-8", errors="replace")))
    return sources


def _is_debian_release_suite(suite: str) -> bool:
    known = set(RELEASES.values()) | {"bullseye", "buster", "sid", "stable", "oldstable", "testing", "unstable"}
    return suite in known


def debian_mirror(sources: Sequence[AptSource] | None = None) -> str:
    """The Debian archive URL: $TRIPOD_DEBIAN_MIRROR, else the one apt uses on this machine."""
    if os.environ.get("TRIPOD_DEBIAN_MIRROR"):
        return os.environ["TRIPOD_DEBIAN_MIRROR"].rstrip("/")
    for source in sources if sources is not None else apt_sources():
        if any(_is_debian_release_suite(suite) for suite in source.suites):
            return source.uri.rstrip("/")
    raise FleetError(
        "no Debian archive found in /etc/apt/sources.list or /etc/apt/sources.list.d/; "
        "set TRIPOD_DEBIAN_MIRROR to a Debian archive URL (the one you give apt, ending in /debian)"
    )


def security_mirror(sources: Sequence[AptSource] | None = None) -> str:
    """The Debian security archive URL: env, else apt's, else the archive's sibling `debian-security`."""
    if os.environ.get("TRIPOD_DEBIAN_SECURITY_MIRROR"):
        return os.environ["TRIPOD_DEBIAN_SECURITY_MIRROR"].rstrip("/")
    if not os.environ.get("TRIPOD_DEBIAN_MIRROR"):
        for source in sources if sources is not None else apt_sources():
            if any(suite.endswith("-security") for suite in source.suites):
                return source.uri.rstrip("/")
    main = debian_mirror(sources)
    base, _, last = main.rpartition("/")
    return f"{base}/debian-security" if last == "debian" else f"{main}-security"


# --------------------------------------------------------------------------- images


def image_name(release: str) -> str:
    if release not in RELEASES:
        raise FleetError(f"unknown Debian release {release!r}; known: {', '.join(RELEASES)}")
    return f"{IMAGE_REPO}:{release}"


def recipe_id() -> str:
    """Identifies what the images are built from; stored as an image label."""
    return f"{RECIPE_VERSION}:{','.join(PACKAGES)}"


def image_exists(release: str) -> bool:
    return podman("image", "exists", image_name(release), check=False).returncode == 0


def image_current(release: str) -> bool:
    """The image exists and was built with today's recipe."""
    if not image_exists(release):
        return False
    result = podman("image", "inspect", "--format", "{{json .Labels}}", image_name(release), check=False)
    labels = json.loads(result.stdout or "null") or {}
    return labels.get(f"{FLEET_LABEL}.recipe") == recipe_id()


@contextlib.contextmanager
def _lock(name: str) -> Iterator[None]:
    """Serialise image builds and key generation between concurrent test sessions."""
    with open(cache_dir() / f"{name}.lock", "w", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _apt_sources_file(suite: str, mirror: str, security: str) -> str:
    return (
        "# Written by tests/fleet/fleet.py. The image was bootstrapped from the release only;\n"
        "# `apt-get update` makes the security suite's updates pending.\n"
        f"Types: deb\nURIs: {mirror}\nSuites: {suite}\nComponents: main\nSigned-By: {KEYRING}\n\n"
        f"Types: deb\nURIs: {security}\nSuites: {suite}-security\nComponents: main\nSigned-By: {KEYRING}\n"
    )


def _debootstrap(suite: str, rootfs: Path, mirror: str, logfile: Path) -> None:
    if not KEYRING.is_file():
        raise FleetError(f"{KEYRING} is missing; run scripts/setup-host.sh as root")
    debs = cache_dir() / "debs" / suite
    debs.mkdir(parents=True, exist_ok=True)
    args = [
        "debootstrap",
        "--variant=minbase",
        f"--include={','.join(PACKAGES)}",
        "--components=main",
        f"--keyring={KEYRING}",
        f"--cache-dir={debs}",
        suite,
        str(rootfs),
        mirror,
    ]
    log(f"debootstrap {suite} from {mirror} (about a minute; log: {logfile})")
    with open(logfile, "w", encoding="utf-8") as out:
        result = subprocess.run(args, stdout=out, stderr=subprocess.STDOUT, env=podman_env(), check=False)
    if result.returncode != 0:
        tail = "\n".join(logfile.read_text(encoding="utf-8", errors="replace").splitlines()[-25:])
        hint = ""
        if "NO_PUBKEY" in tail or "unknown key" in tail or "Release signed by" in tail:
            hint = f"\nThe keyring {KEYRING} does not know {suite}'s key: run scripts/setup-host.sh to update it."
        raise FleetError(f"debootstrap {suite} failed (exit {result.returncode}):\n{tail}{hint}")


def _chroot(rootfs: Path, *args: str) -> None:
    run(["chroot", str(rootfs), *args])


def _configure_rootfs(rootfs: Path, suite: str, mirror: str, security: str) -> None:
    """Make the bootstrapped tree a test host: apt sources, a sudo user, sshd, clean state."""
    (rootfs / "etc/apt/sources.list").unlink(missing_ok=True)
    (rootfs / "etc/apt/sources.list.d").mkdir(parents=True, exist_ok=True)
    (rootfs / "etc/apt/sources.list.d/debian.sources").write_text(
        _apt_sources_file(suite, mirror, security), encoding="utf-8"
    )
    _chroot(rootfs, "useradd", "--create-home", "--shell", "/bin/bash", "--comment", "Tripod test user", USER)
    # '*' = no password, but not "locked": sshd still accepts the user's key.
    _chroot(rootfs, "usermod", "--password", "*", USER)
    sudoers = rootfs / "etc/sudoers.d" / USER
    sudoers.write_text(f"{USER} ALL=(ALL:ALL) NOPASSWD: ALL\n", encoding="utf-8")
    sudoers.chmod(0o440)
    _chroot(rootfs, "visudo", "--check", "--file", f"/etc/sudoers.d/{USER}")
    _chroot(rootfs, "systemctl", "enable", "ssh.service")
    # Every container gets its own machine id at first boot.
    (rootfs / "etc/machine-id").write_text("", encoding="utf-8")
    (rootfs / "var/lib/dbus/machine-id").unlink(missing_ok=True)
    _chroot(rootfs, "apt-get", "clean")


def _import_rootfs(rootfs: Path, image: str, suite: str, mirror: str) -> None:
    log(f"importing {rootfs} as {image}")
    tar = subprocess.Popen(["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    changes = [
        "CMD /lib/systemd/systemd",
        "STOPSIGNAL SIGRTMIN+3",
        "ENV container=podman",
        f"LABEL {FLEET_LABEL}.suite={suite}",
        f"LABEL {FLEET_LABEL}.mirror={mirror}",
        f"LABEL {FLEET_LABEL}.recipe={recipe_id()}",
    ]
    args = ["podman", "import"]
    for change in changes:
        args += ["--change", change]
    args += ["--message", f"tripod test fleet: Debian {suite} minbase + {','.join(PACKAGES)}", "-", image]
    result = subprocess.run(args, stdin=tar.stdout, capture_output=True, text=True, env=podman_env(), check=False)
    assert tar.stdout is not None
    tar.stdout.close()
    if tar.wait() != 0 or result.returncode != 0:
        raise FleetError(f"importing {rootfs} into podman failed:\n{result.stderr.strip()}")


def _image_id(image: str) -> str | None:
    result = podman("image", "inspect", "--format", "{{.Id}}", image, check=False)
    if result.returncode != 0:
        return None
    return result.stdout.strip() or None


def build_image(release: str, *, rebuild: bool = False) -> str:
    """Build localhost/tripod-debian:<release> unless it is current (or rebuild is set); return its name."""
    image = image_name(release)
    suite = RELEASES[release]
    require_root()
    require_tools("podman")
    with _lock("build"):
        if not rebuild and image_current(release):
            return image
        require_tools("debootstrap", "tar", "chroot")
        if not rebuild and image_exists(release):
            log(f"{image} was built with an older recipe; rebuilding it")
        old_id = _image_id(image)
        mirror, security = debian_mirror(), security_mirror()
        build = cache_dir() / "build" / suite
        rootfs = build / "rootfs"
        if build.exists():
            shutil.rmtree(build)
        build.mkdir(parents=True)
        started = time.monotonic()
        try:
            _debootstrap(suite, rootfs, mirror, build / "debootstrap.log")
            _configure_rootfs(rootfs, suite, mirror, security)
            _import_rootfs(rootfs, image, suite, mirror)
        finally:
            shutil.rmtree(rootfs, ignore_errors=True)
        if old_id and old_id != _image_id(image):
            # The replaced image is kept only while containers still use it.
            podman("image", "rm", old_id, check=False)
        log(f"built {image} in {time.monotonic() - started:.0f} s")
        return image


def build_images(releases: Sequence[str] = tuple(RELEASES), *, rebuild: bool = False) -> list[str]:
    images = []
    for release in releases:
        if not rebuild and image_current(release):
            log(f"{image_name(release)} is up to date (use --rebuild to rebuild it)")
        images.append(build_image(release, rebuild=rebuild))
    return images


# --------------------------------------------------------------------------- SSH key


def ssh_key() -> Path:
    """The fleet's private key (ed25519), generated once in the cache; its .pub is next to it."""
    key = cache_dir() / "ssh" / "id_ed25519"
    with _lock("ssh-key"):
        if not key.is_file():
            require_tools("ssh-keygen")
            key.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "tripod-test-fleet", "-f", str(key)])
            log(f"generated SSH key {key}")
    key.chmod(0o600)
    return key


# --------------------------------------------------------------------------- containers

SSH_OPTIONS = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"


@dataclass(frozen=True)
class Node:
    """A running fleet container."""

    name: str
    release: str
    ssh_port: int

    @property
    def image(self) -> str:
        return image_name(self.release)

    def ssh_command(self, key: Path, *command: str) -> list[str]:
        return [
            "ssh",
            *SSH_OPTIONS.split(),
            "-o", "BatchMode=yes",
            "-o", "ConnectTimeout=5",
            "-o", "LogLevel=ERROR",
            "-i", str(key),
            "-p", str(self.ssh_port),
            f"{USER}@127.0.0.1",
            *command,
        ]  # fmt: skip


def _container_info(name: str) -> dict[str, Any] | None:
    result = podman("container", "inspect", name, check=False)
    if result.returncode != 0:
        return None
    info: list[dict[str, Any]] = json.loads(result.stdout)
    return info[0] if info else None


def _ssh_port(name: str) -> int:
    mapping = podman("port", name, "22/tcp").stdout.strip().splitlines()
    for line in mapping:
        host, _, port = line.rpartition(":")
        if host == "127.0.0.1" and port.isdigit():
            return int(port)
    raise FleetError(f"container {name} does not publish SSH on 127.0.0.1 (podman port: {mapping})")


def node(name: str) -> Node:
    """The Node of an existing, running fleet container."""
    info = _container_info(name)
    if info is None:
        raise FleetError(f"no container named {name}; start it with `python -m tests.fleet.fleet up {name}`")
    labels = info.get("Config", {}).get("Labels") or {}
    release = labels.get(f"{FLEET_LABEL}.release")
    if release is None:
        raise FleetError(f"container {name} is not a fleet container (no {FLEET_LABEL}.release label)")
    if not info.get("State", {}).get("Running"):
        raise FleetError(f"fleet container {name} is not running")
    return Node(name=name, release=release, ssh_port=_ssh_port(name))


def fleet_names() -> list[str]:
    result = podman("ps", "--all", "--filter", f"label={FLEET_LABEL}.release", "--format", "{{.Names}}")
    return sorted(result.stdout.split())


def _start_container(name: str, release: str, podman_args: Sequence[str] = ()) -> None:
    info = _container_info(name)
    if info is not None:
        if f"{FLEET_LABEL}.release" not in (info.get("Config", {}).get("Labels") or {}):
            raise FleetError(f"a container named {name} exists and is not a fleet container; choose another name")
        log(f"replacing fleet container {name}")
    podman(
        "run",
        "--detach",
        "--replace",
        "--name", name,
        "--hostname", name,
        "--label", f"{FLEET_LABEL}.release={release}",
        "--systemd=always",
        "--restart=always",
        "--publish", "127.0.0.1::22",
        *podman_args,
        image_name(release),
        "/lib/systemd/systemd",
    )  # fmt: skip


def _install_key(name: str, public_key: str) -> None:
    script = (
        f'set -e; home=$(getent passwd {USER} | cut -d: -f6); umask 077; mkdir -p "$home/.ssh"; '
        f'cat > "$home/.ssh/authorized_keys"; chown -R {USER}:{USER} "$home/.ssh"'
    )
    podman("exec", "--interactive", name, "sh", "-c", script, input_text=public_key)


def require_inotify_instances(containers: int) -> None:
    """Each container's systemd takes several inotify instances: with too few per user, the first
    container over the limit never finishes booting (`Failed to create inotify object`)."""
    limit = int(Path("/proc/sys/fs/inotify/max_user_instances").read_text(encoding="utf-8"))
    if containers * INOTIFY_PER_CONTAINER > limit:
        raise FleetError(f"{containers} containers need about {containers * INOTIFY_PER_CONTAINER} inotify instances, "
                         f"fs.inotify.max_user_instances is {limit}: run scripts/setup-host.sh as root")


def wait_for_systemd(name: str, timeout: float = BOOT_TIMEOUT) -> str:
    """Wait until systemd in the container is up; return its state (running or degraded)."""
    deadline = time.monotonic() + timeout
    state = "unknown"
    while time.monotonic() < deadline:
        result = podman("exec", name, "systemctl", "is-system-running", check=False)
        state = result.stdout.strip() or result.stderr.strip()
        if state in ("running", "degraded"):
            if state == "degraded":
                failed = podman("exec", name, "systemctl", "--failed", "--plain", "--no-legend", check=False)
                log(f"{name}: systemd is degraded; failed units: {failed.stdout.strip() or '?'}")
            return state
        time.sleep(0.5)
    raise FleetError(f"{name}: systemd did not finish booting in {timeout:.0f} s (state: {state})")


def wait_for_ssh(target: Node, key: Path, timeout: float = SSH_TIMEOUT) -> None:
    """Wait until the container's sshd accepts the fleet key for the tripod user."""
    deadline = time.monotonic() + timeout
    error = ""
    while time.monotonic() < deadline:
        result = run(target.ssh_command(key, "true"), check=False, timeout=30)
        if result.returncode == 0:
            return
        error = result.stderr.strip()
        time.sleep(0.5)
    raise FleetError(
        f"{target.name}: SSH on 127.0.0.1:{target.ssh_port} did not accept the key in {timeout:.0f} s: {error}"
    )


def up(names: Sequence[str], release: str = "12", podman_args: Sequence[str] = ()) -> list[Node]:
    """Start fleet containers (building the image if needed) and wait until SSH works on each.

    podman_args are extra `podman run` options for every container, e.g. ["--tmpfs", "/mnt/x:size=10m"].
    """
    if not names:
        raise FleetError("name at least one container to start")
    require_root()
    require_tools("podman", "ssh")
    require_inotify_instances(len(names) + len(fleet_names()))
    build_image(release)
    key = ssh_key()
    public_key = key.with_suffix(".pub").read_text(encoding="utf-8")
    started = time.monotonic()
    log(f"starting {', '.join(names)} from {image_name(release)}")
    nodes = []
    # In batches, so that at most BOOT_BATCH systemd instances boot at once and each one's
    # BOOT_TIMEOUT measures its own boot (the 26th-container failure was inotify, checked above).
    for first in range(0, len(names), BOOT_BATCH):
        batch = names[first:first + BOOT_BATCH]
        for name in batch:
            _start_container(name, release, podman_args)
        for name in batch:
            wait_for_systemd(name)
            _install_key(name, public_key)
            target = node(name)
            wait_for_ssh(target, key)
            nodes.append(target)
    log(f"ready in {time.monotonic() - started:.1f} s: " + ", ".join(f"{n.name}=127.0.0.1:{n.ssh_port}" for n in nodes))
    return nodes


def down(names: Sequence[str] = (), *, all_nodes: bool = False) -> list[str]:
    """Remove fleet containers (forcefully); with all_nodes, every fleet container."""
    targets = fleet_names() if all_nodes else list(names)
    if targets:
        podman("rm", "--force", "--ignore", "--time", "0", *targets)
        log(f"removed {', '.join(targets)}")
    return targets


# --------------------------------------------------------------------------- inventory


def host_vars(target: Node, connection: Connection = "ssh", key: Path | None = None) -> dict[str, Any]:
    common: dict[str, Any] = {
        "ansible_user": USER,
        "ansible_become": True,
        "ansible_python_interpreter": "/usr/bin/python3",
    }
    if connection == "podman":
        return {"ansible_connection": "containers.podman.podman", "ansible_host": target.name, **common}
    return {
        "ansible_host": "127.0.0.1",
        "ansible_port": target.ssh_port,
        "ansible_ssh_private_key_file": str(key or ssh_key()),
        "ansible_ssh_common_args": SSH_OPTIONS,
        **common,
    }


def build_inventory(
    nodes: Sequence[Node],
    groups: Mapping[str, Sequence[str]] | None = None,
    group_vars: Mapping[str, Mapping[str, Any]] | None = None,
    connection: Connection = "ssh",
) -> dict[str, Any]:
    """An Ansible YAML inventory: every node in group `fleet` with its connection vars.

    groups maps a host to the extra groups it belongs to (e.g. {"web1": ["tier_srp_server"]});
    group_vars maps a group (or "all") to its variables (e.g. {"all": {"tripod_client": "fleet-test"}}).
    """
    groups = groups or {}
    group_vars = group_vars or {}
    known = {n.name for n in nodes}
    unknown = sorted(set(groups) - known)
    if unknown:
        raise FleetError(f"groups given for hosts that are not in the fleet: {', '.join(unknown)}")
    key = ssh_key() if connection == "ssh" else None
    children: dict[str, dict[str, Any]] = {"fleet": {"hosts": {n.name: host_vars(n, connection, key) for n in nodes}}}
    for host, names in groups.items():
        for group in names:
            children.setdefault(group, {}).setdefault("hosts", {})[host] = None
    for group, variables in group_vars.items():
        if group != "all":
            children.setdefault(group, {})["vars"] = dict(variables)
    inventory: dict[str, Any] = {"all": {"children": children}}
    if "all" in group_vars:
        inventory["all"]["vars"] = dict(group_vars["all"])
    return inventory


def write_inventory(
    path: Path,
    nodes: Sequence[Node],
    groups: Mapping[str, Sequence[str]] | None = None,
    group_vars: Mapping[str, Mapping[str, Any]] | None = None,
    connection: Connection = "ssh",
) -> Path:
    """Write build_inventory(...) as YAML to path and return it."""
    inventory = build_inventory(nodes, groups, group_vars, connection)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "# Written by tests/fleet/fleet.py for the container test fleet.\n"
    text += yaml.safe_dump(inventory, sort_keys=False, default_flow_style=False)
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- CLI


def _parse_groups(values: Sequence[str]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for value in values:
        host, sep, names = value.partition("=")
        if not sep or not host or not names:
            raise FleetError(f"--group {value!r}: expected HOST=GROUP[,GROUP...]")
        groups.setdefault(host, []).extend(g for g in names.split(",") if g)
    return groups


def _parse_vars(values: Sequence[str]) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    for value in values:
        group, sep, assignment = value.partition(":")
        key, eq, raw = assignment.partition("=")
        if not sep or not eq or not group or not key:
            raise FleetError(f"--var {value!r}: expected GROUP:KEY=VALUE (GROUP may be `all`)")
        result.setdefault(group, {})[key] = yaml.safe_load(raw) if raw else ""
    return result


def _inventory_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--connection", choices=("ssh", "podman"), default="ssh", help="how Ansible reaches the hosts")
    parser.add_argument("--group", action="append", default=[], metavar="HOST=G1,G2", help="put HOST in groups")
    parser.add_argument("--var", action="append", default=[], metavar="GROUP:KEY=VALUE", help="a group (or all) var")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.fleet.fleet", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    images = sub.add_parser("images", help="build the Debian images (cached)")
    images.add_argument("--rebuild", action="store_true", help="rebuild even when the image exists")
    images.add_argument("--release", choices=tuple(RELEASES), action="append", help="only this release (repeatable)")
    start = sub.add_parser("up", help="start containers and wait until SSH works")
    start.add_argument("--release", choices=tuple(RELEASES), default="12")
    start.add_argument("--inventory", type=Path, help="also write an inventory of the started containers here")
    _inventory_options(start)
    start.add_argument("names", nargs="+", metavar="NAME")
    stop = sub.add_parser("down", help="remove containers")
    stop.add_argument("--all", action="store_true", help="remove every fleet container")
    stop.add_argument("names", nargs="*", metavar="NAME")
    inventory = sub.add_parser("inventory", help="print (or write) an inventory of running fleet containers")
    inventory.add_argument("--output", type=Path, help="write here instead of printing")
    _inventory_options(inventory)
    inventory.add_argument("names", nargs="*", metavar="NAME", help="default: every running fleet container")
    return parser


def _emit_inventory(args: argparse.Namespace, nodes: Sequence[Node], output: Path | None) -> None:
    groups, variables = _parse_groups(args.group), _parse_vars(args.var)
    if output is not None:
        write_inventory(output, nodes, groups, variables, args.connection)
        log(f"wrote inventory {output}")
    else:
        data = build_inventory(nodes, groups, variables, args.connection)
        sys.stdout.write(yaml.safe_dump(data, sort_keys=False))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    export_containers_conf()
    try:
        if args.command == "images":
            for image in build_images(args.release or tuple(RELEASES), rebuild=args.rebuild):
                print(image)
        elif args.command == "up":
            nodes = up(args.names, args.release)
            for target in nodes:
                print(f"{target.name} 127.0.0.1:{target.ssh_port}")
            if args.inventory is not None:
                _emit_inventory(args, nodes, args.inventory)
        elif args.command == "down":
            if not args.all and not args.names:
                raise FleetError("name the containers to remove, or give --all")
            down(args.names, all_nodes=args.all)
        elif args.command == "inventory":
            names = args.names or [
                n for n in fleet_names() if (_container_info(n) or {}).get("State", {}).get("Running")
            ]
            _emit_inventory(args, [node(name) for name in names], args.output)
    except FleetError as exc:
        print(f"fleet: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
