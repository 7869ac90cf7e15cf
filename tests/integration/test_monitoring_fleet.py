"""Remote monitoring on a container: `tripod run monitoring` installs Debian's node exporter,
every run publishes the host's metrics through its textfile collector, the test scrapes them
over HTTP (a port published on 127.0.0.1) and checks them against the evidence store; then a
real Prometheus (Debian's package, in the container) scrapes them and evaluates the shipped
alert rules, whose promtool unit tests run there too."""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.fleet import fleet as fleet_lib
from tests.fleet.harness import Fleet
from tests.integration.helpers import tripod

pytestmark = pytest.mark.containers

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "docs" / "prometheus"
HOST = "tripod-monitoring-a"
# Three checks fail whatever the container: a required unit that does not exist (high), and
# disk and memory use over a 1 % warning level (medium). 10 of 13 scored checks pass at most.
POLICY = {"health": {"required_services": ["tripod-missing-unit"], "disk_warning_percent": 1,
                     "memory_warning_percent": 1}}
SAMPLE = re.compile(r'^(?P<name>[a-z_]+)(\{(?P<labels>[^}]*)\})? (?P<value>\S+)$')


def published(container: str, port: int) -> str:
    for line in fleet_lib.podman("port", container, f"{port}/tcp").stdout.splitlines():
        if line.startswith("127.0.0.1:"):
            return line.strip()
    raise AssertionError(f"{container} does not publish {port} on 127.0.0.1")


def scrape(address: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=30) as answer:
        text = answer.read().decode()
    samples = {}
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match:
            labels = frozenset(re.findall(r'(\w+)="([^"]*)"', match.group("labels") or ""))
            samples[(match.group("name"), labels)] = float(match.group("value"))
    return samples


def tripod_value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **extra: str) -> float:
    wanted = {("host", HOST), ("client", "monitoring-test"), ("tier", "tier_srp_server"), *extra.items()}
    return samples[(name, frozenset(wanted))]


def in_container(*command: str) -> subprocess.CompletedProcess[str]:
    return fleet_lib.podman("exec", HOST, *command, check=False)


@pytest.fixture(scope="module")
def monitored(fleet_images: dict[str, str], tmp_path_factory: pytest.TempPathFactory):
    workdir = tmp_path_factory.mktemp("monitoring")
    fleet = Fleet(workdir)
    try:
        fleet.up(HOST, release="12", podman_args=("--publish", "127.0.0.1::9100", "--publish", "127.0.0.1::9090"))
        # Current package lists, as on a real server: pending updates are then assessed (and published).
        fleet_lib.podman("exec", HOST, "apt-get", "update", "-qq")
        inventory = fleet.inventory(groups={HOST: ["tier_srp_server"]}, group_vars={
            "all": {"tripod_client": "monitoring-test", "tripod_client_policy": POLICY}})
        data = workdir / "data"
        setup = tripod("run", "monitoring", "-i", str(inventory), data_dir=data)
        assert setup.returncode == 0, setup.stdout + setup.stderr
        yield inventory, data, published(HOST, 9100)
    finally:
        fleet.down()


def test_every_run_publishes_the_findings_the_evidence_store_got(monitored):
    from tripod.models import SEVERITIES, STATUSES, score
    from tripod.store import EvidenceStore

    inventory, data, exporter = monitored
    after_setup = scrape(exporter)
    assert tripod_value(after_setup, "tripod_last_run_check_mode") == 0, "published by the monitoring run itself"

    started = datetime.now(timezone.utc).timestamp()
    audit = tripod("audit", "-i", str(inventory), data_dir=data)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    samples = scrape(exporter)
    assert samples[("node_textfile_scrape_error", frozenset())] == 0, "the node exporter read the file cleanly"

    with EvidenceStore(data / "evidence.sqlite") as store:
        run = store.list_runs(limit=1)[0]
        assert run.playbook and "audit.yml" in run.playbook
        findings = [f for f in store.run_findings(run.run_id) if f.host == HOST]
        (facts,) = [s.facts for s in store.run_facts(run.run_id) if s.host == HOST]
        (host_row,) = store.run_hosts(run.run_id)
    assert host_row.counts["changed"] == 0, "publishing the metrics is not a change, even in the audit"
    assert tripod_value(samples, "tripod_score") == pytest.approx(score(findings))
    assert tripod_value(samples, "tripod_score") < 0.8
    for status in STATUSES:
        assert tripod_value(samples, "tripod_findings", status=status) == sum(f.status == status for f in findings)
    for severity in SEVERITIES:
        failing = sum(f.severity == severity and f.status in ("fail", "error") for f in findings)
        assert tripod_value(samples, "tripod_failing_findings", severity=severity) == failing
    assert tripod_value(samples, "tripod_failing_findings", severity="high") >= 1, "the missing required unit"
    pending_check = next(f for f in findings if f.check_id == "TRP-PATCH-001")
    assert pending_check.status != "not_assessed", pending_check.evidence
    assert tripod_value(samples, "tripod_security_updates_pending") == facts["patches"]["security_count"]
    assert tripod_value(samples, "tripod_other_updates_pending") == facts["patches"]["other_count"]
    assert tripod_value(samples, "tripod_reboot_required") == int(facts["patches"]["reboot_required"])
    assert tripod_value(samples, "tripod_last_run_check_mode") == 1
    assert tripod_value(samples, "tripod_last_run_status", status="ok") == 1
    assert started <= tripod_value(samples, "tripod_last_run_timestamp_seconds") <= time.time()
    listing = in_container("ls", "-A", "/var/lib/prometheus/node-exporter").stdout.split()
    assert listing == ["tripod.prom"], "no temporary file left behind"


