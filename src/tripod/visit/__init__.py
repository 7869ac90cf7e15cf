"""An engineer's visit to a client's hosts: `tripod visit` (tripod.cli.visit) runs the cycle's on_visit
areas now, and `tripod.visit.report` builds the visit report from the evidence."""
