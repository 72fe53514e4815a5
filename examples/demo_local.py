"""`make demo`, part two: `lambdakit local` on object-counter, one real request, then Ctrl-C.

Starts ``lambdakit local --json`` on any free ports, waits for its ready line, sends one GET to
the app's GET route and prints the answer, then stops the server with SIGINT (as Ctrl-C does).
The server's own log (build, function logs) goes to this terminal's stderr.
"""

import json
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

APP = Path(__file__).parent / "object-counter"
READY_TIMEOUT = 180


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:  # 4xx/5xx answers are answers too
        return error.code, error.read().decode()


def main():
    command = [sys.executable, "-m", "lambdakit", "local", "-t", str(APP), "--json"]
    command += ["--port", "0", "--services-port", "0"]
    print("$ lambdakit local -t examples/object-counter --json --port 0 --services-port 0")
    started = time.monotonic()
    server = subprocess.Popen(command, stdout=subprocess.PIPE)
    watchdog = threading.Timer(READY_TIMEOUT, server.kill)
    watchdog.start()
    try:
        line = server.stdout.readline()
        watchdog.cancel()
        if not line:
            print(f"lambdakit local exited ({server.wait()}) before it was ready")
            return 1
        ready = json.loads(line)
        print(f"ready in {time.monotonic() - started:.1f} s: {line.decode().strip()}")
        route = next(r for r in ready["routes"] if r["method"] == "GET")
        url = ready["api"] + route["path"]
        sent = time.monotonic()
        status, body = fetch(url)
        took = (time.monotonic() - sent) * 1000
        print(f"GET {url} -> {status} in {took:.0f} ms (cold start): {body}")
        if status == 502:
            print(
                f"  502 is the honest answer for now: {route['function']} reads DynamoDB, which"
                " lambdakit local does not emulate yet (its error is in the log above)."
            )
    finally:
        watchdog.cancel()
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
        code = server.wait(60)
    print(f"lambdakit local stopped on SIGINT, exit {code}")
    return code


if __name__ == "__main__":
    sys.exit(main())
