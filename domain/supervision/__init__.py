"""An enterprise's supervision: what its cases report, what parties send, its state, the rules
of the ladder, and the process that climbs it."""
