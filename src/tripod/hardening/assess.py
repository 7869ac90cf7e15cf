"""Assess one host against the catalog: status per control, waivers, and what to enforce.

`assess()` is a pure function of the catalog, the host's facts and its context (policy, level,
waivers, management connection, mode). Its `Assessment` gives the findings for the evidence
store, the plan the role follows when it enforces, and, compared with an earlier assessment,
the actions an enforce run took.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Mapping, Sequence

from tripod.checks.engine import listing
from tripod.hardening.catalog import DISRUPTIONS, Catalog, Control
from tripod.hardening.evaluators import CheckContext, run_check
from tripod.hardening.params import resolve
from tripod.hardening.safeguards import check_guards
from tripod.hardening.scope import selected
from tripod.waivers import Waiver, applicable, match

AREA = "hardening"
WAIVER_CHECK = ("TRP-WAIVER-001", "Hardening waivers are current")
# Controls whose enforcement can cut the management path: changed under an armed rollback.
ACCESS_GROUPS = ("ssh", "pam", "sudo", "firewall")
CONTAINER_TECHNOLOGIES = frozenset([
    "openvz", "lxc", "lxc-libvirt", "systemd-nspawn", "docker", "podman", "rkt", "wsl", "proot", "pouch",
    "container-other", "container",
])
ENFORCE_DISTRIBUTIONS = ("Debian", "Ubuntu")


@dataclass(frozen=True)
class HostContext:
    """Everything besides the facts that decides a control's status on a host."""

    host: str
    groups: tuple[str, ...] = ()
    level: str = "server"
    mode: str = "audit"
    policy: Mapping[str, Any] = field(default_factory=dict)
    management: Mapping[str, Any] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()
    disabled: frozenset[str] = frozenset()
    max_disruption: str = "medium"
    today: date = field(default_factory=date.today)
    windows: Mapping[str, Any] = field(default_factory=dict)
    enforce_expired_waivers: bool = True
    # The run's --tags and --skip-tags: a control whose task the run skips is not in its plan.
    run_tags: tuple[str, ...] = ("all",)
    skip_tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ControlResult:
    control: Control
    status: str
    evidence: str
    waiver: Mapping[str, str] | None = None  # structured (tripod.models.WAIVER_FIELDS)
    enforce: bool = False
    hold: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def finding(self) -> dict[str, Any]:
        evidence = self.evidence
        if self.hold and self.status == "fail":
            evidence = f"{evidence}; not enforced: {self.hold}"
        return {
            "area": AREA,
            "check_id": self.control.id,
            "title": self.control.title,
            "severity": self.control.severity,
            "status": self.status,
            "evidence": evidence[:1000],
            "remediation": self.control.summary if self.status in ("fail", "error") else "",
            "waiver": self.waiver,
        }


@dataclass(frozen=True)
class Assessment:
    results: tuple[ControlResult, ...]
    waiver_finding: dict[str, Any]

    def by_id(self) -> dict[str, ControlResult]:
        return {r.control.id: r for r in self.results}

    def findings(self) -> list[dict[str, Any]]:
        return [r.finding() for r in self.results] + [self.waiver_finding]

    def enforce_ids(self) -> list[str]:
        return [r.control.id for r in self.results if r.enforce]

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for finding in self.findings():
            counts[finding["status"]] = counts.get(finding["status"], 0) + 1
        return counts


def in_container(facts: Mapping[str, Any]) -> bool:
    identity = facts.get("identity") or {}
    if identity.get("container") is not None:
        return bool(identity["container"])
    return str(identity.get("virtualization") or "") in CONTAINER_TECHNOLOGIES


def _container_reason(control: Control, facts: Mapping[str, Any]) -> str | None:
    if control.os != "linux" or control.container == "applies" or not in_container(facts):
        return None
    caps = ((facts.get("hardening") or {}).get("capabilities")) or {}
    if control.container == "not_applicable":
        return f"container: {control.container_reason}"
    if control.container == "net_sysctl" and not caps.get("sysctl_net_writable"):
        return ("container: /proc/sys/net is read-only here; the container runtime sets network "
                "parameters (podman/docker --sysctl)")
    if control.container == "net_admin" and not caps.get("net_admin"):
        return "container: no CAP_NET_ADMIN; the container's traffic is filtered by its host"
    return None


