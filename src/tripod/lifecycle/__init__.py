"""IT Leadership: the asset register (facts joined with the client's asset file), the lifecycle
policy per tier, and the quarterly technology roadmap and budget (docs/lifecycle.md)."""
