"""Runs a command and writes its wall time and the CPU time of it and its children (user + system,
all processes it waited for, e.g. torchrun's workers) as JSON, with the load average before and after.

Usage: timed.py OUT.json NAME COMMAND [ARG...]; exits with the command's status.
"""
import json, os, resource, subprocess, sys, time

out, name, command = sys.argv[1], sys.argv[2], sys.argv[3:]
load_before = os.getloadavg()
start = time.perf_counter()
status = subprocess.call(command)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(out, "w", encoding="utf-8") as f:
    json.dump({"run": name, "status": status, "wall_seconds": round(wall, 1),
               "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
               "load_before": [round(x, 1) for x in load_before],
               "load_after": [round(x, 1) for x in os.getloadavg()]}, f)
    f.write("\n")
sys.exit(status)
