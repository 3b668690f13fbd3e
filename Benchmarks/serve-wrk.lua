-- wrk script for `explicable study serve`: POST /api/answer with the `token item` lines of
-- $WRK_ANSWERS (written by serve_load.py --prepare), each thread taking every $WRK_THREADS-th line.
-- Past the end a thread re-sends its last answer (an idempotent duplicate); non-200s are counted.
local threads = {}

function setup(thread)
    thread:set("id", #threads)
    table.insert(threads, thread)
end

function init(args)
    lines = {}
    local step = tonumber(os.getenv("WRK_THREADS") or "1")
    local n = 0
    for line in io.lines(os.getenv("WRK_ANSWERS")) do
        if n % step == id then table.insert(lines, line) end
        n = n + 1
    end
    i = 0
    failures = 0
end

function request()
    i = i + 1
    local n = math.min(i, #lines)
    local token, item = lines[n]:match("(%S+) (%S+)")
    -- The value depends on the line only, so a re-sent answer is an exact duplicate (200), not a conflict.
    local body = string.format('{"token":"%s","item":"%s","value":%d,"rt_ms":1000}', token, item, n % 5)
    return wrk.format("POST", "/api/answer", { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
    if status ~= 200 then failures = failures + 1 end
end

function done(summary, latency, requests)
    local failed = 0
    for _, thread in ipairs(threads) do failed = failed + thread:get("failures") end
    io.write(string.format(
        '{"benchmark": "serve-answers-wrk", "answers": %d, "answers_per_s": %.0f, "p50_ms": %.2f, "p99_ms": %.2f, "non_200": %d, "exhausted": %s}\n',
        summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
        latency:percentile(99) / 1000, failed, tostring(summary.requests > 90000)))
end
