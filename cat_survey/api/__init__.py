"""The JSON conversation API (``/api/v1``) for embedding and chat channels."""
