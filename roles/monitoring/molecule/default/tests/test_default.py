"""Testinfra checks of the monitoring scenario's instances (run by verify.yml through pytest)."""

import re

TEXTFILE_DIR = "/var/lib/prometheus/node-exporter"
SCRAPE = ("python3 -c \"import urllib.request; "
          "print(urllib.request.urlopen('http://127.0.0.1:9100/metrics', timeout=10).read().decode())\"")


def test_the_node_exporter_runs_and_starts_at_boot(host):
    service = host.service("prometheus-node-exporter")
    assert service.is_running
    assert service.is_enabled
    assert host.socket("tcp://9100").is_listening


def test_its_options_name_the_textfile_directory(host):
    options = host.file("/etc/default/prometheus-node-exporter")
    assert options.user == "root" and options.mode == 0o644
    assert re.search(rf'^ARGS=".*--collector.textfile.directory={TEXTFILE_DIR}( |")', options.content_string, re.M)
    process = host.process.get(user="prometheus", comm="prometheus-node")
    assert f"--collector.textfile.directory={TEXTFILE_DIR}" in process.args, "the running exporter has them"


def test_the_metrics_file_was_written_atomically(host):
    metrics = host.file(f"{TEXTFILE_DIR}/tripod.prom")
    assert metrics.is_file and metrics.user == "root" and metrics.mode == 0o644
    assert host.run(f"ls -A {TEXTFILE_DIR}").stdout.split() == ["tripod.prom"]


def test_the_exporter_serves_tripods_metrics_over_http(host):
    scraped = host.run(SCRAPE)
    assert scraped.rc == 0, scraped.stderr
    text = scraped.stdout
    assert "node_textfile_scrape_error 0" in text
    hostname = host.backend.get_hostname()
    labels = f'client="molecule",host="{hostname}",tier="tier_srp_server"'
    assert re.search(rf"^tripod_score\{{{labels}\}} 0\.\d+$", text, re.M), "a score below 1: a check fails"
    failing_high = f'client="molecule",host="{hostname}",severity="high",tier="tier_srp_server"'
    assert re.search(rf"^tripod_failing_findings\{{{failing_high}\}} [1-9]", text, re.M), "the missing unit"
    assert f"tripod_last_run_check_mode{{{labels}}} 0" in text, "the last run was converge, not a dry run"
    assert re.search(rf"^tripod_last_run_timestamp_seconds\{{{labels}\}} \d", text, re.M)
