"""The advocates' theme screens: their themes, triage, a theme and its workflow."""
