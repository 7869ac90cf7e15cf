# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the monthly client reports (or the engineer review) on the controller.

Documentation: plugins/modules/report.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible_collections.tripod.maintenance.plugins.plugin_utils.controller_action import ControllerAction
from ansible_collections.tripod.maintenance.plugins.plugin_utils.controller_jobs import (
    display_store,
    existing_store,
    inventory_hosts,
    load_job_secrets,
    open_store,
    resolve_hosts,
    store_clients,
)

FORMATS = ["html", "pdf", "json", "csv"]
ARGUMENT_SPEC: dict[str, Any] = {
    "out": {"type": "path", "required": True},
    "month": {"type": "str", "default": "last"},
    "review": {"type": "bool", "default": False},
    "half": {"type": "str", "default": "last"},
    "clients": {"type": "list", "elements": "str"},
    "hosts": {"type": "list", "elements": "str"},
    "formats": {"type": "list", "elements": "str", "choices": FORMATS},
    "appendix": {"type": "bool", "default": False},
    "recompute": {"type": "bool", "default": False},
    "waivers_file": {"type": "path"},
    "send": {"type": "bool", "default": False},
    "store": {"type": "str", "no_log": True},
    "secrets_file": {"type": "path"},
    "vault_password_file": {"type": "path", "no_log": False},
    "smtp_user": {"type": "str"},
    "smtp_password": {"type": "str", "no_log": True},
}


def last_half(now: datetime) -> str:
    """The half year that ended last (UTC): in January to June, the previous year's H2."""
    return f"{now.year - 1}-H2" if now.month <= 6 else f"{now.year}-H1"


def planned_files(report: Mapping[str, Any], out: Path, formats: list[str]) -> list[str]:
    """The files `tripod.report.render.write_report` writes for `report` (for a dry run)."""
    from tripod.report.render import base_name

    name = base_name(report)
    files = []
    for fmt in formats:
        if fmt != "csv":
            files.append(out / f"{name}.{fmt}")
        elif report["kind"] == "review":
            files.append(out / f"{name}-hosts.csv")
        else:
            files += [out / f"{name}-hosts.csv", out / f"{name}-findings.csv"]
            if "network" in report:
                files.append(out / f"{name}-network.csv")
    return [str(path) for path in files]


def client_settings(resolutions: list[Any], clients: list[str], inventory: tuple[str, ...],
                    vault_password_file: str | None) -> dict[str, Any]:
    """Each client's report.* settings from its hosts' resolved policies (the shipped defaults for a client
    with no host in the inventory); a policy problem in a report key, or a client-wide key two hosts
    disagree on, fails naming the host and the key."""
    from tripod.errors import InputError
    from tripod.report.settings import settings_from_resolutions

    for resolution in resolutions:
        for problem in resolution.problems:
            if ".report." in f".{problem.key}.":
                raise AnsibleActionFail(str(problem))
    mine = {r.client for r in resolutions if r.ok}
    limits = {r.host: int(r.policy["network"]["backup_max_age_hours"]) for r in resolutions
              if r.ok and "network" in r.policy}
    settings = {}
    for client in clients:
        try:
            found = settings_from_resolutions(client, resolutions, "the inventory")
        except InputError as exc:
            raise AnsibleActionFail(str(exc)) from None
        settings[client] = replace(found, inventory=inventory if client in mine else (),
                                   vault_password_file=vault_password_file, backup_max_age_hours=limits)
    return settings


def monthly(location: Any, clients: list[str], month: str, out: Path, settings: Mapping[str, Any],
            args: Mapping[str, Any], waivers: Mapping[str, Any], *, check: bool, now: datetime) -> list[dict[str, Any]]:
    """Write (or, with `check`, build in memory only) each client's monthly report."""
    from tripod.report.batch import write_monthly_reports
    from tripod.report.monthly import build_monthly

    formats = args["formats"]
    if check:
        done = []
        with open_store(location) as store:
            for client in clients:
                report = build_monthly(store, client, month, now=now, waivers=waivers, settings=settings[client])
                overall, coverage = report["scorecard"]["overall"], report["coverage"]
                done.append({"client": client, "score": overall["score"], "band": overall["band"],
                             "reporting": coverage["reporting"], "expected": coverage["expected"],
                             "files": planned_files(report, out, list(formats or settings[client].formats))})
        return done
    written = write_monthly_reports(location, clients, month, out, formats, now=now, waivers=waivers,
                                    appendix=args["appendix"], settings=settings, recompute=args["recompute"])
    return [{"client": w.client, "score": w.score, "band": w.band, "reporting": w.reporting, "expected": w.expected,
             "files": [str(path) for path in w.files], "summary": w.summary} for w in written]


