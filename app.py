"""The CDK app: `cdk synth` runs this; it needs no AWS account, git or Docker."""
from infra.stack import build_app

if __name__ == "__main__":
    app, _ = build_app()
    app.synth()
