// Operating it (issue 10), against the real binary: a SIGTERM lets the request in flight
// finish before the process exits (cleanly), and with ANCHORLINK_LOG=json every log line is
// one JSON object carrying the request id the response was given.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startServer } from './server.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('JSON logs carry the request id of the response', async () => {
  const server = await startServer({ env: { ANCHORLINK_LOG: 'json', RUST_LOG: 'info' } });
  try {
    const res = await fetch(`${server.baseURL}/api/v1/suppliers/not-an-id`);
    assert.equal(res.status, 400);
    const id = res.headers.get('x-request-id');
    assert.match(id ?? '', /^[0-9a-f-]{36}$/);
    let line = null;
    for (let i = 0; i < 50 && !line; i++) {
      await sleep(100);
      const lines = server.log().split('\n').filter((l) => l.trim());
      for (const l of lines) {
        let parsed;
        try { parsed = JSON.parse(l); } catch { assert.fail(`a log line is not JSON: ${l}`); }
        if (JSON.stringify(parsed).includes(id)) line = parsed;
      }
    }
    assert.ok(line, `no log line with request id ${id}:\n${server.log()}`);
    assert.equal(line.span?.request_id ?? line.request_id, id);
    assert.equal(String(line.status ?? ''), '400', JSON.stringify(line));
  } finally {
    await server.stop();
  }
});

test('SIGTERM finishes the request in flight, refuses new ones, and exits cleanly', async () => {
  const server = await startServer();
  try {
    const token = server.cli(['tokens', 'issue', '--email', 'buyer@council.example']).trim();
    const body = JSON.stringify({ title: 'Grounds maintenance 2027' });
    const half = Math.floor(body.length / 2);
    const { port } = new URL(server.baseURL);
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => { answer += d; });
    await new Promise((ok, fail) => { socket.once('connect', ok); socket.once('error', fail); });
    socket.write(
      `POST /api/v1/tenders HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n` +
      body.slice(0, half),
    );
    // The handler is now waiting for the rest of the body: a request in flight.
    await sleep(300);
    server.child.kill('SIGTERM');
    await sleep(300);
    assert.equal(server.exitStatus(), null, 'the server exited with a request in flight');
    await assert.rejects(fetch(`${server.baseURL}/healthz`), 'a new connection was accepted after SIGTERM');
    socket.write(body.slice(half));
    const deadline = Date.now() + 10_000;
    while (!socket.closed && Date.now() < deadline) await sleep(50);
    assert.match(answer, /^HTTP\/1\.1 201 /, `the request in flight was not finished:\n${answer}`);
    assert.match(answer, /Grounds maintenance 2027/);
    while (server.exitStatus() === null && Date.now() < deadline) await sleep(50);
    assert.deepEqual(server.exitStatus(), { code: 0, signal: null }, server.log());
  } finally {
    await server.stop();
  }
});

test('at its in-flight limit the server sheds load with 503 and Retry-After, then recovers', async () => {
  const server = await startServer({ env: { ANCHORLINK_MAX_IN_FLIGHT: '2' } });
  const sockets = [];
  try {
    const token = server.cli(['tokens', 'issue', '--email', 'buyer@council.example']).trim();
    const { port } = new URL(server.baseURL);
    const body = JSON.stringify({ title: 'Held open' });
    // Two requests whose bodies have not finished arriving: both slots taken.
    for (let i = 0; i < 2; i++) {
      const socket = connect(Number(port), '127.0.0.1');
      socket.answer = '';
      socket.on('data', (d) => { socket.answer += d; });
      await new Promise((ok, fail) => { socket.once('connect', ok); socket.once('error', fail); });
      socket.write(
        `POST /api/v1/tenders HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n` +
        body.slice(0, 5),
      );
      sockets.push(socket);
    }
    await sleep(300);
    const shed = await fetch(`${server.baseURL}/api/v1/suppliers/1`);
    assert.equal(shed.status, 503);
    assert.equal(shed.headers.get('retry-after'), '1');
    assert.ok((await shed.json()).errors.request);
    const page = await fetch(`${server.baseURL}/`);
    assert.equal(page.status, 503);
    // The held requests finish normally, and the next request is served.
    for (const s of sockets) s.write(body.slice(5));
    const deadline = Date.now() + 10_000;
    while (sockets.some((s) => !s.closed) && Date.now() < deadline) await sleep(50);
    for (const s of sockets) assert.match(s.answer, /^HTTP\/1\.1 201 /, s.answer);
    assert.equal((await fetch(`${server.baseURL}/healthz`)).status, 200);
  } finally {
    for (const s of sockets) s.destroy();
    await server.stop();
  }
});
