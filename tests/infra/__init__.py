"""Template tests of the CDK stack."""
