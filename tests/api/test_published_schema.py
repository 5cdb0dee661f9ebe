"""The published OpenAPI schema and its docs page."""

from __future__ import annotations

from django.test import Client

SEEDS_PATHS = [
    "/api/v1/auth/login/",
    "/api/v1/backup/configurations/",
    "/api/v1/backup/jobs/",
    "/api/v1/backup/jobs/create_backup/",
    "/api/v1/backup/jobs/{uuid}/verify_backup/",
    "/api/v1/backup/jobs/{uuid}/download/",
    "/api/v1/backup/restores/",
    "/api/v1/backup/restores/restore_from_file/",
    "/api/v1/backup/health/",
]


def test_schema_is_openapi_3_with_the_seeds_paths_and_a_docs_page(make_user):
    """GIVEN the running application WHEN a signed-in user fetches /api/schema/ and /api/docs/
    THEN the schema is OpenAPI 3 with every path the seeds' clients call, bearer authentication
    declared, and the docs page renders from this server's own static files (no CDN, so it
    works on an offline network). Who is not signed in gets neither
    (tests/hardening/test_security_headers.py)."""
    make_user("reader01")
    client = Client()
    client.post("/accounts/login/", {"username": "reader01", "password": "pw-reader01"})

    schema = client.get("/api/schema/", {"format": "json"}).json()
    docs = client.get("/api/docs/")

    assert schema["openapi"].startswith("3.")
    assert set(SEEDS_PATHS) <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["jwtAuth"]["scheme"] == "bearer"
    upload = schema["paths"]["/api/v1/backup/restores/restore_from_file/"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
    page = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
