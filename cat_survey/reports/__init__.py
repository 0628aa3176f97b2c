"""The CX lead's dashboard: NPS over time, breakdowns, other scores, CSV exports."""