def _enforce_blocker(control: Control, facts: Mapping[str, Any], ctx: HostContext) -> tuple[str | None, dict[str, Any]]:
    """(why a failing control is not enforced on this host or None, its resolved parameters)."""
    if ctx.mode != "enforce":
        return "audit mode", {}
    if control.manual:
        return "reported only; remediation is manual", {}
    if not selected(control, ctx.run_tags, ctx.skip_tags):
        return "its task is not selected by this run's --tags/--skip-tags", {}
    if DISRUPTIONS.index(control.disruption) > DISRUPTIONS.index(ctx.max_disruption):
        return (f"disruption {control.disruption} is above the policy's hardening.max_disruption "
                f"{ctx.max_disruption}"), {}
    if control.os == "linux":
        distribution = str((facts.get("identity") or {}).get("distribution") or "")
        if distribution not in ENFORCE_DISTRIBUTIONS:
            return (f"enforcement is implemented for {' and '.join(ENFORCE_DISTRIBUTIONS)}; "
                    f"{distribution or 'this host'} is audited only"), {}
        if control.group in ACCESS_GROUPS and not (facts.get("hardening") or {}).get("units"):
            return "no systemd to arm the automatic rollback that protects the management path", {}
    guard = check_guards(control.guards, ctx.management, facts, ctx.policy)
    if guard:
        return guard, {}
    params, hold = resolve(control, facts, ctx.management, ctx.policy)
    return hold, params


def waiver_data(waiver: Waiver) -> dict[str, str]:
    """The waiver as the finding carries it: structured, never a string to parse back."""
    return {"id": waiver.ticket, "control": waiver.control, "scope": f"{waiver.scope_kind} {waiver.scope}",
            "owner": waiver.owner, "ticket": waiver.ticket, "justification": waiver.justification,
            "expires": waiver.expires.isoformat()}


def _failing(control: Control, evidence: str, facts: Mapping[str, Any], ctx: HostContext,
             waiver: Mapping[str, str] | None = None,
             hold: str | None = None) -> ControlResult:
    params: dict[str, Any] = {}
    if hold is None:
        hold, params = _enforce_blocker(control, facts, ctx)
    return ControlResult(control, "fail", evidence, waiver=waiver, enforce=hold is None, hold=hold,
                         params=params if hold is None else {})


def _assess_control(control: Control, facts: Mapping[str, Any], ctx: HostContext, check_ctx: CheckContext) -> ControlResult:
    if ctx.level not in control.levels:
        return ControlResult(control, "not_applicable", f"{'/'.join(control.levels)} control; this host's level is {ctx.level}")
    if control.id in ctx.disabled:
        return ControlResult(control, "not_assessed", "switched off (hardening.disabled_controls)")
    reason = _container_reason(control, facts)
    if reason:
        return ControlResult(control, "not_applicable", reason)
    outcome = run_check(control.check, facts, control.audit, check_ctx)
    matched = match(ctx.waivers, control.id, ctx.host, ctx.groups, ctx.today)
    if matched is not None and not matched.expired:
        return ControlResult(control, "waived", f"waived: {matched.waiver.justification} (audit: {outcome.status}: "
                             f"{outcome.evidence})", waiver=waiver_data(matched.waiver))
    if matched is not None:  # expired: the control fails whatever the audit says, and may be enforced
        reference = waiver_data(matched.waiver)
        evidence = (f"waiver {matched.waiver.ticket} expired on {matched.waiver.expires.isoformat()}; "
                    f"audit: {outcome.status}: {outcome.evidence}")
        if outcome.status != "fail":
            return ControlResult(control, "fail", evidence, waiver=reference)
        held = None if ctx.enforce_expired_waivers else "its waiver expired; held back (hardening_enforce_expired_waivers)"
        return _failing(control, evidence, facts, ctx, waiver=reference, hold=held)
    if outcome.status != "fail":
        return ControlResult(control, outcome.status, outcome.evidence)
    return _failing(control, outcome.evidence, facts, ctx)


def _waiver_finding(ctx: HostContext) -> dict[str, Any]:
    relevant = applicable(ctx.waivers, ctx.host, ctx.groups)
    expired = [w for w in relevant if w.expired(ctx.today)]
    check_id, title = WAIVER_CHECK
    base = {"area": AREA, "check_id": check_id, "title": title, "severity": "medium", "remediation": "", "waiver": None}
    if expired:
        shown = [f"{w.control} ({w.ticket}, {w.owner}, expired {w.expires.isoformat()})" for w in expired]
        return {**base, "status": "fail", "evidence": f"{len(expired)} waiver(s) expired: {listing(shown)}",
                "remediation": "Renew the waiver with a new expiry and justification, or let the control be enforced."}
    if relevant:
        soonest = min(relevant, key=lambda w: w.expires)
        return {**base, "status": "pass", "evidence": f"{len(relevant)} waiver(s) apply, none expired "
                f"(next expiry {soonest.expires.isoformat()}: {soonest.control} {soonest.ticket})"}
    return {**base, "status": "pass", "evidence": "no waiver applies to this host"}


def _after_packages(results: list[ControlResult], facts: Mapping[str, Any], ctx: HostContext) -> None:
    """Passing controls marked after_packages are applied too when the run installs packages."""
    if not any(r.enforce and r.params.get("packages") for r in results):
        return
    for index, result in enumerate(results):
        if result.control.after_packages and result.status == "pass":
            hold, params = _enforce_blocker(result.control, facts, ctx)
            if hold is None:
                results[index] = ControlResult(result.control, result.status, result.evidence, enforce=True,
                                               params=params)


