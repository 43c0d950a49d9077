"""What-if scenarios for sufficiency planners. Arrives with issue 6."""
