"""Property-based API test: schemathesis generates requests from the server's own OpenAPI
schema (bounded number of examples) and checks for 5xx and responses that break the schema."""

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

from model.serving.app import ServerConfig, create_app  # noqa: E402
from model.tagger import Tagger  # noqa: E402


@pytest.fixture(scope="module")
def api_schema(tiny_run):
    app = create_app(Tagger.load(tiny_run), ServerConfig(max_text_chars=2000, max_sentences=64), run_dir=tiny_run)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_has_no_server_errors_or_schema_violations(case):
    # every check but positive_data_acceptance: size limits (413) and "exactly one of text or
    # articles" (422) rightly reject some requests that the JSON schema alone allows
    case.call_and_validate(excluded_checks=[schemathesis.checks.positive_data_acceptance])
