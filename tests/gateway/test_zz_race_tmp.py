from __future__ import annotations
import threading
from collections.abc import Callable
import httpx
from tests.gateway.test_api_access import *  # noqa

def test_race(gateway_with, portrait, speech):
    gateway = gateway_with(embedded_worker=False, max_pending_jobs=100)
    client = gateway.new_client()
    token = client.token()
    results = []
    barrier = threading.Barrier(8)
    def go():
        with httpx.Client(base_url=gateway.url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as api:
            barrier.wait()
            results.append(generate(api, portrait, speech, {"Idempotency-Key": "k"}))
    threads = [threading.Thread(target=go) for _ in range(8)]
    [t.start() for t in threads]; [t.join() for t in threads]
    print([(r.status_code, r.json().get("id") or r.json().get("code")) for r in results])
    assert all(r.status_code in (200, 202) for r in results)
