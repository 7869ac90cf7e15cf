"""Tripod's sysctl file in one write: the enforced kernel parameters merged into its text."""

from __future__ import annotations

from tripod.hardening.enforced import enforced_items
from tripod.hardening.sysctl import HEADER, merge

PLAN = {"enforce": ["TRP-SYSCTL-010", "TRP-CORE-002"],
        "params": {"TRP-SYSCTL-010": {"sysctl": {"net.ipv4.ip_forward": "0"}},
                   "TRP-CORE-002": {"sysctl": {"fs.suid_dumpable": "0"}},
                   "TRP-SYSCTL-001": {"sysctl": {"kernel.randomize_va_space": "2"}}}}


def test_a_new_file_gets_a_header_and_the_enforced_parameters_only():
    assert merge("", enforced_items(PLAN, "sysctl")) == f"{HEADER}\nnet.ipv4.ip_forward = 0\nfs.suid_dumpable = 0\n"


def test_a_key_keeps_its_place_takes_the_new_value_once_and_other_lines_stay():
    text = ("# kept\nnet/ipv4/ip_forward=1\nkernel.sysrq = 0\n net.ipv4.ip_forward = 1\n"
            "# net.ipv4.ip_forward = 1 (a comment stays)\n")
    assert merge(text, enforced_items(PLAN, "sysctl")) == (
        "# kept\nnet.ipv4.ip_forward = 0\nkernel.sysrq = 0\n# net.ipv4.ip_forward = 1 (a comment stays)\n"
        "fs.suid_dumpable = 0\n")


def test_merging_again_changes_nothing():
    once = merge("kernel.sysrq = 0\n", enforced_items(PLAN, "sysctl"))
    assert merge(once, enforced_items(PLAN, "sysctl")) == once
