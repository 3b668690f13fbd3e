#!/usr/bin/env python3
"""Load client for `explicable study serve` (standard library only, loopback).

N keep-alive HTTP/1.1 connections, each a stream of participants: GET /start, GET the session
page (item keys), one POST /api/answer per item, POST /api/finish. Prints one JSON line:
answers per second and p50/p99 latency of the answer POSTs.
"""
import argparse, asyncio, json, re, time


async def request(reader, writer, method, path, body=None):
    data = b"" if body is None else json.dumps(body).encode()
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(data)}\r\n"
    if body is not None:
        head += "Content-Type: application/json\r\n"
    writer.write(head.encode() + b"\r\n" + data)
    await writer.drain()
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    headers = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        k, _, v = line.decode().partition(":")
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0"))
    payload = await reader.readexactly(length) if length else b""
    return status, headers, payload


async def worker(port, ids, latencies, deadline):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    answers = 0
    for pid in ids:
        if time.monotonic() > deadline:
            break
        status, headers, _ = await request(reader, writer, "GET", f"/start?PROLIFIC_PID={pid}")
        if status != 303:
            break  # the study is full
        token = headers["location"].split("/")[2]
        _, _, page = await request(reader, writer, "GET", f"/session/{token}")
        match = re.search(rb'id="explicable-page">(.*?)</script>', page, re.S)
        items = json.loads(match.group(1))["items"]
        for i, item in enumerate(items):
            t = time.perf_counter()
            status, _, body = await request(reader, writer, "POST", "/api/answer",
                                             {"token": token, "item": item["key"], "value": i % 5, "rt_ms": 1000})
            latencies.append(time.perf_counter() - t)
            if status != 200:
                raise RuntimeError(f"answer: HTTP {status} {body[:200]!r}")
            answers += 1
        await request(reader, writer, "POST", "/api/finish", {"token": token})
    writer.close()
    return answers


async def prepare(port, participants, out):
    """Admits participants and writes one `token item` line per answer to give, interleaved
    across participants, for the wrk script (serve-wrk.lua)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sessions = []
    for n in range(participants):
        status, headers, _ = await request(reader, writer, "GET", f"/start?PROLIFIC_PID=wrk{n}")
        if status != 303:
            break
        token = headers["location"].split("/")[2]
        _, _, page = await request(reader, writer, "GET", f"/session/{token}")
        match = re.search(rb'id="explicable-page">(.*?)</script>', page, re.S)
        sessions.append((token, [item["key"] for item in json.loads(match.group(1))["items"]]))
    writer.close()
    with open(out, "w") as f:
        for i in range(max(len(items) for _, items in sessions)):
            for token, items in sessions:
                if i < len(items):
                    f.write(f"{token} {items[i]}\n")


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--prepare", type=int, help="admit this many participants and write answer lines for wrk")
    parser.add_argument("--out", help="where --prepare writes its lines")
    args = parser.parse_args()
    if args.prepare:
        await prepare(args.port, args.prepare, args.out)
        return
    latencies = []
    deadline = time.monotonic() + args.seconds
    per = 10_000
    start = time.perf_counter()
    counts = await asyncio.gather(*[
        worker(args.port, [f"load{c}-{n}" for n in range(per)], latencies, deadline) for c in range(args.connections)])
    elapsed = time.perf_counter() - start
    latencies.sort()
    q = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000
    print(json.dumps({"benchmark": "serve-answers", "connections": args.connections, "answers": sum(counts),
                      "seconds": round(elapsed, 2), "answers_per_s": round(sum(counts) / elapsed),
                      "p50_ms": round(q(0.50), 2), "p99_ms": round(q(0.99), 2)}))


asyncio.run(main())
