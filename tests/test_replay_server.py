"""The replay server the Graph API and YouTube tests stand on: routes, 404s and resets."""

import httpx
import pytest

from tests.replay_server import ReplayServer, Reply


def test_routes_and_cut(replay: ReplayServer) -> None:
    replay.add("/v1/a", Reply({"x": 1}))
    replay.add("/v1/a", Reply({"x": 2}), query={"after": "c"})
    with httpx.Client(base_url=replay.url) as c:
        assert c.get("/v1/a", params={"access_token": "t"}).json() == {"x": 1}
        assert c.get("/v1/a", params={"after": "c"}).json() == {"x": 2}
        assert c.get("/v1/b").status_code == 404
        replay.cut(after=1)
        assert c.get("/v1/a").status_code == 200
        with pytest.raises(httpx.TransportError):
            c.get("/v1/a")
    assert replay.resets == 1 and len(replay.unmatched) == 1
