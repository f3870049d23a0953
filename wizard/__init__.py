"""ask-runner-wizard: GitLab Runner on Alibaba Cloud serverless containers.

This package is the domain: answers model, validation, live checks, writers
and the CLI. It never imports Textual; the screens live in `screens/`.
"""

__version__ = "0.1.0"
