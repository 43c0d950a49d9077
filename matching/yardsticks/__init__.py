"""Yardsticks a batch run is measured against, never the product's answer:
`baselines` (an officer-style greedy pass and a naive CP-SAT model) and `stability`
(deferred acceptance, blocking pairs and crowding of short lists)."""
