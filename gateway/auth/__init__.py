"""Who may call the gateway: the OAuth2 token endpoint, its signing keys, token checks."""