def test_prometheus_scrapes_the_metrics_and_evaluates_the_shipped_rules(monitored):
    _, _, _ = monitored
    install = in_container("sh", "-c", "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "
                                       "prometheus prometheus-alertmanager")
    assert install.returncode == 0, install.stdout[-2000:] + install.stderr[-2000:]
    in_container("mkdir", "-p", "/etc/prometheus/rules")
    for name in ("tripod-alerts.yml", "tripod-alerts.test.yml", "node-alerts.yml", "node-alerts.test.yml",
                 "alertmanager.yml"):
        fleet_lib.podman("cp", str(RULES / name), f"{HOST}:/etc/prometheus/rules/{name}")
    routes = "amtool config routes test --config.file=alertmanager.yml --verify.receivers="
    for command in (["promtool", "check", "rules", "tripod-alerts.yml", "node-alerts.yml"],
                    ["promtool", "test", "rules", "tripod-alerts.test.yml", "node-alerts.test.yml"],
                    ["amtool", "check-config", "alertmanager.yml"],
                    # Each client's alerts reach its own triage server; an unknown client's none of them.
                    [f"{routes}tripod-triage-acme client=acme host=web01"],
                    [f"{routes}tripod-triage-globex client=globex host=web01"],
                    [f"{routes}msp-unassigned client=other-client host=stranger.example"],
                    [f"{routes}msp-unassigned host=web01"],
                    ["sh", "-c", "promtool check metrics < /var/lib/prometheus/node-exporter/tripod.prom"]):
        checked = in_container("sh", "-c", f"cd /etc/prometheus/rules && {' '.join(command)}")
        assert checked.returncode == 0, f"{command}: {checked.stdout}{checked.stderr}"

    config = ("global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
              "rule_files: [/etc/prometheus/rules/tripod-alerts.yml, /etc/prometheus/rules/node-alerts.yml]\n"
              "scrape_configs: [{job_name: node, static_configs: [{targets: ['localhost:9100']}]}]\n")
    fleet_lib.podman("exec", "-i", HOST, "sh", "-c", "cat > /etc/prometheus/prometheus.yml", input_text=config)
    restarted = in_container("sh", "-c", "promtool check config /etc/prometheus/prometheus.yml && "
                                         "systemctl restart prometheus")
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr

    api = f"http://{published(HOST, 9090)}/api/v1"
    deadline = time.monotonic() + 90
    rules: dict[str, Any] = {}
    score: list[Any] = []
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{api}/query?query=tripod_score", timeout=10) as answer:
                score = json.loads(answer.read())["data"]["result"]
            with urllib.request.urlopen(f"{api}/rules", timeout=10) as answer:
                rules = {rule["name"]: rule for group in json.loads(answer.read())["data"]["groups"]
                         for rule in group["rules"]}
        except OSError:
            pass  # Prometheus is still starting
        if score and rules.get("TripodScoreLow", {}).get("state") in ("pending", "firing"):
            break
        time.sleep(0.5)
    assert score, "Prometheus scraped tripod_score from the node exporter"
    assert score[0]["metric"]["host"] == HOST and score[0]["metric"]["job"] == "node"
    assert set(rules) == {"TripodRunStale", "TripodMetricsMissing", "TripodMetricsUnreadable",
                          "TripodSecurityUpdatesPending", "TripodRebootRequired", "TripodScoreLow",
                          "TripodCertificateExpired", "TripodCertificateExpiring",
                          "HostDown", "FilesystemFillsWithin24h", "MemoryPressure", "SystemdUnitFailed", "ClockSkew"}
    assert {rule["health"] for rule in rules.values()} == {"ok"}
    assert rules["TripodScoreLow"]["state"] in ("pending", "firing"), "the score is below 0.8 on real data"
    assert rules["TripodRunStale"]["state"] == "inactive", "the host was just audited"
    assert rules["HostDown"]["state"] == "inactive", "the node exporter answers"
    assert rules["TripodMetricsMissing"]["state"] == "inactive", "tripod.prom is there"
    with urllib.request.urlopen(f"{api}/query?query=node_systemd_unit_state", timeout=10) as answer:
        units = json.loads(answer.read())["data"]["result"]
    assert any(u["metric"].get("name") == "prometheus-node-exporter.service" for u in units), \
        "the role enabled the systemd collector, which SystemdUnitFailed needs"
