"""One cluster for the tests of this package: a fresh PostgreSQL database, a bucket on the session's moto
server, a Redis key prefix, shared signing keys, and two running nodes. The nodes stop, and the database and
keys are removed, once the package's last test has run, so that idle nodes do not load the rest of a run."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import anyio
import httpx
import pytest

from tests.multinode.cluster import Cluster, made_database
from tests.redis_service import delete_prefix, require_redis, unique_prefix
from tests.services import service_unavailable

USERS = {"alice": "Alice Adams", "bob": "Bob Brown", "carol": "Carol Cole", "dave": "Dave Dunn"}


@pytest.fixture(scope="package")
def cluster_database() -> Iterator[str]:
    """The name of a database created for these tests and dropped after them."""
    with made_database("wopihost_multinode") as name:
        yield name


@pytest.fixture(scope="package")
def cluster_redis_prefix() -> Iterator[str]:
    require_redis()
    prefix = unique_prefix()
    try:
        yield prefix
    finally:
        anyio.run(delete_prefix, prefix)


@pytest.fixture(scope="package")
def cluster(
    tmp_path_factory: pytest.TempPathFactory,
    cluster_database: str,
    cluster_redis_prefix: str,
    moto_endpoint: str | None,
) -> Iterator[Cluster]:
    """Two nodes ready on /readyz, over back ends that `wopihost init` set up, with the users of USERS."""
    if moto_endpoint is None:
        service_unavailable("moto's S3 server (pip install 'moto[server]') did not start")
    root = tmp_path_factory.mktemp("cluster")
    cluster = Cluster.configure(
        root, database=cluster_database, s3_endpoint=moto_endpoint, redis_prefix=cluster_redis_prefix
    )
    cluster.cli("init")
    for username, name in USERS.items():
        cluster.add_user(username, name)
    with cluster.wopi_client(), cluster.started(2) as nodes:
        cluster.nodes = nodes
        yield cluster


@pytest.fixture
async def client(cluster: Cluster) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client with room for many requests at once and generous, bounded timeouts, that signs its
    WOPI requests with the cluster's proof keys as a WOPI client does."""

    async def sign(request: httpx.Request) -> None:
        token = request.url.params.get("access_token")
        if request.url.path.startswith("/wopi/") and token:
            request.headers.update(cluster.proof_headers(token, str(request.url)))

    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(timeout=30.0, limits=limits, event_hooks={"request": [sign]}) as client:
        yield client
