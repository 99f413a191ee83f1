#!/usr/bin/env bash
# Checks the operator's kit with promtool (Debian's `prometheus` package): the alert rules are
# valid and pass their unit tests (alerts.test.yml), and every query of the Grafana dashboard
# parses as PromQL. tests/deploy/operator_kit.rs checks that they all read metrics the service
# exposes.
set -euo pipefail
cd "$(dirname "$0")"

promtool check rules alerts.yml
promtool test rules alerts.test.yml

# The dashboard's queries, Grafana's variables filled in, checked as recording rules.
queries=$(mktemp --suffix=.yml)
trap 'rm -f "$queries"' EXIT
python3 - grafana-dashboard.json >"$queries" <<'PYTHON'
import json, sys

dashboard = json.load(open(sys.argv[1]))
variables = {"$__rate_interval": "5m", "$app": "auth-mirror", "$instance": ".*"}
print("groups:\n  - name: grafana-dashboard\n    rules:")
for panel in dashboard["panels"]:
    for target in panel.get("targets", []):
        expr = target["expr"]
        for name, value in variables.items():
            expr = expr.replace(name, value)
        print(f"      - record: dashboard:panel_{panel['id']}_{target['refId']}")
        print(f"        expr: {json.dumps(expr)}")
PYTHON
echo "Dashboard queries:"
promtool check rules "$queries"
