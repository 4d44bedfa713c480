"""The HTTP API: dependencies, the one error map, and the routes under /v1."""
