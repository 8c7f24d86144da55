#!/usr/bin/python3
"""Hostile real servers (issue 13, case 4): one listener per behaviour on 0.0.0.0 (port BASE + mode index), so
every local address (a whole range routed to lo) is a real server of that mode. Bounded: a connection is closed
by the server after CAP seconds at the latest, headers stop at 100 MB.

Each connection's lifetime (accept until the client closed or reset it, or the server gave up) is recorded by
mode; SIGTERM prints them, with the longest the server's own loop ran late (what the lifetimes may be off by), as
one JSON line on stdout and exits. SIGUSR1 stops the flapping (flap then stays up and says 'steadied').
Python, not Node: it starts in about a second in the TCG guest where Node takes ten.

Usage: hostile-servers.py BASE_PORT CAP_SECONDS [HOST]   (HOST 0.0.0.0 unless given; prints `ready` once every
listener is up, exits 1 when one cannot be)
"""
import asyncio
import json
import os
import signal
import socket
import struct
import sys
import time

MODES = ['ok', 'silent', 'trickle', 'headers', 'reset', 'tls', 'flap']
OK_RESPONSE = b'HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n'
HEADERS_TOTAL = 100 * 1024 * 1024
HEADER_LINE = b'X-Hostile: ' + b'a' * 8177 + b'\r\n'

base = int(sys.argv[1])
cap = float(sys.argv[2])
host = sys.argv[3] if len(sys.argv) > 3 else '0.0.0.0'
lifetimes = {m: [] for m in MODES}
ended = {m: {'client': 0, 'server': 0, 'cap': 0} for m in MODES}
open_since = {}
flapping = True
lag = {'max_ms': 0}


async def read_request(reader):
    """Up to the blank line, or whatever came within a second (TLS, garbage)."""
    data = b''
    try:
        while b'\r\n\r\n' not in data and len(data) < 65536:
            chunk = await asyncio.wait_for(reader.read(4096), 1)
            if not chunk:
                break
            data += chunk
    except asyncio.TimeoutError:
        pass
    return data


async def client_gone(reader):
    """Returns when the client closes or resets; what it sends is dropped."""
    try:
        while await reader.read(65536):
            pass
    except (ConnectionError, OSError):
        pass


async def behave(mode, writer):
    """The server's side once the request is in; returns 'server' when it ended the exchange itself."""
    if mode in ('ok', 'flap'):
        writer.write(OK_RESPONSE)
        await writer.drain()
        return 'server'
    if mode == 'silent':
        await asyncio.sleep(cap)
        return 'cap'
    if mode == 'trickle':
        for byte in OK_RESPONSE * 1000:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(1)
        return 'cap'
    if mode == 'headers':
        writer.write(b'HTTP/1.0 200 OK\r\n')
        sent = 0
        while sent < HEADERS_TOTAL:
            writer.write(HEADER_LINE)
            sent += len(HEADER_LINE)
            await writer.drain()
        return 'server'
    if mode == 'reset':
        writer.write(b'HTTP/1.0 200 OK\r\nContent-Length: 100000\r\n\r\n' + b'x' * 1000)
        await writer.drain()
        await asyncio.sleep(0.1)
        # SO_LINGER 0: close() sends a RST
        writer.get_extra_info('socket').setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        return 'server'
    if mode == 'tls':
        # a handshake record header, then noise
        writer.write(b'\x16\x03\x03\x40\x00' + os.urandom(16384))
        await writer.drain()
        await asyncio.sleep(cap)
        return 'cap'
    raise ValueError(mode)


def handler(mode):
    async def handle(reader, writer):
        started = time.monotonic()
        key = object()
        open_since[key] = (mode, started)
        await read_request(reader)
        gone = asyncio.ensure_future(client_gone(reader))
        work = asyncio.ensure_future(behave(mode, writer))
        waiting = [work, gone]
        done, _ = await asyncio.wait(waiting, timeout=cap - (time.monotonic() - started), return_when=asyncio.FIRST_COMPLETED)
        if work in done and work.exception() is None:
            how = work.result()
        elif not done:
            how = 'cap'
        else:
            how = 'client'
        for t in waiting:
            t.cancel()
        lifetimes[mode].append(round((time.monotonic() - started) * 1000))
        ended[mode][how] += 1
        del open_since[key]
        try:
            writer.close()
        except OSError:
            pass
    return handle


async def flap(port, server, steadied):
    """Up in even seconds, down (refused) in odd ones, until SIGUSR1 (`steadied` set): then up for good, which
    it says with a 'steadied' line; starts with `server` listening."""
    while True:
        up = not flapping or int(time.time()) % 2 == 0
        if up and server is None:
            server = await asyncio.start_server(handler('flap'), host, port, backlog=1024)
        elif not up and server is not None:
            server.close()
            server = None
        if not flapping:
            print('steadied', flush=True)
            await asyncio.Future()  # listening until cancelled
        try:
            await asyncio.wait_for(steadied.wait(), 1 - time.time() % 1 + 0.001)
        except asyncio.TimeoutError:
            pass


async def watch_lag():
    while True:
        t = time.monotonic()
        await asyncio.sleep(0.1)
        lag['max_ms'] = max(lag['max_ms'], round((time.monotonic() - t - 0.1) * 1000))


async def main():
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, lambda: stop.done() or stop.set_result(None))

    steadied = asyncio.Event()

    def steady():
        global flapping
        flapping = False
        steadied.set()
    loop.add_signal_handler(signal.SIGUSR1, steady)
    servers = {m: await asyncio.start_server(handler(m), host, base + i, backlog=1024) for i, m in enumerate(MODES)}
    flapper = asyncio.ensure_future(flap(base + MODES.index('flap'), servers['flap'], steadied))
    lag_watch = asyncio.ensure_future(watch_lag())
    print('ready', flush=True)
    await stop
    flapper.cancel()
    lag_watch.cancel()
    now = time.monotonic()
    still_open = {m: [round((now - t) * 1000) for (mm, t) in open_since.values() if mm == m] for m in MODES}
    print(json.dumps({'lifetimes': lifetimes, 'ended': ended, 'open': still_open, 'lagMs': lag['max_ms']}), flush=True)


asyncio.run(main())
