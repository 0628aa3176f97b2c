"""Staff sign-in: login, logout, and who may see what."""