def review(location: Any, clients: list[str], half: str, out: Path, settings: Mapping[str, Any],
           args: Mapping[str, Any], waivers: Mapping[str, Any], *, check: bool, now: datetime) -> list[dict[str, Any]]:
    """Write (or, with `check`, build in memory only) each client's engineer review of `half`."""
    from tripod.report.render import write_report
    from tripod.report.review import build_review

    done = []
    with open_store(location) as store:
        for client in clients:
            tiers = settings[client].review_tiers
            if not tiers:
                raise AnsibleActionFail(f"{settings[client].source}: report.engineer_review: no tier of client "
                                        f"{client!r} has it set to true; there is nothing to review")
            data = build_review(store, client, half, now=now, waivers=waivers, tiers=tuple(sorted(tiers)),
                                settings=settings[client])
            formats = list(args["formats"] or settings[client].formats)
            files = planned_files(data, out, formats) if check else [str(p) for p in write_report(data, out, formats)]
            done.append({"client": client, "signoff_state": data["signoff_state"], "files": files})
    return done


def send(written: list[dict[str, Any]], settings: Mapping[str, Any], secrets: Any, month: str) -> list[str]:
    """Mail each written report to its client's report.recipients; returns one line per report not sent."""
    from tripod.report.delivery import send_report
    from tripod.triage.sinks import Rejected, RetryLater

    unsent = []
    for item in written:
        try:
            send_report(settings[item["client"]], secrets, month, item["summary"], [Path(f) for f in item["files"]])
            item["sent_to"] = list(settings[item["client"]].recipients)
        except (Rejected, RetryLater) as exc:
            unsent.append(f"{item['client']}: not sent: {exc}")
    return unsent


class ActionModule(ControllerAction):
    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        from tripod.errors import InputError
        from tripod.report.delivery import check_can_send
        from tripod.report.period import half_period, parse_month
        from tripod.report.waivers import from_waivers_file

        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        task_vars = task_vars or {}
        check = bool(self._task.check_mode)
        now = datetime.now(UTC)
        out = Path(args["out"])
        if out.exists() and not out.is_dir():
            raise AnsibleActionFail(f"out: {out} exists and is not a directory")
        try:
            period = (half_period(last_half(now) if args["half"] == "last" else args["half"], "half").label
                      if args["review"] else parse_month(args["month"], "month", now=now))
            waivers = from_waivers_file(args["waivers_file"]) if args["waivers_file"] else {}
        except InputError as exc:
            raise AnsibleActionFail(str(exc)) from None
        if args["send"] and args["review"]:
            raise AnsibleActionFail("send: mails the monthly report only, not the review")
        resolutions, _problems = resolve_hosts(task_vars, inventory_hosts(task_vars, args["hosts"]))
        location = existing_store(args["store"])
        with open_store(location) as store:
            wanted = args["clients"] or sorted({r.client for r in resolutions if r.ok and r.client})
            if not wanted:
                raise AnsibleActionFail("no client: no host of the inventory resolves to a client, "
                                        "and clients is not set")
            clients = store_clients(store, wanted)
        settings = client_settings(resolutions, clients, tuple(task_vars.get("ansible_inventory_sources") or ()),
                                   args["vault_password_file"])
        skipped = [] if args["review"] else [c for c in clients if not settings[c].monthly_tiers]
        clients = [c for c in clients if c not in skipped]
        secrets = None
        if args["send"]:
            try:
                for client in clients:
                    check_can_send(settings[client])
            except InputError as exc:
                raise AnsibleActionFail(str(exc)) from None
            secrets = load_job_secrets(args)
        job = review if args["review"] else monthly
        reports = job(location, clients, period, out, settings, args, waivers, check=check, now=now)
        unsent = send(reports, settings, secrets, period) if secrets is not None and not check else []
        for item in reports:
            item.pop("summary", None)
        kind = "review" if args["review"] else "monthly"
        msg = f"{'would write' if check else 'wrote'} {len(reports)} {kind} report(s) for {period}"
        if skipped:
            msg += f"; skipped (report.monthly false): {', '.join(skipped)}"
        result.update(changed=bool(reports), reports=reports, period=period, skipped=skipped,
                      store=display_store(location), msg=msg)
        if unsent:
            result.update(failed=True, unsent=unsent, msg=f"{result['msg']}; " + "; ".join(unsent))
        return result
