"""Walks over a synthesized template that the assertions API does not offer."""
from __future__ import annotations

import json

from badges.events import ENRICHMENT_TABLE_ACTIONS, EVENTS
from badges.routes import AUTHORIZER_HANDLER, AUTHORIZER_TABLE_ACTIONS, FALLBACK_HANDLER, ROUTES

ENRICHMENTS = {spec.enrichment for spec in EVENTS if spec.enrichment}

# Every function the stack must have, with the table actions it declares.
HANDLERS: dict[str, dict[str, tuple[str, ...]]] = {
    **{route.handler: route.table_actions for route in ROUTES},
    FALLBACK_HANDLER: {},
    AUTHORIZER_HANDLER: AUTHORIZER_TABLE_ACTIONS,
    **dict.fromkeys(ENRICHMENTS, ENRICHMENT_TABLE_ACTIONS),
}


def of_type(resources: dict, kind: str) -> dict[str, dict]:
    return {name: resource for name, resource in resources.items() if resource["Type"] == kind}


def built_functions(synthesized) -> dict:
    functions = synthesized.stack.functions
    return {FALLBACK_HANDLER: functions.fallback, AUTHORIZER_HANDLER: functions.authorizer, **functions.routes,
            **functions.enrichments}


def function_for(synthesized, handler: str) -> tuple[str, dict]:
    logical_id = synthesized.logical_id(built_functions(synthesized)[handler].function)
    return logical_id, synthesized.resources[logical_id]


def role_of(synthesized, handler: str) -> str:
    _, function = function_for(synthesized, handler)
    return function["Properties"]["Role"]["Fn::GetAtt"][0]


def table_ids(synthesized) -> dict[str, str]:
    """CloudFormation logical id -> logical table name."""
    return {synthesized.logical_id(table): name for name, table in synthesized.stack.data.tables.items()}


def role_statements(resources: dict, role_id: str) -> list[dict]:
    """Every statement of every policy attached to the role, inline or as AWS::IAM::Policy."""
    role = resources[role_id]["Properties"]
    statements = [s for policy in role.get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]
    for policy in of_type(resources, "AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def resource_paths(resources: dict) -> dict[str, str]:
    """API Gateway resource logical id -> its full path; the root is the empty string."""
    nodes = of_type(resources, "AWS::ApiGateway::Resource")

    def path(logical_id: str) -> str:
        properties = nodes[logical_id]["Properties"]
        parent = properties["ParentId"]
        prefix = path(parent["Ref"]) if "Ref" in parent else ""  # Fn::GetAtt RootResourceId: the root
        return f"{prefix}/{properties['PathPart']}"

    return {logical_id: path(logical_id) for logical_id in nodes}


def methods(resources: dict) -> dict[tuple[str, str], dict]:
    """(HTTP method, full path) -> the method's properties."""
    paths = resource_paths(resources)
    found = {}
    for method in of_type(resources, "AWS::ApiGateway::Method").values():
        properties = method["Properties"]
        resource = properties["ResourceId"]
        full_path = paths[resource["Ref"]] if "Ref" in resource else "/"
        found[(properties["HttpMethod"], full_path)] = properties
    return found


def integration_target(properties: dict) -> str:
    """The logical id of the Lambda a proxy integration invokes."""
    parts = properties["Integration"]["Uri"]["Fn::Join"][1]
    return next(part["Fn::GetAtt"][0] for part in parts if isinstance(part, dict) and "Fn::GetAtt" in part)


def stage(resources: dict) -> dict:
    [found] = of_type(resources, "AWS::ApiGateway::Stage").values()
    return found


def checkov_skips(resource: dict) -> dict[str, str]:
    """check id -> reason, from the resource's checkov metadata."""
    return {skip["id"]: skip["comment"] for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])}


def nag_report(synthesized) -> dict:
    report = json.loads((synthesized.outdir / "validation-report.json").read_text())
    [nag] = [r for r in report["pluginReports"] if r["pluginName"] == "AwsSolutions"]
    return nag


def alarm_metrics(alarm: dict) -> list[dict]:
    """The metrics an alarm reads: its single metric, or those its math expression uses."""
    properties = alarm["Properties"]
    if "Metrics" not in properties:
        return [{"Namespace": properties["Namespace"], "MetricName": properties["MetricName"],
                 "Dimensions": properties.get("Dimensions", []), "Stat": properties.get("Statistic")
                 or properties.get("ExtendedStatistic")}]
    return [{**query["MetricStat"]["Metric"], "Stat": query["MetricStat"]["Stat"]}
            for query in properties["Metrics"] if "MetricStat" in query]


def alarm_expression(alarm: dict) -> str | None:
    return next((query["Expression"] for query in alarm["Properties"].get("Metrics", []) if "Expression" in query),
                None)


def dimension(metric: dict, name: str):
    return next(d["Value"] for d in metric["Dimensions"] if d["Name"] == name)
