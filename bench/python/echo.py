"""W8 TCP echo on CPython's asyncio (or uvloop): read like bench/tulip/echo.ts.

An echo server on 127.0.0.1 through the streams API (readline -> write ->
drain until EOF, then close); 50 clients at once each send their lines (one
write per line, drain after every 20; a task of its own) while they read the
echoes back and check each; then close and wait for the close. Timed from
just before the first connect until every client has finished.
"""
import asyncio

CLIENTS = 50
LINE = 1024
BATCH = 20


def echo_lines(c, lines):
    """Client c's lines, as bench/workloads.ts's echoLines makes them."""
    alphabet = b"abcdefghijklmnopqrstuvwxyz" * 41
    out = []
    for j in range(lines):
        first = (c + j) % 26
        line = b"%04d:%07d:" % (c, j) + alphabet[first:first + 1010] + b"\n"
        assert len(line) == LINE
        out.append(line)
    return out


def w8_inputs(n):
    assert n % CLIENTS == 0, "W8 needs N a multiple of %d" % CLIENTS
    return [echo_lines(c, n // CLIENTS) for c in range(CLIENTS)]


async def echo(reader, writer):
    while True:
        line = await reader.readline()
        if not line:
            break
        writer.write(line)
        await writer.drain()
    writer.close()


async def send(writer, lines):
    for j, line in enumerate(lines):
        writer.write(line)
        if (j + 1) % BATCH == 0 or j == len(lines) - 1:
            await writer.drain()


async def client(port, lines, outcome):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sender = asyncio.create_task(send(writer, lines))
    for expected in lines:
        line = await reader.readline()
        if line == expected:
            outcome["checked"] += 1
        else:
            outcome["mismatches"] += 1
    await sender
    writer.close()
    await writer.wait_closed()


def w8(n, inputs, sw, new_loop=asyncio.new_event_loop):
    outcome = {"checked": 0, "mismatches": 0}

    async def main():
        server = await asyncio.start_server(echo, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            sw.start()
            await asyncio.gather(*(client(port, lines, outcome) for lines in inputs))
            sw.stop()
        finally:
            server.close()
            await server.wait_closed()
        return outcome

    loop = new_loop()
    try:
        return loop.run_until_complete(main())
    finally:
        loop.close()


def check_w8(outcome, n, _inputs):
    return outcome["checked"] == n and outcome["mismatches"] == 0
