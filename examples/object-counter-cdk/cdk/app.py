"""The CDK app: one stack, deployed as `object-counter`.

Run it from the app folder (where cdk.json is), the way the CDK CLI and `lambdakit synth` do.
"""

import sys
from pathlib import Path

# The app folder holds cdk/ and services/: make both importable when run as `python3 cdk/app.py`.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aws_cdk as cdk
from cdk.stack import CounterStack

app = cdk.App()
CounterStack(app, "CounterStack", stack_name="object-counter")
app.synth()
