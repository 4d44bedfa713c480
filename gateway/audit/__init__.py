"""The tamper-evident audit log: an RFC 6962-style Merkle log of security events."""