def assess(catalog: Catalog, facts: Mapping[str, Any], ctx: HostContext) -> Assessment:
    """Every control of the host's OS family, in catalog order, plus the waiver finding."""
    os_family = str(facts.get("os_family") or "linux")
    check_ctx = CheckContext(policy=ctx.policy, management=ctx.management, windows=ctx.windows)
    results = [_assess_control(c, facts, ctx, check_ctx) for c in catalog.for_os(os_family)]
    _after_packages(results, facts, ctx)
    return Assessment(tuple(results), _waiver_finding(ctx))


# --------------------------------------------------------------------------- plan and actions


def management_ports(facts: Mapping[str, Any], management: Mapping[str, Any]) -> list[int]:
    """TCP ports that must stay open: sshd's ports and the port the management session uses."""
    ports = set()
    settings = ((facts.get("security") or {}).get("ssh") or {}).get("settings") or {}
    for value in str(settings.get("port") or "").split():
        if value.isdigit():
            ports.add(int(value))
    if str(management.get("server_port") or "").isdigit():
        ports.add(int(management["server_port"]))
    return sorted(ports)


def firewall_ports(facts: Mapping[str, Any], management: Mapping[str, Any], extra: Iterable[str]) -> dict[str, list[int]]:
    """Ports the Tripod firewall allows: management, every non-loopback listener, and the policy's list."""
    tcp, udp = set(management_ports(facts, management)), set()
    for sock in ((facts.get("hardening") or {}).get("listening")) or []:
        address = str(sock.get("address") or "")
        if address.startswith("127.") or address == "::1":
            continue
        (tcp if sock.get("proto") == "tcp" else udp).add(int(sock["port"]))
    for item in extra:
        proto, _sep, port = str(item).partition("/")
        if port.isdigit():
            (tcp if proto == "tcp" else udp).add(int(port))
    return {"tcp": sorted(tcp), "udp": sorted(udp), "management": management_ports(facts, management)}


def _packages(results: Iterable[ControlResult]) -> list[str]:
    names: list[str] = []
    for result in results:
        for name in result.params.get("packages") or []:
            if name not in names:
                names.append(name)
    return names


def plan(assessment: Assessment, facts: Mapping[str, Any], ctx: HostContext) -> dict[str, Any]:
    """What the role needs to enforce: the ids, their parameters and the host-specific values."""
    enforce = assessment.enforce_ids()
    by_id = assessment.by_id()
    hardening = ctx.policy.get("hardening") or {}
    return {
        "mode": ctx.mode,
        "level": ctx.level,
        "enforce": enforce,
        "access": any(by_id[i].control.group in ACCESS_GROUPS for i in enforce),
        "groups": sorted({by_id[i].control.group for i in enforce}),
        # Packages to install in one apt run each: under the rollback safeguard, and the rest.
        "packages": {
            "access": _packages(by_id[i] for i in enforce if by_id[i].control.group in ACCESS_GROUPS),
            "other": _packages(by_id[i] for i in enforce if by_id[i].control.group not in ACCESS_GROUPS),
        },
        "reboot": sorted(i for i in enforce if by_id[i].control.reboot),
        # Every control has its entry (the role's loops template them all); resolved ones for the enforced.
        "params": {r.control.id: dict(r.params) if r.enforce else r.control.params() for r in assessment.results},
        "held": {r.control.id: r.hold for r in assessment.results if r.status == "fail" and r.hold},
        "firewall": firewall_ports(facts, ctx.management, hardening.get("firewall_allow") or []),
        "ssh_allow_groups": list(hardening.get("ssh_allow_groups") or []),
        "management": dict(ctx.management),
        "status": {r.control.id: r.status for r in assessment.results},
        "counts": assessment.counts(),
        "failing": [f"{r.control.id} {r.control.title}: {r.evidence}" for r in assessment.results if r.status == "fail"],
    }


def actions(before_enforce: Sequence[str], after: Assessment, catalog: Catalog, check_mode: bool,
            before_status: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """One action per failing control the run enforced: done (changed) or, in check mode, planned."""
    done = []
    now = after.by_id()
    for control_id in before_enforce:
        if before_status is not None and before_status.get(control_id) != "fail":
            continue  # applied only because packages were installed (after_packages)
        control = catalog.get(control_id)
        if control is None:
            continue
        result = now.get(control_id)
        if check_mode:
            detail = f"{control.id} {control.title}: would apply: {control.summary}"
        elif result is not None and result.status == "pass":
            detail = f"{control.id} {control.title}: {control.summary}"
        else:
            status = result.status if result else "unknown"
            note = " (takes effect after a reboot)" if control.reboot else ""
            detail = f"{control.id} {control.title}: applied{note}, still {status}: {control.summary}"
        done.append({"area": AREA, "kind": "setting_changed", "detail": detail[:1000], "changed": not check_mode})
    return done
