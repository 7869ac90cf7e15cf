"""Monthly client compliance reports and the twice-yearly engineer review.

`build_monthly()` / `build_review()` read the evidence store (streaming, one host at a time)
and return plain data; `tripod.report.render` writes it as HTML, PDF, JSON and CSV.
"""

from tripod.report.monthly import build_monthly

__all__ = ["build_monthly"]
