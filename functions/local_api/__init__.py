"""The local API: the deployed routes and authorizer behind an API Gateway emulation, on an embedded DynamoDB."""
