"""What-if scenarios for sufficiency planners: YAML specs, a week-by-week simulation of
referrals and matching with the real core, outcomes with intervals over replications,
and runs on Ray (issue 6; docs/scenarios.md)."""
