#!/usr/bin/python3
"""Counts test cases from meson's logs and prints "N passed, N failed[, N skipped]".

GoogleTest executables are counted per test case (from meson's JUnit log); other tests
count as one case each. A test whose process failed without a failing case in its JUnit
log (a crash, a timeout) counts as one failure. Exit status 1 when anything failed.
"""
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

FAILED_RESULTS = {"FAIL", "TIMEOUT", "ERROR", "UNEXPECTEDPASS"}


def main() -> int:
    logs = Path(sys.argv[1])
    results = {}
    try:
        for line in (logs / "testlog.json").read_text().splitlines():
            if line.strip():
                entry = json.loads(line)
                results[entry["name"]] = entry["result"]
    except (OSError, ValueError, KeyError) as e:
        print(f"cannot read meson's test log: {e}")
        print("0 passed, 1 failed")
        return 1

    cases = {}  # test name -> [passed, failed, skipped]
    junit = logs / "testlog.junit.xml"
    if junit.exists():
        for suite in ET.parse(junit).getroot().iter("testsuite"):
            name = suite.get("name", "")
            test = next((t for t in results if name == f"volumed.{t}" or
                         name.startswith(f"volumed.{t}.")), None)
            if test is None:
                continue
            counts = cases.setdefault(test, [0, 0, 0])
            for case in suite.iter("testcase"):
                if case.find("failure") is not None or case.find("error") is not None:
                    counts[1] += 1
                elif case.find("skipped") is not None or case.get("status") == "notrun":
                    counts[2] += 1
                else:
                    counts[0] += 1

    passed = failed = skipped = 0
    for test, result in sorted(results.items()):
        p, f, s = cases.get(test, [0, 0, 0])
        if result in FAILED_RESULTS and f == 0:
            f = 1
            print(f"FAILED: {test} ({result})")
        elif f:
            print(f"FAILED: {test} ({f} case(s))")
        if p + f + s == 0:
            if result == "SKIP":
                s = 1
            elif result in FAILED_RESULTS:
                f = 1
            else:
                p = 1
        passed, failed, skipped = passed + p, failed + f, skipped + s

    line = f"{passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
