"""Admin screens: staff accounts (invite, role, deactivate) and departments."""
