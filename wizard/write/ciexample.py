"""A `.gitlab-ci.yml` example whose database service works on both executors."""

from __future__ import annotations

import json

from wizard.model import Answers

DEFAULT_JDK_IMAGE = "eclipse-temurin:17-jdk"
# The write-up used postgres 10, which is past its end of life.
DATABASE_IMAGE = "postgres:16-alpine"


def _quote(value: str) -> str:
    # JSON strings are valid YAML scalars, and safe for any image name.
    return json.dumps(value)


def render_ci_example(answers: Answers) -> str:
    """The write-up's job: JDK image, postgres service `db`, DB_HOST from CI_SERVICE_HOST."""
    # The job names its own JDK image: the runner's default build image
    # (images.image) serves jobs without `image:` and need not have a JDK.
    image = DEFAULT_JDK_IMAGE
    tags = answers.registration.tags
    lines = [
        "# Example job for the runner set up by ask-runner-wizard.",
        "# On the docker executor the service is reached by its alias `db`; on the",
        "# Kubernetes executor every container shares the pod's network, so the",
        "# runner sets CI_SERVICE_HOST=127.0.0.1 (runners since 12.8 also resolve",
        "# the alias there). DB_HOST picks whichever applies.",
        "test:",
        f"  image: {_quote(image)}",
        "  services:",
        f"    - name: {_quote(DATABASE_IMAGE)}",
        "      alias: db",
        "  variables:",
        "    POSTGRES_DB: app",
        "    POSTGRES_USER: app",
        '    POSTGRES_PASSWORD: "example-only-change-me"',
    ]
    if tags:
        lines.append("  tags:")
        lines += [f"    - {_quote(tag)}" for tag in tags]
    lines += [
        "  script:",
        '    - export DB_HOST="${CI_SERVICE_HOST:-db}"',
        '    - export JDBC_URL="jdbc:postgresql://${DB_HOST}:5432/${POSTGRES_DB}"',
        '    - ./mvnw -B test -Dspring.datasource.url="$JDBC_URL"',
        "  artifacts:",
        "    when: always",
        "    reports:",
        "      junit: target/surefire-reports/TEST-*.xml",
        "",
    ]
    return "\n".join(lines)
