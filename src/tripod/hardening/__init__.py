"""Hardening: the control catalog, controller-side audit checks, waivers and the enforce plan.

- `catalog.yml` / `catalog.py`: the one source of truth for every control;
- `evaluators/`: each control's audit check, a pure function of the compliance facts (one module per catalog group);
- `safeguards.py`: lockout guards that hold a control back from enforcement;
- `assess.py`: status per control (waivers included), the plan the role enforces, and actions;
- `host.py`: the entry point the `tripod.maintenance.hardening_audit` action uses;
- `docs.py`: renders docs/hardening.md from the catalog.
"""

from tripod.hardening.assess import Assessment, ControlResult, HostContext, actions, assess, plan
from tripod.hardening.catalog import Catalog, CatalogError, Control, load_catalog

__all__ = [
    "Assessment",
    "Catalog",
    "CatalogError",
    "Control",
    "ControlResult",
    "HostContext",
    "actions",
    "assess",
    "load_catalog",
    "plan",
]
